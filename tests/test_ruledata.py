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
