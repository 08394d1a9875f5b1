"""The spelling stage: run once per draft by the engine, read (never redone) by BT601-BT603."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import pytest

from blogtool import engine
from blogtool.config import Config
from blogtool.document import Document
from blogtool.engine import lint_files, lint_text, make_plan
from blogtool.net.cache import CACHE_DIR_ENV, DATABASE_NAME
from blogtool.spelling import service
from blogtool.spelling.backends import Finding
from blogtool.spelling.stage import SpellingPart, SpellingResult, check_spelling
from blogtool.spelling.words import UnknownWord

# "allows to" is a Harper rule BT602 asks for, so Harper and the paragraph cache see it
DRAFT = "# Notes\n\nWe recieve the the data here.\n\nThis allows to train.\n"
SPELLING = ["BT601", "BT602", "BT603"]


def found(result) -> list[tuple[int, int, str]]:
    return [(v.line, v.col, v.rule_id) for v in result.violations]


def test_the_stage_runs_once_per_draft_for_all_spelling_rules(monkeypatch) -> None:
    calls: list[frozenset[str]] = []
    real = check_spelling

    def counted(doc, options, rules_dirs, kinds, offline=False):
        calls.append(frozenset(kinds))
        return real(doc, options, rules_dirs, kinds, offline)

    monkeypatch.setattr("blogtool.spelling.stage.check_spelling", counted)
    result = lint_text(DRAFT, "d.md", make_plan(Config(), select=SPELLING))
    assert calls == [frozenset({"spelling", "grammar", "style"})]
    assert (3, 4, "BT601") in found(result) and (3, 12, "BT602") in found(result)
    calls.clear()
    lint_text(DRAFT, "d.md", make_plan(Config(), select=["BT602"]))
    assert calls == [frozenset({"grammar"})]
    calls.clear()
    lint_text(DRAFT, "d.md", make_plan(Config(), ignore=["BT6"]))
    assert calls == []


def test_rules_only_read_the_result(monkeypatch) -> None:
    def no_io(*args, **kwargs):
        raise AssertionError("a spelling rule did I/O of its own")

    monkeypatch.setattr(service, "service_for", no_io)
    monkeypatch.setattr("blogtool.spelling.lexicon.load_lexicon", no_io)
    plan = make_plan(Config(), select=SPELLING)
    doc = Document.from_text(DRAFT, "d.md")
    given = SpellingResult(
        spelling=SpellingPart((UnknownWord(12, 19, "recieve", ("receive",), ()),)),
        grammar=SpellingPart(
            (Finding(20, 27, "the the", "grammar", "a word is repeated", ("the",), "ToTo"),)
        ),
        style=SpellingPart(),
    )
    violations = engine.run_rules(doc, plan, given)
    assert [(v.line, v.col, v.rule_id) for v in violations] == [
        (3, 4, "BT601"),
        (3, 12, "BT602"),
    ]
    assert "receive" in violations[0].message
    assert not [key for key in doc.memo if "spelling" in repr(key) or key == "warnings"]


def test_what_the_stage_could_not_do_is_said_by_its_rule() -> None:
    plan = make_plan(Config(), select=SPELLING)
    doc = Document.from_text(DRAFT, "d.md")
    notices: list[str] = []
    given = SpellingResult(
        spelling=SpellingPart(unavailable="spelling not checked: no word list"),
        grammar=SpellingPart(error=ValueError("boom")),
        style=SpellingPart(),
    )
    violations = engine.run_rules(doc, plan, given, notices)
    assert notices == ["spelling not checked: no word list"]
    assert [(v.rule_id, v.message) for v in violations] == [
        ("BT000", "rule BT602 (grammar) crashed: ValueError: boom")
    ]
    # without the stage the rules cannot pretend the draft is clean
    notices.clear()
    engine.run_rules(doc, plan, None, notices)
    assert notices == ["spelling not checked: the spelling stage did not run"]


def test_a_cache_that_cannot_be_written_is_a_warning_of_the_file_result(
    tmp_path: Path, monkeypatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    result = lint_text(DRAFT, "d.md", make_plan(Config(), select=SPELLING))
    assert (5, 6, "BT602") in found(result)
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("warning: cannot write the cache directory")
    assert not result.notices


def test_parallel_workers_share_one_cache(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    paths = []
    for n in range(6):
        path = tmp_path / f"post{n}.md"
        path.write_text(DRAFT.replace("train", f"train model {n}"), encoding="utf-8")
        paths.append(path)
    plan = make_plan(Config(), select=["BT601", "BT602"])
    first = lint_files(paths, plan, jobs=3)
    database = Path(os.environ[CACHE_DIR_ENV]) / DATABASE_NAME
    with contextlib.closing(sqlite3.connect(database)) as db:
        stored = db.execute("SELECT count(*) FROM entries WHERE namespace = 'spelling'")
        assert stored.fetchone()[0] == len(paths)  # each post's "allows to" paragraph

    def broken(*args, **kwargs):
        raise AssertionError("backend built although every paragraph was cached")

    monkeypatch.setattr(service, "create_backend", broken)
    service.service_for.cache_clear()
    try:
        again = lint_files(paths, plan, jobs=1)
    finally:
        service.service_for.cache_clear()
    assert [found(r) for r in again] == [found(r) for r in first]
    assert all((5, 6, "BT602") in found(r) for r in first)


@pytest.mark.parametrize("enabled", [True, False])
def test_turned_off_the_stage_finds_nothing(enabled: bool) -> None:
    doc = Document.from_text(DRAFT, "d.md")
    result = check_spelling(doc, {"enabled": enabled}, (), {"spelling", "grammar"})
    assert (result.spelling.findings != ()) is enabled
    assert (result.grammar.findings != ()) is enabled
    assert result.style is None


def test_no_rule_module_reaches_a_backend_the_cache_or_the_word_list() -> None:
    import ast

    import blogtool.rules

    for path in Path(blogtool.rules.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = "blogtool." * (node.level == 2) + (node.module or "")
                assert not module.startswith(("blogtool.spelling", "blogtool.net")), path.name


def test_the_a_an_fix_needs_the_stage_word_counts() -> None:
    from blogtool.rules._fixes import grammar_fix

    text = "We wait for a hour and a apple.\n"
    result = check_spelling(Document.from_text(text, "d.md"), {}, (), {"grammar"})
    (finding,) = [f for f in result.grammar.findings if text.startswith("a apple", f.start)]
    assert result.word_frequency is not None
    fix = grammar_fix(text, finding, result.word_frequency)
    assert fix is not None
    assert [(e.start, e.end, e.replacement) for e in fix.edits] == [(23, 24, "an")]
    assert grammar_fix(text, finding, None) is None  # no word list, no guess


def test_offline_reaches_the_languagetool_backend_through_the_plan(monkeypatch) -> None:
    # The plan says offline; the environment does not. A server at a URL is not contacted
    # (nothing listens on the port: contacting it would be a connection error instead).
    monkeypatch.delenv("BLOGTOOL_OFFLINE", raising=False)
    options = {"backend": "languagetool", "languagetool_url": "http://127.0.0.1:9/v2"}
    doc = Document.from_text(DRAFT, "d.md")
    result = check_spelling(doc, options, (), {"grammar"}, offline=True)
    assert "was not contacted: --offline" in (result.grammar.unavailable or "")
    assert "BLOGTOOL_OFFLINE" not in os.environ
