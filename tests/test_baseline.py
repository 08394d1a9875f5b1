"""lint --baseline: known violations hidden, stale entries (fixed problems) reported."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.baseline import (
    BaselineEntry,
    BaselineError,
    apply_baseline,
    read_baseline,
    stale_messages,
)
from blogtool.cli import main
from blogtool.engine import FileResult
from blogtool.violation import Severity, Violation

TWO_PLACEHOLDERS = "# Post\n\nFirst [TBD] here.\n\nSecond [TODO: cite] there.\n"


def lint(*args: str):
    return CliRunner().invoke(main, ["lint", *args], catch_exceptions=False)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def baselined(tmp_path: Path) -> tuple[Path, Path]:
    """A draft with two placeholders, both recorded in a baseline."""
    draft = write(tmp_path / "d.md", TWO_PLACEHOLDERS)
    base = tmp_path / "base.json"
    assert lint("--write-baseline", str(base), str(draft)).exit_code == 0
    assert len(json.loads(base.read_text(encoding="utf-8"))["entries"]) == 2
    return draft, base


def test_nothing_fixed_nothing_stale(baselined: tuple[Path, Path]) -> None:
    draft, base = baselined
    result = lint("--baseline", str(base), str(draft))
    assert result.exit_code == 0
    assert "no longer match" not in result.stderr


def test_a_fixed_problem_leaves_a_stale_entry_on_stderr(baselined: tuple[Path, Path]) -> None:
    draft, base = baselined
    write(draft, TWO_PLACEHOLDERS.replace("First [TBD] here.", "First done here."))
    result = lint("--baseline", str(base), str(draft))
    assert result.exit_code == 0  # unchanged by the stale entry
    lines = result.stderr.splitlines()
    assert f"blogtool: {draft.as_posix()}: baseline entry BT102 no longer matches: " in lines[0]
    assert "'First [TBD] here.'" in lines[0]
    assert lines[-1].startswith(f"blogtool: 1 baseline entry no longer matches in {base}")
    assert f"--write-baseline {base}" in lines[-1]
    assert len(lines) == 2
    assert "no longer match" not in result.stdout  # machine-readable output stays clean


def test_stale_entries_do_not_change_the_exit_code_of_a_new_error(
    baselined: tuple[Path, Path],
) -> None:
    draft, base = baselined
    write(draft, "# Post\n\nFirst done.\n\nSecond done.\n\nA new [TBD].\n")
    result = lint("--format", "json", "--baseline", str(base), str(draft))
    assert result.exit_code == 1
    (violation,) = json.loads(result.stdout)["violations"]
    assert violation["line"] == 7
    assert "2 baseline entries no longer match" in result.stderr


def test_one_of_two_identical_entries_can_be_stale(tmp_path: Path) -> None:
    draft = write(tmp_path / "d.md", "# Post\n\nSame [TBD].\n\nSame [TBD].\n")
    base = tmp_path / "base.json"
    lint("--write-baseline", str(base), str(draft))
    write(draft, "# Post\n\nSame [TBD].\n")
    result = lint("--baseline", str(base), str(draft))
    assert result.exit_code == 0
    assert "1 baseline entry no longer matches" in result.stderr


def test_entries_of_files_left_out_of_the_run_are_not_stale(tmp_path: Path) -> None:
    one = write(tmp_path / "one.md", TWO_PLACEHOLDERS)
    two = write(tmp_path / "two.md", TWO_PLACEHOLDERS)
    base = tmp_path / "base.json"
    lint("--write-baseline", str(base), str(one), str(two))
    result = lint("--baseline", str(base), str(one))
    assert result.exit_code == 0 and "no longer match" not in result.stderr
    write(two, "# Post\n\nAll done.\n")
    both = lint("--baseline", str(base), str(one), str(two))
    assert "2 baseline entries no longer match" in both.stderr
    assert "one.md" not in both.stderr


def test_diff_does_not_make_entries_on_unchanged_lines_stale(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "a@b.c")
    git("config", "user.name", "t")
    draft = write(tmp_path / "d.md", TWO_PLACEHOLDERS)
    git("add", "d.md")
    git("commit", "-qm", "draft")
    base = tmp_path / "base.json"
    lint("--write-baseline", str(base), str(draft))
    write(draft, TWO_PLACEHOLDERS + "\nA new line.\n")
    result = lint("--diff", "HEAD", "--baseline", str(base), str(draft))
    assert result.exit_code == 0
    assert "no longer match" not in result.stderr


def test_bad_or_unwritable_baseline_is_a_one_line_error(tmp_path: Path) -> None:
    draft = write(tmp_path / "d.md", TWO_PLACEHOLDERS)
    for junk in ('{"entries": 3}', '{"entries": [{"path": "d.md"}]}', "[1]"):
        base = write(tmp_path / "bad.json", junk)
        result = lint("--baseline", str(base), str(draft))
        assert result.exit_code == 2 and "not a blogtool baseline file" in result.stderr
    blocked = lint("--write-baseline", str(tmp_path / "no" / "dir" / "b.json"), str(draft))
    assert blocked.exit_code == 2 and "cannot write" in blocked.stderr
    assert "Traceback" not in blocked.output


# ---------------------------------------------------------------------- the library


def violation(path: str, line: int, rule: str = "BT102") -> Violation:
    return Violation(path, line, 1, rule, "m", Severity.ERROR)


def test_apply_baseline_leaves_out_entries_of_rules_that_did_not_run(tmp_path: Path) -> None:
    draft = write(tmp_path / "d.md", "# Post\n\nOne.\n\nTwo.\n")
    path = draft.as_posix()
    base = tmp_path / "base.json"
    entries = [
        {"path": path, "rule": "BT102", "line_text": "One."},
        {"path": path, "rule": "BT701", "line_text": "Two."},
        {"path": path, "rule": "BT102", "line_text": "Gone."},
    ]
    write(base, json.dumps({"version": 1, "entries": entries}))
    results = [FileResult(str(draft), [violation(str(draft), 3), violation(str(draft), 5)])]
    outcome = apply_baseline(base, results, rules={"BT102"})
    assert outcome.hidden == 1
    assert [v.line for v in results[0].violations] == [5]
    assert outcome.stale == (BaselineEntry(path, "BT102", "Gone."),)
    everything = apply_baseline(base, [FileResult(str(draft), [])])
    assert len(everything.stale) == 3


def test_an_unreadable_file_has_no_stale_entries(tmp_path: Path) -> None:
    base = write(
        tmp_path / "base.json",
        json.dumps({"version": 1, "entries": [{"path": "x.md", "rule": "R", "line_text": "a"}]}),
    )
    outcome = apply_baseline(base, [FileResult("x.md", error="x.md: not UTF-8")])
    assert outcome.stale == ()


def test_read_baseline_normalises_paths_and_spaces(tmp_path: Path) -> None:
    entry = {"path": "./drafts/d.md", "rule": "BT102", "line_text": "  a   [TBD]  "}
    base = write(tmp_path / "b.json", json.dumps({"version": 1, "entries": [entry]}))
    assert read_baseline(base) == [BaselineEntry("drafts/d.md", "BT102", "a [TBD]")]
    with pytest.raises(BaselineError, match="not found"):
        read_baseline(tmp_path / "missing.json")


def test_stale_messages_list_some_entries_then_sum_up() -> None:
    stale = [BaselineEntry("d.md", "BT102", f"line {n} " + "x" * 80) for n in range(12)]
    lines = stale_messages(stale, "b.json", limit=10)
    assert len(lines) == 12
    assert lines[0].startswith("d.md: baseline entry BT102 no longer matches: 'line 0 xxx")
    assert lines[0].endswith("...'") and len(lines[0]) < 120
    assert lines[10] == "... and 2 more"
    assert lines[11].startswith("12 baseline entries no longer match in b.json (fixed?)")
    assert stale_messages([], "b.json") == []
