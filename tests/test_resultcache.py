"""The results cache: an unchanged draft is answered from it, anything it depends on re-lints."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool import resultcache
from blogtool.cli import main
from blogtool.config import config_from_table, load_config
from blogtool.document import Document
from blogtool.engine import FileResult, LintPlan, lint_files, make_plan
from blogtool.registry import Hit, Option, Rule, RuleRegistry, RuleUnavailable
from blogtool.resultcache import (
    DATABASE_NAME,
    cached_lint,
    decode_result,
    encode_result,
    plan_fingerprint,
    uncacheable,
)
from blogtool.spelling.service import service_for
from blogtool.violation import Edit, Fix, Severity, Violation

OLD = 1_600_000_000_000_000_000  # an mtime long past: the stat of such a file is trusted


def shout(doc: Document, ctx) -> Iterator[Hit]:
    """A test rule: each ``word`` (option) is flagged, with a fix that lowers it."""
    word = ctx.options["word"]
    for m in re.finditer(re.escape(word), doc.text):
        fix = Fix((Edit(m.start(), m.end(), word.lower()),), f"lower {word}", safe=False)
        yield Hit(m.start(), m.end(), f"{word} shouted", fix)


SHOUT = Rule("XT900", "shout", Severity.ERROR, shout, {"word": Option("LOUD", str)})


def unavailable(doc: Document, ctx) -> Iterator[Hit]:
    raise RuleUnavailable("backend missing")


class Linter:
    """``run`` for cached_lint that counts what it was asked to lint."""

    def __init__(self, plan: LintPlan) -> None:
        self.plan = plan
        self.asked: list[list[str]] = []

    def __call__(self, paths: Sequence[Path]) -> list[FileResult]:
        self.asked.append([p.name for p in paths])
        return lint_files(paths, self.plan, jobs=1)


def plan_for(table: dict | None = None, rules: Sequence[Rule] = (SHOUT,)) -> LintPlan:
    return make_plan(config_from_table(table or {}), registry=RuleRegistry(rules))


def lint(paths: Sequence[Path], plan: LintPlan, cache: Path, warn=None) -> tuple[list, Linter]:
    linter = Linter(plan)
    return cached_lint(paths, plan, linter, directory=cache, warn=warn), linter


def summary(results: Sequence[FileResult]) -> list:
    return [
        (
            r.path,
            r.lines,
            r.error,
            [(v.line, v.col, v.rule_id, v.message, v.fix) for v in r.violations],
        )
        for r in results
    ]


@pytest.fixture()
def blog(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "blog"
    folder.mkdir()
    paths = []
    for n in range(3):
        path = folder / f"post{n}.md"
        path.write_text(f"# Post {n}\n\nA LOUD line.\n\nQuiet {n}.\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_a_result_survives_the_round_trip_whole() -> None:
    fix = Fix((Edit(3, 5, "x"), Edit(9, 9, "\u00e9\n")), "two edits", safe=False)
    original = FileResult(
        "a.md",
        [
            Violation("a.md", 2, 3, "BT101", "m\u00fcssage", Severity.WARNING, 2, 9, "n", fix),
            Violation("other.md", 1, 1, "BT102", "plain", Severity.INFO, 1, 2, "p"),
        ],
        lines=12,
        notices=["a notice"],
        warnings=["a warning"],
    )
    back = decode_result(encode_result(original), "a.md")
    assert back == original
    assert [v.fix for v in back.violations] == [fix, None]
    assert [v.path for v in back.violations] == ["a.md", "other.md"]


@pytest.mark.parametrize(
    "text", ["", "{}", "[]", '{"v": [[1]], "l": 1, "n": [], "w": [], "e": null}', "not json"]
)
def test_a_damaged_row_reads_as_missing(text: str) -> None:
    assert decode_result(text, "a.md") is None


def test_an_unchanged_draft_is_neither_read_nor_parsed_again(
    blog: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_for()
    first, linter = lint(blog, plan, tmp_path / "cache")
    assert linter.asked == [["post0.md", "post1.md", "post2.md"]]
    assert [v.fix.title for r in first for v in r.violations] == ["lower LOUD"] * 3

    def no_parse(*args, **kwargs):
        raise AssertionError("parsed again")

    monkeypatch.setattr(Document, "from_text", no_parse)
    again, linter = lint(blog, plan, tmp_path / "cache")
    assert linter.asked == []
    assert summary(again) == summary(first)


def test_an_old_file_with_its_stat_unchanged_is_not_even_opened(
    blog: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in blog:
        os.utime(path, ns=(OLD, OLD))
    plan = plan_for()
    first, _ = lint(blog, plan, tmp_path / "cache")

    def no_read(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(resultcache, "_read", no_read)
    again, linter = lint(blog, plan, tmp_path / "cache")
    assert linter.asked == [] and summary(again) == summary(first)


def test_a_touched_file_is_hashed_and_still_answered(blog: list[Path], tmp_path: Path) -> None:
    plan = plan_for()
    first, _ = lint(blog, plan, tmp_path / "cache")
    os.utime(blog[1], ns=(OLD, OLD))  # a checkout rewrote it: same bytes, another mtime
    again, linter = lint(blog, plan, tmp_path / "cache")
    assert linter.asked == [] and summary(again) == summary(first)


def test_a_changed_draft_alone_is_linted_again(blog: list[Path], tmp_path: Path) -> None:
    plan = plan_for()
    lint(blog, plan, tmp_path / "cache")
    blog[1].write_text("# Post 1\n\nLOUD and LOUD.\n", encoding="utf-8")
    again, linter = lint(blog, plan, tmp_path / "cache")
    assert linter.asked == [["post1.md"]]
    assert [len(r.violations) for r in again] == [1, 2, 1]
    assert [r.path for r in again] == [str(p) for p in blog]


def test_a_changed_draft_of_the_same_size_and_mtime_tick_is_linted_again(
    blog: list[Path], tmp_path: Path
) -> None:
    plan = plan_for()
    lint(blog, plan, tmp_path / "cache")
    info = blog[0].stat()
    blog[0].write_text(blog[0].read_text().replace("LOUD", "soft"), encoding="utf-8")
    # Written within the same timestamp tick: only the content tells the versions apart.
    os.utime(blog[0], ns=(info.st_atime_ns, info.st_mtime_ns))
    again, linter = lint(blog, plan, tmp_path / "cache")
    assert linter.asked == [["post0.md"]] and again[0].violations == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({}, {"rules": {"XT900": {"word": "Quiet"}}}),  # an option
        ({}, {"rules": {"XT900": {"severity": "warning"}}}),  # a severity
        ({}, {"drafts": ["blog/*"]}),  # the drafts globs
        ({}, {"flavor": "kramdown"}),  # the flavor
        ({}, {"max_file_size": 10}),
    ],
)
def test_a_changed_configuration_lints_everything_again(
    blog: list[Path], tmp_path: Path, before: dict, after: dict
) -> None:
    lint(blog, plan_for(before), tmp_path / "cache")
    _, linter = lint(blog, plan_for(before), tmp_path / "cache")
    assert linter.asked == []
    _, linter = lint(blog, plan_for(after), tmp_path / "cache")
    assert linter.asked == [["post0.md", "post1.md", "post2.md"]]


def test_another_rule_set_lints_everything_again(blog: list[Path], tmp_path: Path) -> None:
    lint(blog, plan_for(), tmp_path / "cache")
    other = Rule("XT901", "also", Severity.ERROR, shout, {"word": Option("Quiet", str)})
    again, linter = lint(blog, plan_for(rules=(SHOUT, other)), tmp_path / "cache")
    assert len(linter.asked) == 1 and {v.rule_id for v in again[0].violations} == {
        "XT900",
        "XT901",
    }


def test_changed_rule_data_lints_everything_again(blog: list[Path], tmp_path: Path) -> None:
    data = tmp_path / "my-rules"
    (data / "vocabulary").mkdir(parents=True)
    (data / "vocabulary" / "ml.txt").write_text("Frobnicator\n", encoding="utf-8")
    project = tmp_path / "blogtool.toml"
    project.write_text('rules_dirs = ["my-rules"]\n', encoding="utf-8")
    plan = make_plan(load_config(project), registry=RuleRegistry([SHOUT]))
    lint(blog, plan, tmp_path / "cache")
    _, linter = lint(blog, plan, tmp_path / "cache")
    assert linter.asked == []
    (data / "vocabulary" / "ml.txt").write_text("Frobnicator\nGlorp\n", encoding="utf-8")
    _, linter = lint(blog, plan, tmp_path / "cache")
    assert len(linter.asked) == 1


def test_a_changed_vocabulary_file_changes_spelling_results(tmp_path: Path) -> None:
    draft = tmp_path / "post.md"
    draft.write_text("# Post\n\nWe trained the model with zorblaxing.\n", encoding="utf-8")
    words = tmp_path / "words.txt"
    words.write_text("# project words\n", encoding="utf-8")
    project = tmp_path / "blogtool.toml"
    project.write_text('[spelling]\nvocabulary = ["words.txt"]\n', encoding="utf-8")
    plan = make_plan(load_config(project), select=["BT601"])
    first, _ = lint([draft], plan, tmp_path / "cache")
    assert [v.rule_id for v in first[0].violations] == ["BT601"]
    words.write_text("zorblaxing\n", encoding="utf-8")
    # A new process would load the vocabulary afresh; this one keeps it loaded per settings.
    service_for.cache_clear()
    again, linter = lint(
        [draft], make_plan(load_config(project), select=["BT601"]), tmp_path / "cache"
    )
    assert linter.asked == [["post.md"]] and again[0].violations == []


def test_a_changed_plugin_module_lints_everything_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = tmp_path / "xt_rules.py"
    module.write_text(
        "from blogtool.registry import Hit\n\ndef check(doc, ctx):\n    return iter(())\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "xt_rules", raising=False)
    import xt_rules

    plan = plan_for(rules=[Rule("XT903", "plugin", Severity.ERROR, xt_rules.check)])
    before = plan_fingerprint(plan)
    assert plan_fingerprint(plan) == before
    os.utime(module, ns=(OLD, OLD))  # a new version of the plugin's code
    assert plan_fingerprint(plan) != before


def test_the_path_as_given_is_the_path_reported(blog: list[Path], tmp_path: Path) -> None:
    plan = plan_for()
    relative = Path(os.path.relpath(blog[0]))
    absolute, _ = lint([blog[0]], plan, tmp_path / "cache")
    shown, _ = lint([relative], plan, tmp_path / "cache")
    assert absolute[0].violations[0].path == str(blog[0])
    assert shown[0].path == shown[0].violations[0].path == str(relative)


def test_results_a_rule_could_not_produce_are_not_kept(blog: list[Path], tmp_path: Path) -> None:
    broken = Rule("XT902", "needs-backend", Severity.ERROR, unavailable)
    plan = plan_for(rules=(SHOUT, broken))
    first, _ = lint(blog, plan, tmp_path / "cache")
    assert first[0].notices == ["backend missing"]
    again, linter = lint(blog, plan, tmp_path / "cache")
    assert len(linter.asked) == 1 and again[0].notices == ["backend missing"]


def test_unreadable_files_are_not_kept(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"# Caf\xe9\n")
    plan = plan_for()
    first, _ = lint([bad], plan, tmp_path / "cache")
    assert first[0].error and "not UTF-8" in first[0].error
    bad.write_text("# Caf\u00e9 LOUD\n", encoding="utf-8")
    again, _ = lint([bad], plan, tmp_path / "cache")
    assert again[0].error is None and len(again[0].violations) == 1


def test_runs_that_read_links_or_a_server_are_not_cached() -> None:
    plan = make_plan(config_from_table({}), select=["BT704"], network=True)
    assert uncacheable(plan) is None
    plan.links = object()
    assert "link" in uncacheable(plan)
    lt = make_plan(config_from_table({"spelling": {"backend": "languagetool"}}), select=["BT602"])
    assert "LanguageTool" in uncacheable(lt)
    words_only = make_plan(
        config_from_table({"spelling": {"backend": "languagetool"}}), select=["BT601"]
    )
    assert uncacheable(words_only) is None


def cli(args: list[str], cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["lint", *args])
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths Document.from_text parses, in this process."""
    seen: list[str] = []
    real = Document.from_text

    def counting(text: str, path: str = "<string>", *args, **kwargs) -> Document:
        seen.append(path)
        return real(text, path, *args, **kwargs)

    monkeypatch.setattr(Document, "from_text", staticmethod(counting))
    return seen


def test_the_lint_command_uses_the_cache_unless_told_not_to(
    tmp_path: Path, parses: list[str]
) -> None:
    (tmp_path / "blogtool.toml").write_text("", encoding="utf-8")
    (tmp_path / "post.md").write_text("# Post\n\nSee [the docs]().\n", encoding="utf-8")
    first = cli(["--select", "BT201", "post.md"], tmp_path)
    assert first[0] == 1 and "BT201" in first[1] and parses == ["post.md"]
    assert cli(["--select", "BT201", "post.md"], tmp_path) == first and parses == ["post.md"]
    assert cli(["--select", "BT201", "--no-cache", "post.md"], tmp_path) == first
    assert parses == ["post.md"] * 2
    (tmp_path / "blogtool.toml").write_text("cache = false\n", encoding="utf-8")
    assert cli(["--select", "BT201", "post.md"], tmp_path)[0] == 1
    assert parses == ["post.md"] * 3


def test_a_changed_local_link_target_is_seen(tmp_path: Path) -> None:
    (tmp_path / "blogtool.toml").write_text("", encoding="utf-8")
    (tmp_path / "post.md").write_text("# Post\n\n![Figure](fig.png)\n", encoding="utf-8")
    args = ["--select", "BT704", "--check-links", "--offline", "post.md"]
    code, out, _ = cli(args, tmp_path)
    assert code == 1 and "BT704" in out
    (tmp_path / "fig.png").write_bytes(b"\x89PNG")
    code, out, _ = cli(args, tmp_path)
    assert code == 0 and "BT704" not in out
    (tmp_path / "fig.png").unlink()
    assert cli(args, tmp_path)[0] == 1


def test_a_damaged_cache_file_is_one_warning_and_replaced(blog: list[Path], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / DATABASE_NAME).write_bytes(b"this is not a database, only some text\n" * 50)
    warnings: list[str] = []
    plan = plan_for()
    results, _ = lint(blog, plan, cache, warnings.append)
    assert len(warnings) == 1 and "damaged" in warnings[0]
    assert [len(r.violations) for r in results] == [1, 1, 1]
    warnings.clear()
    _, linter = lint(blog, plan, cache, warnings.append)
    assert warnings == [] and linter.asked == []


def test_another_programs_database_is_left_alone(blog: list[Path], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    with sqlite3.connect(cache / DATABASE_NAME) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
        db.execute("INSERT INTO notes VALUES ('keep me')")
    db.close()
    warnings: list[str] = []
    for _ in range(2):
        results, linter = lint(blog, plan_for(), cache, warnings.append)
        assert len(linter.asked) == 1 and [len(r.violations) for r in results] == [1, 1, 1]
    assert len(warnings) == 2 and "another program" in warnings[0]
    with sqlite3.connect(cache / DATABASE_NAME) as db:
        assert db.execute("SELECT body FROM notes").fetchall() == [("keep me",)]
    db.close()


def test_the_lint_command_shows_a_damaged_cache_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / DATABASE_NAME).write_bytes(b"\x00garbage" * 200)
    monkeypatch.setenv("BLOGTOOL_CACHE_DIR", str(cache))
    (tmp_path / "blogtool.toml").write_text("", encoding="utf-8")
    (tmp_path / "post.md").write_text("# Post\n\nSee [the docs]().\n", encoding="utf-8")
    code, out, err = cli(["--select", "BT201", "post.md"], tmp_path)
    assert code == 1 and "BT201" in out
    assert err.count("\n") == 1 and err.startswith("blogtool: warning:") and "Traceback" not in err


def _lint_in_another_process(args: tuple[list[str], str]) -> list:
    paths, cache = args
    plan = plan_for()
    results = cached_lint([Path(p) for p in paths], plan, Linter(plan), directory=cache)
    return summary(results)


def test_parallel_runs_do_not_damage_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "blog"
    folder.mkdir()
    paths = []
    for n in range(40):
        path = folder / f"p{n:02d}.md"
        path.write_text(f"# P{n}\n\n" + "LOUD words. " * (n + 1) + "\n", encoding="utf-8")
        paths.append(str(path))
    cache = str(tmp_path / "cache")
    expected = summary(lint_files([Path(p) for p in paths], plan_for(), jobs=1))
    # Each process lints the blog from another starting point, so their writes interleave.
    jobs = [(paths[k:] + paths[:k], cache) for k in range(0, 40, 5)]
    with ProcessPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(_lint_in_another_process, jobs))
    for _, answer in zip(jobs, answers, strict=True):
        assert sorted(answer) == sorted(expected)
    with sqlite3.connect(Path(cache) / DATABASE_NAME) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    again, linter = lint([Path(p) for p in paths], plan_for(), Path(cache))
    assert linter.asked == [] and summary(again) == expected


def test_blogtool_itself_edited_is_a_new_build(tmp_path: Path) -> None:
    """The fingerprint follows blogtool's own modules; edited in a copy, so nothing real moves."""
    import shutil

    package = Path(resultcache.__file__).parent
    shutil.copytree(package, tmp_path / "blogtool", ignore=shutil.ignore_patterns("__pycache__"))
    script = (
        "import os\n"
        "from blogtool import resultcache\n"
        "from blogtool.config import config_from_table\n"
        "from blogtool.engine import make_plan\n"
        f"assert resultcache.__file__.startswith({str(tmp_path)!r}), resultcache.__file__\n"
        "plan = make_plan(config_from_table({}), select=['BT201'])\n"
        "before = resultcache.plan_fingerprint(plan)\n"
        "target = os.path.join(os.path.dirname(resultcache.__file__), 'violation.py')\n"
        f"os.utime(target, ns=({OLD}, {OLD}))\n"
        "print(resultcache.plan_fingerprint(plan) != before)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert proc.stdout.strip() == "True", proc.stderr


def test_old_rows_are_dropped(blog: list[Path], tmp_path: Path, monkeypatch) -> None:
    plan = plan_for()
    lint(blog, plan, tmp_path / "cache")
    later = time.time() + resultcache.KEEP_UNUSED + 10
    monkeypatch.setattr(resultcache.time, "time", lambda: later)
    other = plan_for({"rules": {"XT900": {"word": "Quiet"}}})
    lint(blog, other, tmp_path / "cache")
    with sqlite3.connect(tmp_path / "cache" / DATABASE_NAME) as db:
        assert db.execute("SELECT count(*) FROM results").fetchone() == (3,)
    db.close()
