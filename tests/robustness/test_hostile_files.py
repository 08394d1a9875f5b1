"""Hostile files, names and settings: FIFOs and devices named ``*.md``, symbolic links out
of the tree, escape sequences in headings, nested configs, files with other names and other
owners. Each run ends with one line per problem, and every file keeps who it is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from blogtool.atomic import atomic_write_text, sibling_name
from blogtool.cli import main
from blogtool.lockfile import FileLock, LockBusy, LockError

from .hostile import hostile_server, run_cli, send

DRAFT = "# Post\n\n## Method\n\nSome text with a TODO.\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def no_traceback(result: Result | object) -> None:
    text = getattr(result, "stderr", "") + getattr(result, "stdout", "")
    assert "Traceback" not in text
    if isinstance(result, Result):
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory, the current directory, with a drafts/ folder and a config."""
    root = tmp_path / "repo"
    (root / "drafts").mkdir(parents=True)
    (root / "blogtool.toml").write_text("", encoding="utf-8")
    (root / "drafts" / "post.md").write_text(DRAFT, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


# --- 5. FIFOs and devices named *.md ------------------------------------------------------------


@pytest.mark.parametrize("command", [["lint"], ["report"], ["links", "--offline"]], ids=str)
def test_a_fifo_named_md_is_skipped_with_one_line(repo: Path, command: list[str]) -> None:
    os.mkfifo(repo / "drafts" / "pipe.md")
    result = run_cli([*command, "drafts"], repo)
    assert "Traceback" not in result.stderr
    skipped = [line for line in result.stderr.splitlines() if "pipe.md" in line]
    assert skipped == ["blogtool: drafts/pipe.md: not a regular file (a FIFO); skipped"]
    assert result.returncode == 2


def test_a_device_is_read_no_further_than_the_size_limit(repo: Path) -> None:
    result = run_cli(["lint", "/dev/zero"], repo)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "blogtool: /dev/zero: not a regular file (a character device); skipped"
    )


def test_a_file_whose_size_says_zero_is_read_no_further_than_the_limit(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As files in /proc do, and as a file that grows while it is read: st_size is no bound.
    (repo / "blogtool.toml").write_text("max_file_size = 1000\n", encoding="utf-8")
    (repo / "drafts" / "big.md").write_text("x" * 5000, encoding="utf-8")
    real_fstat = os.fstat

    def fstat(fd: int) -> os.stat_result:
        fields = list(real_fstat(fd))
        fields[6] = 0  # st_size
        return os.stat_result(fields)

    monkeypatch.setattr(os, "fstat", fstat)
    result = run("lint", "drafts/big.md")
    assert result.exit_code == 2
    assert "drafts/big.md: it is larger than max_file_size (1,000 bytes)" in result.stderr


# --- 12. symbolic links out of the tree ---------------------------------------------------------


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir()
    path = outside / "passwd"
    path.write_text("root:x:0:0:TODO SECRET LINE:/root:/bin/bash\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("named", [False, True], ids=["in a directory", "named"])
def test_a_link_out_of_the_tree_is_not_read(repo: Path, secret: Path, named: bool) -> None:
    (repo / "drafts" / "users.md").symlink_to(secret)
    target = "drafts/users.md" if named else "drafts"
    result = run("lint", "--format", "github", target)
    no_traceback(result)
    assert "SECRET" not in result.output
    assert result.exit_code == 2
    assert f"drafts/users.md: a symbolic link to {secret}, outside the linted tree; skipped" in (
        result.stderr
    )


def test_a_link_to_dev_zero_is_skipped_not_read(repo: Path) -> None:
    (repo / "drafts" / "zero.md").symlink_to("/dev/zero")
    result = run_cli(["lint", "drafts"], repo)
    assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr
    assert "drafts/zero.md: a symbolic link to /dev/zero, outside the linted tree; skipped" in (
        result.stderr
    )


def test_a_link_inside_the_tree_is_followed(repo: Path) -> None:
    shared = repo / "shared"
    shared.mkdir()
    (shared / "note.md").write_text("# Note\n\nA TODO here.\n", encoding="utf-8")
    (repo / "drafts" / "note.md").symlink_to(shared / "note.md")
    result = run("lint", "drafts")
    assert result.exit_code == 1, result.output
    assert "drafts/note.md:3:3: BT107" in result.output


# --- 11. terminal escapes ---------------------------------------------------------------------

ESCAPES = (
    "# Title\n\n## Empty \x1b[31mred\n\n## Next\n\nA TODO\x1b]0;pwned\x07 and [TODO: \x1b[2J].\n"
)


@pytest.mark.parametrize("command", ["lint", "report"])
def test_escape_sequences_from_a_draft_never_reach_the_terminal(repo: Path, command: str) -> None:
    (repo / "drafts" / "post.md").write_text(ESCAPES, encoding="utf-8")
    result = run(command, "drafts/post.md")
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b" in result.output


def test_escape_sequences_in_link_reports_are_shown_not_obeyed(repo: Path) -> None:
    name = "post\x1b]0;pwned\x07.md"
    (repo / "drafts" / name).write_text("# T\n\n[x](#nowhere)\n", encoding="utf-8")
    result = run("links", "--offline", f"drafts/{name}")
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "post\\x1b]0;pwned\\x07.md:3:1" in result.output


# --- 15. arXiv IDs are ASCII -----------------------------------------------------------------


def test_fullwidth_digits_are_not_an_arxiv_id(repo: Path) -> None:
    with hostile_server(send("HTTP/1.1 500 Nope\r\nContent-Length: 0\r\n\r\n")) as server:
        result = run_cli(
            ["stub", "--print", "\uff12\uff13\uff10\uff15.\uff11\uff18\uff12\uff19\uff10"],
            repo,
            BLOGTOOL_ARXIV_API_URL=server.url("/api"),
        )
        asked = list(server.heads)
    assert result.returncode == 2 and "invalid arXiv ID" in result.stderr
    assert asked == []
    (repo / "drafts" / "post.md").write_text(
        "# T\n\n### A paper\n\n[paper](https://arxiv.org/abs/\uff12\uff13\uff10\uff15.18290)\n",
        encoding="utf-8",
    )
    assert "BT206" in run("lint", "drafts/post.md").output


# --- 16, 17, 18. files keep who they are --------------------------------------------------------


def test_a_symlinked_output_is_written_through(repo: Path) -> None:
    (repo / "out").mkdir()
    real = repo / "out" / "report.json"
    real.write_text("old\n", encoding="utf-8")
    link = repo / "report.json"
    link.symlink_to(real)
    for option in ("-o", "--write-baseline"):
        result = run("lint", "--format", "json", "drafts/post.md", option, str(link))
        assert result.exit_code in (0, 1), result.output
        assert link.is_symlink() and os.readlink(link) == str(real)
        assert real.read_text(encoding="utf-8") != "old\n"
        real.write_text("old\n", encoding="utf-8")


def test_output_to_dev_stdout_works(repo: Path) -> None:
    result = run_cli(["lint", "--format", "json", "-o", "/dev/stdout", "drafts/post.md"], repo)
    assert result.returncode == 1, result.stderr
    assert '"rule": "BT107"' in result.stdout


def test_a_file_with_two_names_keeps_both(repo: Path) -> None:
    baseline = repo / "baseline.json"
    baseline.write_text("{}\n", encoding="utf-8")
    other = repo / "other-name.json"
    os.link(baseline, other)
    inode = baseline.stat().st_ino
    result = run("lint", "drafts/post.md", "--write-baseline", str(baseline))
    assert result.exit_code == 0, result.output
    assert baseline.stat().st_ino == inode and baseline.stat().st_nlink == 2
    assert other.read_text(encoding="utf-8") == baseline.read_text(encoding="utf-8")
    assert '"BT107"' in other.read_text(encoding="utf-8")
    assert sorted(p.name for p in repo.iterdir()) == [
        "baseline.json",
        "blogtool.toml",
        "drafts",
        "other-name.json",
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user takes root")
def test_root_writing_a_users_file_keeps_its_owner_group_and_mode(tmp_path: Path) -> None:
    path = tmp_path / "draft.md"
    path.write_text("old\n", encoding="utf-8")
    os.chown(path, 4321, 8765)
    os.chmod(path, 0o640)
    atomic_write_text(path, "new\n")
    info = path.stat()
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 8765, 0o640)
    assert path.read_text(encoding="utf-8") == "new\n"


def test_an_owner_that_cannot_be_kept_means_writing_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What happens to a user who may write a group's file but not give files away.
    path = tmp_path / "draft.md"
    path.write_text("old text\n", encoding="utf-8")
    inode = path.stat().st_ino
    real_fstat = os.fstat

    def refused(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    def fstat(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        fields = list(info)
        fields[4] = info.st_uid + 1  # the temporary file seems to belong to someone else
        return os.stat_result(fields)

    monkeypatch.setattr(os, "fchown", refused)
    monkeypatch.setattr(os, "fstat", fstat)
    atomic_write_text(path, "new text\n")
    monkeypatch.undo()
    assert path.stat().st_ino == inode
    assert path.read_text(encoding="utf-8") == "new text\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft.md"]


def test_a_failed_write_in_place_puts_the_old_text_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "draft.md"
    path.write_text("old text\n", encoding="utf-8")
    os.link(path, tmp_path / "second-name.md")
    real_fsync = os.fsync
    calls: list[int] = []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the backup's fsync passes, the new text's fails
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_text(path, "new text\n")
    monkeypatch.undo()
    assert path.read_text(encoding="utf-8") == "old text\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["draft.md", "second-name.md"]


# --- 22. long names --------------------------------------------------------------------------


@pytest.mark.parametrize("length", [242, 250, 255])
def test_a_file_with_a_name_near_the_limit_can_be_written(tmp_path: Path, length: int) -> None:
    path = tmp_path / ("d" * (length - 3) + ".md")
    path.write_text("old\n", encoding="utf-8")
    atomic_write_text(path, "new\n")
    assert path.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]
    lock = tmp_path / sibling_name(path.name, "lock")
    assert len(lock.name.encode()) <= 255
    with FileLock(lock):
        assert lock.exists()


def test_sibling_names_stay_distinct_when_cut() -> None:
    first = sibling_name("a" * 300 + "1", "lock")
    second = sibling_name("a" * 300 + "2", "lock")
    assert first != second and len(first) <= 255 and first.endswith(".lock")
    assert sibling_name("é" * 200, "tmp", hidden=True).encode().__len__() <= 255


# --- 7, 19, 21. locks ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["dangling symlink", "symlink", "directory"])
def test_a_lock_path_that_is_not_a_file_is_one_line(tmp_path: Path, kind: str) -> None:
    lock = tmp_path / "draft.md.lock"
    if kind == "directory":
        lock.mkdir()
    elif kind == "symlink":
        (tmp_path / "elsewhere").write_text("", encoding="utf-8")
        lock.symlink_to(tmp_path / "elsewhere")
    else:
        lock.symlink_to(tmp_path / "nowhere")
    with pytest.raises(LockError) as caught:
        with FileLock(lock, timeout=1):
            pass
    assert str(caught.value).startswith(f"the lock file {lock} is a ")
    assert not (tmp_path / "nowhere").exists()


def test_a_lock_held_by_a_live_process_is_waited_for_then_refused(tmp_path: Path) -> None:
    lock = tmp_path / "draft.md.lock"
    with FileLock(lock):
        with pytest.raises(LockBusy):
            with FileLock(lock, timeout=0.2):
                pass
    with FileLock(lock, timeout=0.2):
        pass
    assert not lock.exists()


def test_a_lock_left_by_a_killed_process_is_free(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    lock = tmp_path / "draft.md.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from blogtool.lockfile import FileLock\n"
            f"with FileLock({str(lock)!r}):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert lock.exists()  # left behind, but nobody holds it
    with FileLock(lock, timeout=1):
        pass


# --- 21, 22. configs and baselines --------------------------------------------------------------


def test_a_config_nested_too_deeply_is_one_line(repo: Path) -> None:
    (repo / "blogtool.toml").write_text(
        "select = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8"
    )
    result = run("lint", "drafts/post.md")
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("invalid TOML: arrays or tables nested too deeply")


def test_a_baseline_nested_too_deeply_is_one_line(repo: Path) -> None:
    (repo / "base.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run("lint", "--baseline", "base.json", "drafts/post.md")
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "blogtool: error: base.json: not a blogtool baseline file (nested too deeply)"
    )


def test_a_rules_dir_that_does_not_exist_is_a_config_error(repo: Path) -> None:
    (repo / "blogtool.toml").write_text('rules_dirs = ["house-rules"]\n', encoding="utf-8")
    result = run("lint", "drafts/post.md")
    assert result.exit_code == 2
    assert "blogtool.toml:1: rules_dirs: " in result.stderr
    assert "house-rules is not a directory" in result.stderr


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ('api_url = "http://a..b/api"', "invalid arXiv API URL 'http://a..b/api'"),
        ('api_url = "export.arxiv.org/api"', "must start with http:// or https://"),
        ("timeout = inf", "arxiv.timeout must be between"),
        ("min_interval = nan", "arxiv.min_interval must be between"),
    ],
)
def test_a_bad_arxiv_setting_is_blamed_on_the_config_file(
    repo: Path, setting: str, expected: str
) -> None:
    (repo / "blogtool.toml").write_text(f"[arxiv]\n{setting}\n", encoding="utf-8")
    result = run("stub", "--print", "2305.18290")
    assert result.exit_code == 2
    assert result.stderr.startswith("blogtool: error: ")
    assert "blogtool.toml:2: " in result.stderr and expected in result.stderr
    assert "BLOGTOOL_ARXIV_API_URL" not in result.stderr


# --- 14. --offline and LanguageTool -------------------------------------------------------------


def test_lint_offline_does_not_contact_a_languagetool_server(repo: Path) -> None:
    with hostile_server(send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]")) as server:
        (repo / "blogtool.toml").write_text(
            f'[spelling]\nbackend = "languagetool"\nlanguagetool_url = "{server.url()}"\n',
            encoding="utf-8",
        )
        result = run_cli(["lint", "--offline", "drafts/post.md"], repo)
        asked = list(server.heads)
    assert asked == []
    assert "was not contacted: --offline" in result.stderr
    assert "Traceback" not in result.stderr


def test_escape_sequences_in_the_papers_index_are_shown_not_obeyed(repo: Path) -> None:
    (repo / "drafts" / "post.md").write_text(
        "# T\n\n## 2023\n\n### Bad \x1b]0;pwned\x07 title\n\n"
        "[paper](https://arxiv.org/abs/2305.18290)\n",
        encoding="utf-8",
    )
    result = run("papers", "drafts/post.md")
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert '"Bad \\x1b]0;pwned\\x07 title"' in result.output
