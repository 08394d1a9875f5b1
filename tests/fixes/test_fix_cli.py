"""``blogtool lint --fix`` / ``--unsafe-fixes`` / ``--fix-diff`` end to end, and the write path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.cli import main

DRAFT = (
    "# Notes\n"
    "\n"
    "## 2017\n"
    "\n"
    "#### Attention\n"
    "\n"
    "The code is at https://github.com/x/y.   \n"
    "The loss $-\\log σ(β r)$ is small, and the the model is done.\n"
)
SAFE_FIXED = (
    DRAFT.replace("at https://github.com/x/y.", "at <https://github.com/x/y>.")
    .replace("σ(β r)", "\\sigma(\\beta r)")
    .replace("the the", "the")
)
ARGS = ["--flavor", "kramdown", "--select", "BT205,BT306,BT602,BT405"]


def blogtool(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The installed command line, run for real."""
    return subprocess.run(
        [sys.executable, "-m", "blogtool.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture()
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path


def test_fix_applies_safe_fixes_says_so_and_reports_what_remains(draft: Path) -> None:
    run = blogtool("lint", *ARGS, "--fix", draft.name, cwd=draft.parent)
    assert draft.read_text(encoding="utf-8") == SAFE_FIXED
    assert "draft.md:7:16: fixed BT205: write https://github.com/x/y as" in run.stderr
    assert "draft.md:8:17: fixed BT306: write σ as \\sigma" in run.stderr
    assert "fixed 4 problem(s) in 1 file(s); 1 remain" in run.stderr
    # the unsafe heading fix is not applied: the skip is still reported, a warning
    assert "draft.md:5:1: BT405" in run.stdout
    assert run.returncode == 0

    again = blogtool("lint", *ARGS, "--fix", draft.name, cwd=draft.parent)
    assert draft.read_text(encoding="utf-8") == SAFE_FIXED
    assert "fixed 0 problem(s) in 0 file(s); 1 remain" in again.stderr


def test_unsafe_fixes_apply_the_rest(draft: Path) -> None:
    run = blogtool("lint", *ARGS, "--unsafe-fixes", draft.name, cwd=draft.parent)
    assert draft.read_text(encoding="utf-8") == SAFE_FIXED.replace(
        "#### Attention", "### Attention"
    )
    assert "fixed BT405: make the heading h3 (###)" in run.stderr
    assert "All clean" in run.stdout
    assert run.returncode == 0


def test_fix_diff_prints_the_diff_and_writes_nothing(draft: Path) -> None:
    run = blogtool("lint", *ARGS, "--fix-diff", draft.name, cwd=draft.parent)
    assert draft.read_text(encoding="utf-8") == DRAFT
    assert run.stdout.startswith("--- a/draft.md\n+++ b/draft.md\n")
    assert "-The code is at https://github.com/x/y.   \n" in run.stdout
    assert "+The code is at <https://github.com/x/y>.   \n" in run.stdout
    assert "would fix 4 problem(s)" in run.stderr
    assert run.returncode == 1

    draft.write_text(SAFE_FIXED, encoding="utf-8")
    clean = blogtool("lint", *ARGS, "--fix-diff", draft.name, cwd=draft.parent)
    assert clean.stdout == ""
    assert clean.returncode == 0


def test_fix_keeps_bom_crlf_and_trailing_spaces(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    raw = ("\ufeff" + DRAFT.replace("\n", "\r\n")).encode("utf-8")
    path.write_bytes(raw)
    blogtool("lint", *ARGS, "--fix", path.name, cwd=tmp_path)
    assert path.read_bytes() == ("\ufeff" + SAFE_FIXED.replace("\n", "\r\n")).encode("utf-8")


def test_fix_exit_code_follows_what_remains(tmp_path: Path) -> None:
    path = tmp_path / "d.md"
    path.write_text(
        "# T\n\n<details>\n<summary>Quick Summary</summary>\n</details>\n\nSee https://a.org/b.\n"
    )
    run = blogtool("lint", "--flavor", "kramdown", "--fix", path.name, cwd=tmp_path)
    assert "<https://a.org/b>" in path.read_text(encoding="utf-8")
    assert "BT101" in run.stdout
    assert run.returncode == 1


def test_fix_refuses_stdin() -> None:
    result = CliRunner().invoke(main, ["lint", "--fix", "-"], input="x\n")
    assert result.exit_code == 2
    assert "name the draft" in result.output


def test_a_draft_changed_on_disk_while_fixing_is_not_overwritten(draft: Path, monkeypatch) -> None:
    import blogtool.fixfiles as fixfiles

    real = fixfiles.fix_text
    saved = DRAFT + "\nA line the author saved meanwhile.\n"

    def fix_then_edit(*args, **kwargs):  # noqa: ANN002, ANN003
        outcome = real(*args, **kwargs)
        draft.write_text(saved, encoding="utf-8")  # an editor saves while blogtool works
        return outcome

    monkeypatch.setattr(fixfiles, "fix_text", fix_then_edit)
    result = CliRunner().invoke(main, ["lint", *ARGS, "--fix", str(draft)])
    assert draft.read_text(encoding="utf-8") == saved
    assert "changed on disk while it was being fixed; nothing written" in result.output
    assert result.exit_code == 2


def test_write_fixed_refuses_a_changed_draft_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    from blogtool.fixfiles import write_fixed
    from blogtool.stub import DraftChanged

    path = tmp_path / "d.md"
    path.write_text("new\n", encoding="utf-8")
    with pytest.raises(DraftChanged):
        write_fixed(path, "old\n", "fixed\n")
    assert path.read_text(encoding="utf-8") == "new\n"
    assert {p.name for p in tmp_path.iterdir()} <= {"d.md", "d.md.lock"}
    write_fixed(path, "new\n", "fixed\n")
    assert path.read_text(encoding="utf-8") == "fixed\n"


def test_rules_says_whether_a_rule_has_a_fix_and_whether_it_is_safe() -> None:
    runner = CliRunner()
    assert "Fix: safe" in runner.invoke(main, ["rules", "BT205"]).output
    assert "Fix: unsafe" in runner.invoke(main, ["rules", "BT405"]).output
    assert "Fix: none" in runner.invoke(main, ["rules", "BT101"]).output
    listed = {
        r["id"]: r["fix"]
        for r in json.loads(runner.invoke(main, ["rules", "--format", "json"]).output)
    }
    assert listed["BT602"] == "safe"
    assert listed["BT104"] == "unsafe"
    assert listed["BT101"] is None


def test_a_fix_that_breaks_the_draft_is_not_applied_and_is_named(tmp_path: Path, monkeypatch):
    """A (third-party) rule whose fix would open a code fence: the draft is left as it was."""
    import blogtool.registry as registry
    from blogtool.registry import Hit, rule
    from blogtool.violation import Edit, Fix

    @rule("BT990", "todo-word", "warning", fix="safe")
    def todo_word(doc, ctx):  # noqa: ANN001, ANN202
        """The word TODO."""
        at = doc.text.find("TODO")
        if at >= 0:
            yield Hit(at, at + 4, "a TODO", Fix((Edit(at, at + 4, "\n```\n"),), "fence it"))

    real = registry.load_registry

    def with_plugin(entry_points: bool = True):  # noqa: ANN202
        loaded = real(entry_points=False)
        loaded.add(todo_word.__blogtool_rule__)
        return loaded

    monkeypatch.setattr(registry, "load_registry", with_plugin)
    path = tmp_path / "d.md"
    text = "# T\n\nA TODO here.\n\n## Next\n\nText.\n"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--select", "BT990", "--fix", str(path)])
    assert path.read_text(encoding="utf-8") == text
    assert f"{path}:3:3: BT990 fix not applied (fence it): the draft would no longer parse" in (
        result.output
    )
    assert f"{path}:3:3: BT990 a TODO" in result.output


def test_fix_over_a_directory_of_drafts_in_worker_processes(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"d{i}.md").write_text(DRAFT, encoding="utf-8")
    run = blogtool("lint", *ARGS, "--fix", "-j", "2", ".", cwd=tmp_path)
    assert all((tmp_path / f"d{i}.md").read_text(encoding="utf-8") == SAFE_FIXED for i in range(5))
    assert "fixed 20 problem(s) in 5 file(s); 5 remain" in run.stderr
