"""The lint command end to end: formats, exit codes, config, suppressions, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.cli import main

DETAILS = "<details>\n<summary>Quick Summary</summary>\n</details>\n"
EMPTY_SUMMARY = "# T\n\n" + DETAILS + "\nThe body of the post.\n"


def run(*args: str, input: bytes | str | None = None, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is not None:
        with runner.isolated_filesystem(temp_dir=cwd):
            pass
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


@pytest.fixture()
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.md"
    path.write_text(EMPTY_SUMMARY, encoding="utf-8")
    return path


def test_text_output_and_exit_code_one(draft: Path) -> None:
    result = run("lint", str(draft))
    assert result.exit_code == 1
    assert f"{draft}:3:1: BT101 " in result.output
    assert "[empty-quick-summary]" in result.output


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "ok.md"
    path.write_text("# Title\n\nAll done.\n", encoding="utf-8")
    result = run("lint", str(path))
    assert result.exit_code == 0, result.output
    assert "All clean" in result.output


def test_json_format_has_documented_keys(draft: Path) -> None:
    result = run("lint", "--format", "json", str(draft))
    payload = json.loads(result.output)
    (v,) = payload["violations"]
    assert set(v) == {
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "rule",
        "name",
        "severity",
        "message",
    }
    assert (v["line"], v["column"], v["rule"], v["severity"]) == (3, 1, "BT101", "error")
    assert payload["summary"]["errors"] == 1


def test_github_and_sarif_formats(draft: Path) -> None:
    gh = run("lint", "--format", "github", str(draft)).output
    assert gh.startswith(f"::error file={draft},line=3,col=1,")
    sarif = json.loads(run("lint", "--format", "sarif", str(draft)).output)
    assert sarif["version"] == "2.1.0"
    (res,) = sarif["runs"][0]["results"]
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (res["ruleId"], region["startLine"], region["startColumn"]) == ("BT101", 3, 1)
    rule_ids = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert rule_ids[res["ruleIndex"]] == "BT101"


def test_stdin(draft: Path) -> None:
    result = run("lint", "-", "--stdin-filename", "post.md", input=EMPTY_SUMMARY)
    assert result.exit_code == 1
    assert "post.md:3:1: BT101" in result.output


def test_directory_recursion_and_one_bad_file_does_not_stop_others(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text(EMPTY_SUMMARY, encoding="utf-8")
    (tmp_path / "b.md").write_bytes(b"# T\n\ncaf\xe9\n")
    (tmp_path / "c.md").write_bytes(b"\x00\x01binary")
    result = CliRunner().invoke(main, ["lint", str(tmp_path)])
    assert result.exit_code == 2
    assert "a.md:3:1: BT101" in result.stdout
    assert "b.md:3: not UTF-8 text" in result.stderr
    assert "looks like a binary file" in result.stderr
    assert "Traceback" not in result.output


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "nope.md")])
    assert result.exit_code == 2 and "no such file or directory" in result.stderr
    result = CliRunner().invoke(main, ["lint", str(tmp_path)])
    assert result.exit_code == 2 and "no Markdown files found" in result.stderr


def test_select_ignore_and_unknown_rule(draft: Path) -> None:
    assert run("lint", "--ignore", "BT101", str(draft)).exit_code == 0
    assert run("lint", "--ignore", "empty-quick-summary", str(draft)).exit_code == 0
    result = CliRunner().invoke(main, ["lint", "--select", "BT999", str(draft)])
    assert result.exit_code == 2 and "unknown rule 'BT999'" in result.stderr


def test_config_severity_and_bad_config(tmp_path: Path) -> None:
    (tmp_path / "draft.md").write_text(EMPTY_SUMMARY, encoding="utf-8")
    cfg = tmp_path / "pyproject.toml"
    cfg.write_text('[tool.blogtool.rules.BT101]\nseverity = "warning"\n', encoding="utf-8")
    result = run("lint", str(tmp_path / "draft.md"))
    assert result.exit_code == 0 and "BT101" in result.output
    cfg.write_text('[tool.blogtool]\nselcet = ["BT101"]\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "draft.md")])
    assert result.exit_code == 2
    assert f"{cfg}:2: unknown key 'selcet'" in result.stderr
    cfg.write_text("[tool.blogtool\nx = 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "draft.md")])
    assert result.exit_code == 2 and "invalid TOML" in result.stderr and "line 1" in result.stderr
    cfg.write_text('[tool.blogtool.rules.BT101]\nseverity = "loud"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "draft.md")])
    assert result.exit_code == 2 and "unknown severity 'loud'" in result.stderr


@pytest.mark.parametrize(
    "comment",
    [
        "<!-- blogtool-disable-next-line BT101 -->\n",
        "<!-- blogtool-disable-next-line empty-quick-summary -->\n",
        "<!-- blogtool-disable-next-line -->\n",
        "<!-- blogtool-disable-file BT101 -->\n\n",
    ],
)
def test_suppression_comments(tmp_path: Path, comment: str) -> None:
    path = tmp_path / "d.md"
    path.write_text("# T\n\n" + comment + DETAILS + "\nText.\n", encoding="utf-8")
    result = run("lint", str(path))
    assert result.exit_code == 0, result.output


def test_disable_enable_range(tmp_path: Path) -> None:
    body = DETAILS
    path = tmp_path / "d.md"
    path.write_text(
        "# T\n\n<!-- blogtool-disable BT101 -->\n\n"
        + body
        + "\n<!-- blogtool-enable BT101 -->\n\n"
        + body
        + "\nText.\n",
        encoding="utf-8",
    )
    result = run("lint", "--format", "json", str(path))
    lines = [v["line"] for v in json.loads(result.output)["violations"]]
    assert lines == [11]


def test_rules_listing_and_doc() -> None:
    listing = run("rules").output
    assert "BT101  empty-quick-summary" in listing
    doc = run("rules", "empty-quick-summary").output
    assert doc.startswith("BT101 empty-quick-summary (default severity: error)")
    assert "Bad:" in doc and "Good:" in doc
    result = CliRunner().invoke(main, ["rules", "BT999"])
    assert result.exit_code == 2


def test_console_script_runs(draft: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "blogtool.cli", "lint", str(draft)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "BT101" in proc.stdout


def test_output_file_is_written(draft: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run("lint", "--format", "json", "-o", str(out), str(draft))
    assert result.exit_code == 1
    assert json.loads(out.read_text())["summary"]["errors"] == 1


def test_baseline_hides_known_violations_only(tmp_path: Path) -> None:
    path = tmp_path / "d.md"
    path.write_text(EMPTY_SUMMARY, encoding="utf-8")
    base = tmp_path / "baseline.json"
    assert run("lint", "--write-baseline", str(base), str(path)).exit_code == 0
    assert run("lint", "--baseline", str(base), str(path)).exit_code == 0
    # a new problem above the old one shifts its line but stays new itself
    path.write_text("# T\n\n" + DETAILS + "\n" + EMPTY_SUMMARY[4:], encoding="utf-8")
    result = run("lint", "--format", "json", "--baseline", str(base), str(path))
    assert len(json.loads(result.output)["violations"]) == 1
    base.write_text("{not json")
    bad = CliRunner().invoke(main, ["lint", "--baseline", str(base), str(path)])
    assert bad.exit_code == 2 and "not a blogtool baseline file" in bad.stderr


def test_diff_reports_only_changed_lines(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "a@b.c")
    git("config", "user.name", "t")
    path = tmp_path / "d.md"
    path.write_text(EMPTY_SUMMARY, encoding="utf-8")
    git("add", "d.md")
    git("commit", "-qm", "old draft")
    assert run("lint", "--diff", "HEAD", str(path)).exit_code == 0
    path.write_text(EMPTY_SUMMARY + "\n" + DETAILS, encoding="utf-8")
    result = run("lint", "--format", "json", "--diff", "HEAD", str(path))
    assert [v["line"] for v in json.loads(result.output)["violations"]] == [9]
    untracked = tmp_path / "new.md"
    untracked.write_text(EMPTY_SUMMARY, encoding="utf-8")
    assert run("lint", "--diff", "HEAD", str(untracked)).exit_code == 1
    bad = CliRunner().invoke(main, ["lint", "--diff", "no-such-ref", str(path)])
    assert bad.exit_code == 2 and "git diff" in bad.stderr


def test_rule_option_outside_its_choices_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "draft.md").write_text(EMPTY_SUMMARY, encoding="utf-8")
    (tmp_path / "blogtool.toml").write_text('[rules.year-order]\ndirection = "up"\n')
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "draft.md")])
    assert result.exit_code == 2
    assert "BT408 option 'direction' must be one of 'auto', 'ascending', 'descending'" in (
        result.stderr
    )
    assert "blogtool.toml:2" in result.stderr


def test_force_exclude_applies_config_excludes_to_named_files(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "a.md").write_text(EMPTY_SUMMARY, encoding="utf-8")
    (tmp_path / "blogtool.toml").write_text('exclude = ["old/*"]\n', encoding="utf-8")
    assert run("lint", "old/a.md").exit_code == 1
    assert run("lint", "--force-exclude", "old/a.md").exit_code == 0


def test_diff_in_a_repository_without_commits_checks_every_line(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    path = tmp_path / "d.md"
    path.write_text(EMPTY_SUMMARY, encoding="utf-8")
    subprocess.run(["git", "add", "d.md"], cwd=tmp_path, check=True)
    result = run("lint", "--diff", "HEAD", str(path))
    assert result.exit_code == 1 and "BT101" in result.output


# --- the command group ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["links", "report", "stub"])
def test_help_lists_each_lazy_command_with_its_own_help_line(name: str) -> None:
    import importlib

    import click

    from blogtool.cli import LAZY_COMMANDS

    module, attribute, line = LAZY_COMMANDS[name]
    command = getattr(importlib.import_module(module), attribute)
    for limit in (45, 80):
        listed = click.Command(name, help=line).get_short_help_str(limit)
        assert listed == command.get_short_help_str(limit)
    assert run(name, "--help").output.startswith(f"Usage: main {name} ")


def test_help_lists_every_command_without_importing_the_lazy_ones() -> None:
    code = (
        "import sys; from blogtool.cli import main\n"
        "try: main(['--help'])\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('blogtool.commands.')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    listed = [line.split()[0] for line in proc.stdout.split("Commands:")[1].splitlines()[1:-1]]
    assert listed == ["links", "lint", "papers", "report", "rules", "server", "stub"]
    assert proc.stdout.strip().endswith("[]")
