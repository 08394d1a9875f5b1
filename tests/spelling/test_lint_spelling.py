"""Spelling through `blogtool lint`: backends chosen by config, unavailable ones reported once.

The LanguageTool case talks to tests/spelling/lt_standin.py, a protocol stand-in for a
LanguageTool HTTP server started on 127.0.0.1 (not LanguageTool itself, which cannot be
installed here).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from blogtool.cli import main
from blogtool.net.cache import DATABASE_NAME

DRAFT = "# Notes\n\nWe recieve the [ADD_IMAGE] tset here.\n"


def cache_database() -> Path:
    return Path(os.environ["BLOGTOOL_CACHE_DIR"]) / DATABASE_NAME


def spelling_entries() -> int:
    with contextlib.closing(sqlite3.connect(cache_database())) as db:
        return db.execute("SELECT count(*) FROM entries WHERE namespace = 'spelling'").fetchone()[0]


def lint(tmp_path: Path, config: str, *args: str, draft: str = DRAFT):
    (tmp_path / "blogtool.toml").write_text(config, encoding="utf-8")
    (tmp_path / "d.md").write_text(draft, encoding="utf-8")
    return CliRunner().invoke(main, ["lint", "--format", "json", *args, str(tmp_path / "d.md")])


def rules_of(result) -> list[tuple[int, int, str]]:
    return [(v["line"], v["column"], v["rule"]) for v in json.loads(result.stdout)["violations"]]


def test_languagetool_server_backend(tmp_path: Path, standin) -> None:
    config = f'[spelling]\nbackend = "languagetool"\nlanguagetool_url = "{standin.url}"\n'
    # BT601 decides words with the lexicon whatever the backend: no request for it
    result = lint(tmp_path, config, "--select", "BT601")
    assert result.exit_code == 1, result.output
    assert rules_of(result) == [(3, 4, "BT601"), (3, 28, "BT601")]
    assert not standin.requests
    # grammar asks the configured server
    lint(tmp_path, config, "--select", "BT602")
    assert any(path == "/v2/check" for _, path, _ in standin.requests)


def test_unreachable_languagetool_is_one_message_and_exit_2(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = f'[spelling]\nbackend = "languagetool"\nlanguagetool_url = "http://127.0.0.1:{port}"\n'
    result = lint(tmp_path, config)
    assert result.exit_code == 2
    assert result.stderr.count("spelling not checked") == 1
    assert "Traceback" not in result.output
    # the other rules still ran
    assert (3, 16, "BT102") in rules_of(result)


def test_languagetool_without_server_or_directory_says_how_to_configure(tmp_path: Path) -> None:
    result = lint(tmp_path, '[spelling]\nbackend = "languagetool"\n')
    assert result.exit_code == 2
    assert "languagetool_url" in result.stderr and "LTP_JAR_DIR_PATH" in result.stderr


def test_spelling_can_be_turned_off(tmp_path: Path) -> None:
    result = lint(tmp_path, "[spelling]\nenabled = false\n", "--select", "BT601")
    assert result.exit_code == 0 and rules_of(result) == []


def test_second_run_uses_the_paragraph_cache(tmp_path: Path, monkeypatch) -> None:
    # "allows to" is one of the Harper rules BT602 asks for, so Harper checks the paragraph
    draft = DRAFT + "\nThis allows to train.\n"
    first = lint(tmp_path, "", "--select", "BT601,BT602", draft=draft)
    assert rules_of(first) == [(3, 4, "BT601"), (3, 28, "BT601"), (5, 6, "BT602")]
    assert spelling_entries(), "the spelling cache was not written"
    # with the backend unusable, a fully cached draft still gives the same findings
    from blogtool.spelling import service

    def broken(*args, **kwargs):
        raise AssertionError("backend built although every paragraph was cached")

    monkeypatch.setattr(service, "create_backend", broken)
    service.service_for.cache_clear()
    # --no-cache: past the results cache, which would answer without asking spelling at all
    second = lint(tmp_path, "", "--select", "BT601,BT602", "--no-cache", draft=draft)
    assert rules_of(second) == rules_of(first)
    service.service_for.cache_clear()


def test_grammar_runs_only_its_chosen_rules(tmp_path: Path) -> None:
    # "to" for "too" (ToTwoToo) misfires on ML prose and is not among GRAMMAR_RULES
    text = "We train the the model. The loss went up to high.\n"
    (tmp_path / "g.md").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(tmp_path / "g.md")])
    assert [r for r in rules_of(result) if r[2] == "BT602"] == [(1, 10, "BT602")]
    (tmp_path / "blogtool.toml").write_text('[spelling]\ngrammar_rules = ["ToTwoToo"]\n')
    chosen = CliRunner().invoke(
        main, ["lint", "--format", "json", "--select", "BT602", str(tmp_path / "g.md")]
    )
    assert (1, 10, "BT602") not in rules_of(chosen)


def test_a_lexicon_that_fails_to_load_is_one_line_and_other_rules_run(
    tmp_path: Path, monkeypatch
) -> None:
    from blogtool.spelling import lexicon

    def broken():
        raise lexicon.LexiconUnavailable("the English word list cannot be read (damaged)")

    monkeypatch.setattr(lexicon, "load_lexicon", broken)
    result = lint(tmp_path, "")
    assert result.exit_code == 2
    assert result.stderr.count("spelling not checked") == 1
    assert "Traceback" not in result.output
    assert (3, 16, "BT102") in rules_of(result)


def test_a_damaged_word_list_is_reported_in_one_line(tmp_path: Path, monkeypatch) -> None:
    from importlib import resources

    from blogtool.spelling import lexicon

    damaged = tmp_path / "resources" / "en.json.gz"
    damaged.parent.mkdir()
    damaged.write_bytes(b"not gzip")
    monkeypatch.setattr(resources, "files", lambda package: tmp_path)
    lexicon.load_lexicon.cache_clear()
    try:
        try:
            lexicon.load_lexicon()
        except lexicon.LexiconUnavailable as exc:
            assert "cannot be read" in str(exc) and "\n" not in str(exc)
        else:
            raise AssertionError("a damaged word list was accepted")
    finally:
        lexicon.load_lexicon.cache_clear()


GRAMMAR_DRAFT = DRAFT + "\nThis allows to train.\n"  # a paragraph Harper (and the cache) sees


def test_corrupt_spelling_cache_is_ignored(tmp_path: Path, monkeypatch) -> None:
    first = lint(tmp_path, "", "--select", "BT601,BT602", draft=GRAMMAR_DRAFT)
    assert spelling_entries()
    with contextlib.closing(sqlite3.connect(cache_database())) as db, db:
        db.execute("UPDATE entries SET value = ? WHERE namespace = 'spelling'", ("\x00{not",))
    from blogtool.spelling import service

    service.service_for.cache_clear()
    second = lint(tmp_path, "", "--select", "BT601,BT602", "--no-cache", draft=GRAMMAR_DRAFT)
    assert second.exit_code == first.exit_code == 1
    assert rules_of(second) == rules_of(first)
    with contextlib.closing(sqlite3.connect(cache_database())) as db:
        values = db.execute("SELECT value FROM entries WHERE namespace = 'spelling'").fetchall()
    assert all(isinstance(json.loads(value), list) for (value,) in values)  # checked again


def test_a_damaged_copy_of_the_word_list_is_ignored_and_rewritten(tmp_path: Path) -> None:
    from blogtool.spelling import lexicon

    lexicon.load_lexicon.cache_clear()
    try:
        words = lexicon.load_lexicon().frequency
        (copy,) = (Path(__import__("os").environ["BLOGTOOL_CACHE_DIR"]) / "lexicon").glob("*")
        copy.write_bytes(b"\x00 not marshal")
        lexicon.load_lexicon.cache_clear()
        assert lexicon.load_lexicon().frequency == words
        assert copy.read_bytes() != b"\x00 not marshal"
    finally:
        lexicon.load_lexicon.cache_clear()
