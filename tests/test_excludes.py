"""``exclude`` patterns are gitignore patterns relative to the config file's directory: the
same files are skipped wherever blogtool runs from and however the drafts are named."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.cli import main
from blogtool.sources import Excludes, discover

DRAFT = "# Post\n\nTODO: write this.\n"


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    (tmp_path / "blogtool.toml").write_text('exclude = ["drafts/archive/*"]\n', encoding="utf-8")
    for name in ("drafts/new.md", "drafts/archive/old.md", "drafts/archive/2020/older.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(DRAFT, encoding="utf-8")
    return tmp_path


def linted(cwd: Path, *args: str) -> set[str]:
    """The drafts ``blogtool lint`` reported on, as a separate process started in ``cwd``."""
    proc = subprocess.run(
        [sys.executable, "-m", "blogtool.cli", "lint", "--format", "json", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    import json

    return {Path(v["path"]).name for v in json.loads(proc.stdout)["violations"]}


def test_exclude_holds_when_run_from_the_project(blog: Path) -> None:
    assert linted(blog, "drafts") == {"new.md"}
    assert linted(blog, ".") == {"new.md"}


def test_exclude_holds_when_run_from_inside_drafts(blog: Path) -> None:
    assert linted(blog / "drafts", ".") == {"new.md"}


def test_exclude_holds_for_an_absolute_path(blog: Path, tmp_path_factory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert linted(elsewhere, str(blog / "drafts")) == {"new.md"}
    assert linted(elsewhere, str(blog)) == {"new.md"}


def test_force_exclude_holds_for_a_file_named_from_inside_drafts(blog: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "blogtool.cli", "lint", "--force-exclude", "archive/old.md"],
        cwd=blog / "drafts",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "BT107" not in proc.stdout


def test_patterns_read_as_gitignore_patterns(tmp_path: Path) -> None:
    for name in ("top.md", "sub/top.md", "a/b.tmp.md", "notes/x.md", "deep/notes/y.md", "k.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(DRAFT, encoding="utf-8")
    excludes = Excludes(["/top.md", "*.tmp.md", "notes/", "!k.md"], tmp_path)
    found, _ = discover([str(tmp_path)], excludes)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in found) == ["k.md", "sub/top.md"]


def test_a_pattern_git_would_reject_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "blogtool.toml"
    config.write_text('exclude = ["!"]\n', encoding="utf-8")
    (tmp_path / "a.md").write_text(DRAFT, encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--config", str(config), str(tmp_path / "a.md")])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"blogtool: error: {config}:1: exclude: ")
    assert len(result.stderr.strip().splitlines()) == 1
