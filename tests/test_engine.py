"""The run layer: drafts are read and parsed in one place (engine.load_document) and linted in
one place (engine.lint_documents), by ``lint``, ``report`` and ``links`` alike."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.cli import main
from blogtool.config import Config
from blogtool.document import Document
from blogtool.engine import (
    FileResult,
    lint_documents,
    lint_files,
    load_document,
    make_plan,
)

DRAFT = "# Post\n\nTODO: write this.\n\nSee [the plot](images/gone.png).\n"


def plan(**kw):
    return make_plan(Config(), select=["BT107"], **kw)


def test_load_document_parses_a_readable_draft(tmp_path: Path) -> None:
    draft = tmp_path / "a.md"
    draft.write_text(DRAFT, encoding="utf-8")
    doc = load_document(draft, plan())
    assert isinstance(doc, Document)
    assert doc.path == str(draft) and doc.sections[0].title == "Post"


def test_load_document_turns_an_unreadable_draft_into_an_error_result(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.md"
    bad.write_bytes("caf\xe9\n".encode("latin-1"))
    missing = tmp_path / "gone.md"
    for path in (bad, missing):
        loaded = load_document(path, plan())
        assert isinstance(loaded, FileResult)
        assert loaded.path == str(path) and loaded.error and str(path) in loaded.error


def test_load_document_turns_a_parser_overflow_into_an_error_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft = tmp_path / "deep.md"
    draft.write_text(DRAFT, encoding="utf-8")

    def overflow(cls, text, path="<string>"):  # noqa: ANN001, ANN202
        raise RecursionError

    monkeypatch.setattr(Document, "from_text", classmethod(overflow))
    loaded = load_document(draft, plan())
    assert isinstance(loaded, FileResult)
    assert loaded.error == f"{draft}: too deeply nested to parse; not linted"


def _todo_lines(doc: Document, result: FileResult) -> tuple[str, list[int]]:
    return doc.path, [v.line for v in result.violations]


@pytest.mark.parametrize("jobs", [1, 2])
def test_lint_documents_takes_documents_paths_and_failures_in_order(
    tmp_path: Path, jobs: int
) -> None:
    paths = []
    for i in range(5):
        path = tmp_path / f"d{i}.md"
        path.write_text("\n" * i + DRAFT, encoding="utf-8")
        paths.append(path)
    the_plan = plan()
    failed = FileResult("broken.md", error="broken.md: cannot read")
    loaded = load_document(paths[1], the_plan)
    drafts = [paths[0], loaded, failed, paths[2], paths[3], paths[4]]

    results = lint_documents(drafts, the_plan, jobs, after=_todo_lines)

    assert [r.path for r in results] == [
        str(paths[0]),
        str(paths[1]),
        "broken.md",
        *map(str, paths[2:]),
    ]
    assert results[2] is failed or results[2].error == "broken.md: cannot read"
    expected = lint_files(paths, the_plan, jobs=1)
    linted = [r for r in results if r.path != "broken.md"]
    assert [[(v.rule_id, v.line) for v in r.violations] for r in linted] == [
        [(v.rule_id, v.line) for v in r.violations] for r in expected
    ]
    # the same draft shifted down by one blank line each time: BT107 moves with it
    assert [r.derived for r in linted] == [
        (str(p), [v.line for v in e.violations]) for p, e in zip(paths, expected, strict=True)
    ]
    assert {v.rule_id for v in linted[0].violations} == {"BT107"}


def test_after_is_picklable_as_a_partial(tmp_path: Path) -> None:
    paths = []
    for i in range(4):
        path = tmp_path / f"d{i}.md"
        path.write_text(DRAFT, encoding="utf-8")
        paths.append(path)
    after = functools.partial(_count_rule, rule="BT107")
    results = lint_documents(paths, plan(), 2, after=after)
    assert [r.derived for r in results] == [1, 1, 1, 1]


def _count_rule(doc: Document, result: FileResult, rule: str) -> int:
    return sum(v.rule_id == rule for v in result.violations)


# --- each draft parsed once, whichever command reads it ----------------------------------------


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of every draft Document.from_text parses in this process."""
    seen: list[str] = []
    original = Document.from_text.__func__  # type: ignore[attr-defined]

    def counting(cls, text, path="<string>"):  # noqa: ANN001, ANN202
        seen.append(path)
        return original(cls, text, path)

    monkeypatch.setattr(Document, "from_text", classmethod(counting))
    return seen


@pytest.fixture
def blog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "blogtool.toml").write_text("[links]\ncache_dir = '.cache'\n", encoding="utf-8")
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(DRAFT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BLOGTOOL_CACHE_DIR", raising=False)
    return tmp_path


def test_lint_check_links_parses_each_draft_once(blog: Path, parses: list[str]) -> None:
    result = CliRunner().invoke(
        main, ["lint", "--check-links", "--select", "BT704", "-j", "1", "a.md", "b.md"]
    )
    assert result.exit_code == 1, result.output
    assert result.output.count("BT704") == 2  # the link rule saw the checks' findings
    assert sorted(parses) == ["a.md", "b.md"]


def test_lint_check_links_parses_stdin_once(blog: Path, parses: list[str]) -> None:
    result = CliRunner().invoke(
        main,
        ["lint", "--check-links", "--select", "BT704", "--stdin-filename", "c.md", "-"],
        input=DRAFT,
    )
    assert "c.md:5:5: BT704" in result.output, result.output
    assert parses == ["c.md"]


def test_report_check_links_parses_each_draft_once(blog: Path, parses: list[str]) -> None:
    result = CliRunner().invoke(main, ["report", "--check-links", "-j", "1", "a.md", "b.md"])
    assert result.exit_code == 0, result.output
    assert "a.md" in result.output and "b.md" in result.output
    assert sorted(parses) == ["a.md", "b.md"]


def test_links_parses_each_draft_once(blog: Path, parses: list[str]) -> None:
    result = CliRunner().invoke(main, ["links", "--offline", "a.md", "b.md"])
    assert result.exit_code == 1, result.output
    assert "1 link in 2 files: 1 broken" in result.output  # one entry, used in two drafts
    assert sorted(parses) == ["a.md", "b.md"]


def test_an_unreadable_draft_is_reported_by_lint_with_check_links(
    blog: Path, parses: list[str]
) -> None:
    (blog / "c.md").write_bytes(b"caf\xe9\n")
    result = CliRunner().invoke(
        main, ["lint", "--check-links", "--select", "BT704", "-j", "1", "a.md", "c.md"]
    )
    assert result.exit_code == 2
    assert "c.md" in result.stderr and "UTF-8" in result.stderr
    assert "a.md:5:5: BT704" in result.stdout


# --- --offline is a setting of the run, carried by the plan -------------------------------------


def test_rules_read_offline_from_their_context() -> None:
    from blogtool.engine import lint_text
    from blogtool.registry import Hit, RuleRegistry, rule

    @rule("BT990", "says-offline")
    def says_offline(doc, ctx):  # noqa: ANN001, ANN202
        """Reports the first character when the run is offline."""
        if ctx.offline:
            yield Hit(0, 1, "offline")

    registry = RuleRegistry([says_offline.__blogtool_rule__])
    for offline, expected in ((True, ["BT990"]), (False, [])):
        the_plan = make_plan(Config(), registry=registry, offline=offline)
        assert the_plan.offline is offline
        found = lint_text("# T\n", "d.md", the_plan).violations
        assert [v.rule_id for v in found] == expected


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--offline"], {}, True),
        ([], {"BLOGTOOL_OFFLINE": "1"}, True),
        ([], {"BLOGTOOL_OFFLINE": "0"}, False),
        ([], {}, False),
    ],
)
def test_lint_offline_reaches_the_plan(
    blog: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict, expected: bool
) -> None:
    import blogtool.engine as engine

    monkeypatch.delenv("BLOGTOOL_OFFLINE", raising=False)
    seen: list[bool] = []
    real = engine.lint_document

    def spy(doc, plan, notices=None, flavor=None, warnings=None):  # noqa: ANN001, ANN202
        seen.append(plan.offline)
        return real(doc, plan, notices, flavor, warnings)

    monkeypatch.setattr(engine, "lint_document", spy)
    result = CliRunner().invoke(main, ["lint", *args, "--select", "BT107", "a.md"], env=env)
    assert result.exit_code == 1, result.output
    assert seen == [expected]
