"""Faults around the commands that write, around caches, and in config files.

Already covered elsewhere, not repeated here:
tests/test_stub.py (a crash before the rename, a read-only draft, a second writer waiting
for the lock, a held lock timing out, a stale lock taken over, a draft edited before the
lock was taken), tests/test_stub_cli.py (a failed rename, a read-only draft, a draft
edited while stub waited on arXiv, two stub processes at once), tests/net/test_cache.py
(a damaged DiskCache database or entry is ignored and replaced, an unwritable directory
disables the cache with one warning).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from blogtool.arxiv_id import parse_arxiv_id
from blogtool.cli import main
from blogtool.config import ConfigError, load_config
from blogtool.engine import make_plan
from blogtool.net.arxiv import Paper
from blogtool.net.cache import CACHE_DIR_ENV, DATABASE_NAME, DiskCache
from blogtool.spelling import service as spelling_service
from blogtool.stub import (
    StubError,
    StubRequest,
    StubSettings,
    load_template,
    plan_stubs,
    update_draft,
)

DRAFT = "# A history\n\nIntro with a TODO.\n\n## 2017\n\nThe body, with teh typo.\n"
OLD = "the previous report\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def others(directory: Path, *expected: Path) -> list[str]:
    """Files in ``directory`` besides the expected ones: temporaries, locks, partial files."""
    names = {p.name for p in expected}
    return sorted(p.name for p in directory.iterdir() if p.name not in names)


@pytest.fixture
def draft(tmp_path: Path) -> Path:
    path = tmp_path / "draft.md"
    path.write_text(DRAFT, encoding="utf-8")
    return path


# --- a full disk ------------------------------------------------------------------------------


def _no_space(*_: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _HalfWritten:
    """A file object that writes half of its first write, then fails as a full disk does."""

    def __init__(self, handle) -> None:  # noqa: ANN001 - any text file
        self._handle = handle

    def write(self, text: str) -> int:
        self._handle.write(text[: len(text) // 2])
        self._handle.flush()
        _no_space()
        return 0

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._handle, name)

    def __enter__(self) -> _HalfWritten:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def _disk_fills_writing(monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    """The disk fills up halfway through the first write to a file named ``*suffix``."""
    real_fdopen = os.fdopen

    def fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object):  # noqa: ANN202
        handle = real_fdopen(fd, mode, *args, **kwargs)  # type: ignore[arg-type]
        name = os.readlink(f"/proc/self/fd/{fd}")
        return _HalfWritten(handle) if name.endswith(suffix) and "w" in mode else handle

    monkeypatch.setattr(os, "fdopen", fdopen)


@pytest.fixture(params=["write", "fsync"])
def full_disk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The disk fills up halfway through writing the temporary file, or at its fsync."""
    if request.param == "write":
        _disk_fills_writing(monkeypatch, ".tmp")
    else:
        monkeypatch.setattr(os, "fsync", _no_space)
    yield request.param


WRITERS = {
    "lint -o": ["lint", "--format", "json", "-o"],
    "lint --write-baseline": ["lint", "--write-baseline"],
    "report -o": ["report", "-o"],
    "report --write-baseline": ["report", "--write-baseline"],
}


@pytest.mark.parametrize("existed", [True, False], ids=["over an old file", "a new file"])
@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_full_disk_leaves_the_old_file_and_nothing_else(
    full_disk: str, draft: Path, writer: str, existed: bool
) -> None:
    target = draft.parent / "out.json"
    if existed:
        target.write_text(OLD, encoding="utf-8")
    *command, option = WRITERS[writer]
    result = run(*command, str(draft), option, str(target))
    assert result.exit_code != 0
    if existed:
        assert target.read_text(encoding="utf-8") == OLD
    else:
        assert not target.exists()
    assert others(draft.parent, draft, target) == []


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_full_disk_is_a_one_line_error(full_disk: str, draft: Path, writer: str) -> None:
    target = draft.parent / "out.json"
    *command, option = WRITERS[writer]
    result = run(*command, str(draft), option, str(target))
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert f"{target}: cannot write: No space left on device" in result.stderr
    assert "Traceback" not in result.output


def _request(arxiv_id: str, title: str) -> StubRequest:
    parsed = parse_arxiv_id(arxiv_id)
    when = date(parsed.year, parsed.month, 1)
    paper = Paper(
        parsed.base, 1, title, ("Ada Example",), when, when, "", "cs.CL", "", parsed.pdf_url
    )
    return StubRequest(parsed, paper)


def _adding(title: str = "Attention Is All You Need"):  # noqa: ANN202
    request = _request("1706.03762", title)
    return lambda text: plan_stubs(text, [request], load_template(), StubSettings())


def test_stub_on_a_full_disk_leaves_the_draft_and_no_lock_or_temporary(
    full_disk: str, draft: Path
) -> None:
    with pytest.raises(StubError, match="cannot write: No space left on device; the draft is"):
        update_draft(draft, _adding(), expected=DRAFT)
    assert draft.read_text(encoding="utf-8") == DRAFT
    assert others(draft.parent, draft) == []


def test_a_full_disk_while_taking_the_lock_is_a_stub_error_and_leaves_no_lock(
    draft: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def full(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith(".lock"):
            _no_space()
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", full)
    with pytest.raises(StubError, match="cannot create the lock file .*No space left on device"):
        update_draft(draft, _adding(), expected=DRAFT)
    assert draft.read_text(encoding="utf-8") == DRAFT
    assert others(draft.parent, draft) == []


# --- killed between writing the temporary file and the rename ------------------------------------

_KILL_AT_RENAME = """\
import os, signal
real_replace = os.replace
def replace(src, dst):
    if os.path.basename(dst) == {name!r}:
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(src, dst)
os.replace = replace
"""


def _killed(target: Path, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a process that is killed (SIGKILL) as it renames onto ``target``."""
    done = subprocess.run(
        [sys.executable, "-c", _KILL_AT_RENAME.format(name=target.name) + code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    return done


def test_lint_killed_before_the_rename_leaves_the_old_report(draft: Path) -> None:
    target = draft.parent / "report.json"
    target.write_text(OLD, encoding="utf-8")
    _killed(
        target,
        "import sys; from blogtool.cli import main; main(sys.argv[1:])",
        *["lint", "--format", "json", "-o", str(target), str(draft)],
    )
    assert target.read_text(encoding="utf-8") == OLD
    # a real kill cannot clean up: the finished temporary stays, hidden, beside the report
    (leftover,) = others(draft.parent, draft, target)
    assert leftover.startswith(".report.json.") and leftover.endswith(".tmp")
    json.loads((draft.parent / leftover).read_text(encoding="utf-8"))


def test_stub_killed_before_the_rename_leaves_the_draft_and_the_next_run_recovers(
    draft: Path,
) -> None:
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from pathlib import Path\n"
        "from blogtool.arxiv_id import parse_arxiv_id\n"
        "from blogtool.net.arxiv import Paper\n"
        "from blogtool.stub import StubRequest, StubSettings, load_template, plan_stubs\n"
        "from blogtool.stub import update_draft\n"
        "i = parse_arxiv_id('1706.03762')\n"
        "p = Paper(i.base, 1, 'Attention', (), date(2017, 6, 1), None, '', None, '', '')\n"
        "edit = lambda text: plan_stubs(text, [StubRequest(i, p)], load_template(), "
        "StubSettings())\n"
        "update_draft(Path(sys.argv[1]), edit)\n"
    )
    _killed(draft, code, str(draft))
    assert draft.read_text(encoding="utf-8") == DRAFT
    lock = draft.with_name("draft.md.lock")
    assert lock.exists()  # the killed run could not remove it, but holds it no longer
    result = update_draft(draft, _adding(), expected=DRAFT, lock_timeout=1.0)
    assert result.written
    text = draft.read_text(encoding="utf-8")
    assert text.startswith(DRAFT.split("## 2017")[0]) and "### Attention Is All You Need" in text
    assert not lock.exists()


# --- the draft changes under stub -----------------------------------------------------------------


def test_an_edit_saved_while_stub_plans_is_never_overwritten(draft: Path) -> None:
    """The author saves after stub read the draft under its lock and before it wrote."""
    edited = DRAFT.replace("Intro", "Intro, rewritten")
    add = _adding()

    def edit(text: str):  # noqa: ANN202
        if draft.read_text(encoding="utf-8") == DRAFT:
            draft.write_text(edited, encoding="utf-8")
        return add(text)

    try:
        update_draft(draft, edit, expected=DRAFT)
    except StubError as exc:  # refused: then the file is exactly the author's version
        assert "changed" in str(exc)
        assert draft.read_text(encoding="utf-8") == edited
    else:  # or planned again on the author's version
        text = draft.read_text(encoding="utf-8")
        assert "Intro, rewritten with a TODO." in text
        assert "### Attention Is All You Need" in text
    assert others(draft.parent, draft) == []


# --- permissions of what blogtool writes ----------------------------------------------------------


def test_a_read_only_report_is_not_replaced(draft: Path) -> None:
    """Refused even for root, whom the file mode does not stop: the rename would replace it."""
    target = draft.parent / "report.json"
    target.write_text(OLD, encoding="utf-8")
    target.chmod(0o444)
    result = run("lint", "-o", str(target), str(draft))
    assert result.exit_code == 2
    assert result.stderr == f"blogtool: error: {target}: cannot write: file is read-only\n"
    assert target.read_text(encoding="utf-8") == OLD


def test_a_new_report_gets_the_usual_permissions_and_an_old_one_keeps_its_own(
    draft: Path,
) -> None:
    previous = os.umask(0o022)
    try:
        new = draft.parent / "new.json"
        assert run("lint", "-o", str(new), str(draft)).exit_code == 1
        assert new.stat().st_mode & 0o777 == 0o644
        old = draft.parent / "old.json"
        old.write_text(OLD, encoding="utf-8")
        old.chmod(0o640)
        assert run("lint", "-o", str(old), str(draft)).exit_code == 1
        assert old.stat().st_mode & 0o777 == 0o640
        assert old.read_text(encoding="utf-8") != OLD
    finally:
        os.umask(previous)


# --- a draft whose file name is not UTF-8 ---------------------------------------------------------


@pytest.fixture
def badly_named(tmp_path: Path) -> Path:
    """A directory holding a draft whose name has a byte that is not UTF-8."""
    folder = tmp_path / "drafts"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.md"), "wb") as handle:
        handle.write(DRAFT.encode("utf-8"))
    return folder


def test_a_report_names_a_draft_whose_name_is_not_utf8(badly_named: Path) -> None:
    out = badly_named.parent / "report.json"
    result = run("lint", "--format", "json", "-o", str(out), str(badly_named))
    assert result.exit_code == 1, result.output
    (path,) = {v["path"] for v in json.loads(out.read_bytes().decode("utf-8"))["violations"]}
    assert Path(path).read_text(encoding="utf-8") == DRAFT  # the name read back finds the file


def test_lint_prints_a_draft_whose_name_is_not_utf8_on_any_terminal(badly_named: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "blogtool.cli", "lint", "--ignore", "BT6", str(badly_named)],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},  # as in an en_US.UTF-8 locale
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr


# --- caches -------------------------------------------------------------------------------------


def _end_of_process() -> None:
    """Let go of the cache as a finished run would: the next run opens it afresh."""
    spelling_service.service_for.cache_clear()
    gc.collect()


def _spelling_values(root: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(root / DATABASE_NAME)) as db:
        rows = db.execute("SELECT value FROM entries WHERE namespace = 'spelling'").fetchall()
    return [value for (value,) in rows]


@pytest.fixture
def grammar_draft(tmp_path: Path) -> Path:
    """A draft with a paragraph that Harper (and so the paragraph cache) sees: "allows to"."""
    path = tmp_path / "grammar.md"
    path.write_text(DRAFT + "\nThis allows to train it.\n", encoding="utf-8")
    return path


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(path))
    return path


@pytest.mark.parametrize("content", [b"", b"\x00\xff\xfe not a database", b"SQLite format 3\x00"])
def test_a_corrupt_cache_file_is_replaced_and_spelling_unchanged(
    cache_dir: Path, grammar_draft: Path, content: bytes
) -> None:
    first = run("lint", str(grammar_draft))
    assert "BT601" in first.output and _spelling_values(cache_dir)
    _end_of_process()
    for leftover in cache_dir.glob(f"{DATABASE_NAME}-*"):
        leftover.unlink()
    (cache_dir / DATABASE_NAME).write_bytes(content)
    again = run("lint", "--no-cache", str(grammar_draft))  # past the results cache
    assert (again.exit_code, again.stdout) == (first.exit_code, first.stdout)
    assert "Traceback" not in again.output
    assert _spelling_values(cache_dir)  # written afresh


@pytest.mark.parametrize(
    "entry", ['["abcdefg"]', '[["a", "b", "c", "d", "e", [], "r"]]', '"a string"', "{not json"]
)
def test_a_corrupt_spelling_cache_entry_is_ignored(
    cache_dir: Path, grammar_draft: Path, entry: str
) -> None:
    first = run("lint", str(grammar_draft))
    assert _spelling_values(cache_dir)
    with contextlib.closing(sqlite3.connect(cache_dir / DATABASE_NAME)) as db, db:
        db.execute("UPDATE entries SET value = ? WHERE namespace = 'spelling'", (entry,))
    _end_of_process()
    again = run("lint", "--no-cache", str(grammar_draft))  # past the results cache
    assert (again.exit_code, again.output) == (first.exit_code, first.output)
    assert entry not in _spelling_values(cache_dir)  # checked again and stored


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_in_the_disk_cache_file_read_as_missing(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        Path(directory, DATABASE_NAME).write_bytes(data)
        cache = DiskCache(directory)
        assert cache.get("links", "https://example.org/") is None
        cache.put("links", "https://example.org/", {"status": 200})
        assert cache.get("links", "https://example.org/").value == {"status": 200}
        cache.close()


@pytest.fixture
def unwritable_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache path below a regular file: no one can create it, root included."""
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a directory\n", encoding="utf-8")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    return blocker


def test_lint_runs_uncached_when_the_cache_cannot_be_written(
    unwritable_cache: Path, draft: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = run("lint", str(draft))
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "usable"))
    usable = run("lint", str(draft))
    assert blocked.exit_code == usable.exit_code == 1
    assert blocked.stdout == usable.stdout
    assert "BT601" in blocked.output and "BT107" in blocked.output
    assert unwritable_cache.read_text(encoding="utf-8") == "not a directory\n"


def test_lint_warns_when_the_cache_cannot_be_written(
    unwritable_cache: Path, grammar_draft: Path
) -> None:
    result = run("lint", str(grammar_draft))
    assert "warning" in result.stderr and "cache" in result.stderr


def test_link_checking_runs_uncached_with_a_warning(unwritable_cache: Path, httpserver) -> None:  # noqa: ANN001
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    root = unwritable_cache.parent
    (root / "blogtool.toml").write_text(
        "[links]\nmin_host_interval = 0\nmax_retries = 0\ntimeout = 5\nallow_private = true\n",
        encoding="utf-8",
    )
    draft = root / "links.md"
    draft.write_text(f"# Links\n\nA [dead one]({httpserver.url_for('/gone')}).\n", "utf-8")
    result = run("lint", "--check-links", "--select", "BT7", str(draft))
    assert result.exit_code == 1
    assert f"{draft}:3:3: BT701" in result.output
    assert "warning: cannot write the cache directory" in result.stderr
    assert "continuing without a cache" in result.stderr


# --- config files -------------------------------------------------------------------------------

CONFIG_ERRORS = [
    # (file name, content, line, what the message must also name)
    ("blogtool.toml", "[spelling]\nenabled = true\nenabled = false\n", 3, "key spelling.enabled"),
    ("blogtool.toml", "[links]\ntimeout = 5s\n", 2, "key links.timeout"),
    ("blogtool.toml", 'select = ["BT1"\nignore = []\n', 2, "Unclosed array"),
    ("blogtool.toml", "[spelling]\nwords = [\n  'one',\n", 3, "end of document"),
    ("blogtool.toml", "[spelling]\nenabled = true\n\n[links]\nenabled = 3\n", 5, "links.enabled"),
    (
        "blogtool.toml",
        '[rules.BT101]\nseverity = "error"\n[rules.BT102]\nseverity = "x"\n',
        4,
        "BT102",
    ),
    ("blogtool.toml", '[rules]\nBT101 = { severity = "error" }\nBT102 = { foo = 1 }\n', 3, "'foo'"),
    ("blogtool.toml", "[rules.placeholder-token]\nspecial_tokens = 3\n", 2, "'special_tokens'"),
    ("blogtool.toml", '[rules.BT999]\nseverity = "error"\n', 1, "'BT999'"),
    (
        "pyproject.toml",
        '[tool.ruff.lint]\nselect = ["E"]\n\n[tool.blogtool]\nselect = ["X9"]\n',
        5,
        "X9",
    ),
    ("pyproject.toml", "[tool.blogtool]\nselcet = []\n", 2, "tool.blogtool.selcet"),
    ("pyproject.toml", '[tool]\nblogtool = "on"\n', 2, "tool.blogtool must be a table"),
    ("pyproject.toml", "tool = 3\n", 1, "tool.blogtool must be a table"),
    ("blogtool.toml", "# limits\nmax_file_size = -1\n", 2, "positive number of bytes, not -1"),
    ("pyproject.toml", "[tool.blogtool]\npaper_heading_level = 7\n", 2, "must be 1 to 6, not 7"),
]


@pytest.mark.parametrize(("name", "content", "line", "named"), CONFIG_ERRORS)
def test_a_bad_config_names_its_file_line_and_key(
    tmp_path: Path, name: str, content: str, line: int, named: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        make_plan(load_config(path))
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}:")
    assert named in message


def test_a_malformed_config_is_one_line_and_exit_two(tmp_path: Path, draft: Path) -> None:
    config = tmp_path / "blogtool.toml"
    config.write_text("[links]\ntimeout = 5s\n", encoding="utf-8")
    result = run("lint", "--config", str(config), str(draft))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"blogtool: error: {config}:2: invalid TOML: ")
    assert line.endswith("in key links.timeout")
