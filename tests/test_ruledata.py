"""RuleData: phrase lists compiled once per run, and a project's rules dir still counted."""

from __future__ import annotations

from pathlib import Path

from blogtool.config import Config
from blogtool.engine import lint_text, make_plan
from blogtool.ruledata import RuleData


def test_derived_is_built_once_per_key() -> None:
    data = RuleData()
    built: list[str] = []

    def build(name: str) -> str:
        built.append(name)
        return name.upper()

    assert data.derived("a", lambda: build("a")) == "A"
    assert data.derived("a", lambda: build("again")) == "A"
    assert data.derived(("a", 1), lambda: build("b")) == "B"
    assert built == ["a", "b"]


def test_a_second_draft_reuses_the_compiled_phrases_and_a_project_list_still_counts(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "placeholders.toml").write_text('placeholder_words = ["FIXLATER"]\n')
    plan = make_plan(Config(rules_dirs=[rules]), select=["BT102"])
    first = lint_text("# T\n\nSome text {FIXLATER} here.\n", "a.md", plan)
    assert [v.rule_id for v in first.violations] == ["BT102"]
    kept = dict(plan.data._derived)
    assert kept, "the placeholder patterns were not kept for the next draft"
    second = lint_text("# T\n\nMore text {FIXLATER} there.\n", "b.md", plan)
    assert [v.rule_id for v in second.violations] == ["BT102"]
    assert all(plan.data._derived[k] is v for k, v in kept.items())


def test_after_the_plan_is_made_no_rule_reads_a_file(tmp_path: Path, monkeypatch) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "placeholders.toml").write_text('placeholder_words = ["FIXLATER"]\n')
    plan = make_plan(Config(rules_dirs=[rules]), ignore=["BT6", "BT7"])

    def no_disk(*args, **kwargs):
        raise AssertionError("a rule read a file")

    monkeypatch.setattr(Path, "read_text", no_disk)
    monkeypatch.setattr(Path, "open", no_disk)
    monkeypatch.setattr("builtins.open", no_disk)
    text = "# T\n\nSome text {FIXLATER} here. As an AI language model, I [ADD_FIGURE].\n"
    found = {v.rule_id for v in lint_text(text, "a.md", plan).violations}
    assert "BT000" not in found
    assert {"BT102", "BT106"} <= found


def test_an_unreadable_project_file_is_reported_by_the_rule_that_needs_it(tmp_path: Path) -> None:
    rules = tmp_path / "my-rules"
    rules.mkdir()
    (rules / "placeholders.toml").write_bytes(b"\xff\xfe not utf-8")
    plan = make_plan(Config(rules_dirs=[rules]), select=["BT102"])
    (found,) = lint_text("# T\n\nText {x}.\n", "a.md", plan).violations
    assert found.rule_id == "BT000" and "placeholders.toml: cannot read rule data" in found.message
