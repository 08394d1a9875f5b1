"""The results cache of ``blogtool lint``: an unchanged draft is not read, parsed or linted again.

A run over a blog where nothing changed should cost about what finding the files costs. Each
linted draft's :class:`~blogtool.engine.FileResult` (violations with their fixes, line count)
is stored in SQLite under two keys, and a later run takes it from there when both match:

- **the plan fingerprint**, one hash per run, of everything besides the draft a result
  depends on (below). When any of it changes, every draft is linted again.
- **the draft**: its absolute path and the path as given (violations carry it, and the
  ``drafts`` globs of :mod:`blogtool.wip` match it), the Markdown flavor resolved for its
  site, and the hash of its bytes.

Finding a draft unchanged is cheap, as in ruff: when its size, ``mtime_ns`` and inode are
those recorded, it is not even opened; only when they differ are its bytes read and hashed,
and a matching hash (a ``touch``, a checkout that rewrote the file) records the new stat.
A file modified within two seconds of being read could change again without its mtime
moving (coarse timestamps), so for it no stat is recorded and the next run hashes it.

What the plan fingerprint holds:

- the cache format, blogtool's version, the Python version, and the size and mtime of every
  module of blogtool's own code, so an edited checkout never answers from an older build;
- the versions of the libraries whose answers reach the results (the Markdown parser and its
  plugins, the TeX parser, Harper, the English word list);
- each rule that runs: id, name, severity, options after the config, and its module; for a
  third-party rule also the size and mtime of its module's file and the versions of the
  distributions that register rules;
- the contents of the rule data: every ``.txt`` and ``.toml`` of the built-in data and of
  the config's ``rules_dirs`` (the spelling vocabulary in ``<dir>/vocabulary/`` included), and
  of the vocabulary files a rule's ``vocabulary`` option names;
- every other field of :class:`~blogtool.engine.LintPlan` (``max_file_size``, ``flavor``,
  ``project_root``, ``drafts``, and any field added later), by value.

Rules that read more than the draft, and what this module does about each:

- BT701 and BT702 (what URLs answered) and BT704 (whether linked local files exist) need the
  link stage of ``--check-links``: a run with link findings (``plan.links`` set) is not
  cached at all. Their answers change without any file the cache could stat changing (a
  site goes down; an image is added next to a draft), and the link stage reads and parses
  every draft anyway, so a cache would save little there.
- BT703 (broken anchor) reads the anchors of the same draft only: cached like any rule.
- BT601-BT603 read vocabulary files (their contents are in the fingerprint), the English
  word list and Harper (their versions are). With ``backend = "languagetool"``, BT602 and
  BT603 ask a LanguageTool server or install whose rules change with no version this module
  can read cheaply: such runs are not cached.
- the flavor of a draft's site comes from the site's config files: the resolved flavor is in
  the draft's key.

Never stored, so the next run tries again: a result with an error (an unreadable file costs
little to find again), with notices (a rule could not run; its backend may be there next
time), with warnings (they describe this run's surroundings, such as an unwritable spelling
cache) or with an internal-error violation.

Storage: ``results.sqlite3`` in blogtool's cache directory (:func:`blogtool.net.cache.
default_cache_dir`), beside the network cache. The database runs in WAL mode, so parallel
runs read while another writes; a run's new rows go in one short transaction, which is
skipped when another process holds the lock too long (a store lost, not a wrong answer).
Rows unused for 30 days are dropped. A file that is not a database is replaced, one that
belongs to another program is left alone, and a database that fails while in use is given
up for the run: each with one warning line, through the caller's ``warn``. This module
never prints and never raises for the cache's own problems: a run without the cache is
slower, not wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .engine import INTERNAL_ERROR, FileResult, LintPlan, site_flavor
from .violation import Edit, Fix, Severity, Violation

__all__ = [
    "DATABASE_NAME",
    "ResultCache",
    "cached_lint",
    "decode_result",
    "encode_result",
    "plan_fingerprint",
    "uncacheable",
]

DATABASE_NAME = "results.sqlite3"
FORMAT_VERSION = 1  # PRAGMA user_version; bump when rows or their JSON change shape
APPLICATION_ID = 0x42547263  # "BTrc": PRAGMA application_id, tells our file from others
KEEP_UNUSED = 30 * 86400.0  # seconds a row may go unused before it is dropped
_TOUCH_AFTER = 86400.0  # a hit refreshes its row's use time at most once a day
_RACY_NS = 2_000_000_000  # timestamps coarser than this exist (FAT); ext4's are ~4 ms
# Libraries whose behaviour shapes results; a new version may parse or spell differently.
_LIBRARIES = (
    "markdown-it-py",
    "mdit-py-plugins",
    "linkify-it-py",
    "pylatexenc",
    "harper-py",
    "pyspellchecker",
)
# Rules that may ask a LanguageTool server (blogtool.rules.spelling); BT601 uses only the
# vocabulary and the word list, whatever the backend.
_SERVER_BACKED = frozenset({"BT602", "BT603"})
_DATA_SUFFIXES = (".txt", ".toml")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS results ("
    " config BLOB NOT NULL, file BLOB NOT NULL,"
    " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL,"
    " digest BLOB NOT NULL, used_at REAL NOT NULL, result TEXT NOT NULL,"
    " PRIMARY KEY (config, file))",
    "CREATE INDEX IF NOT EXISTS results_used_at ON results (used_at)",
)

Run = Callable[[Sequence[Path]], list[FileResult]]
Warn = Callable[[str], None]


def uncacheable(plan: LintPlan) -> str | None:
    """Why a run with ``plan`` must not use the cache, or None when it may."""
    if plan.links is not None:
        return "link findings (--check-links) depend on the network and other files"
    for active in plan.rules:
        if active.rule.id in _SERVER_BACKED and active.options.get("backend") == "languagetool":
            return f"{active.rule.id} asks a LanguageTool backend"
    return None


def cached_lint(
    paths: Sequence[Path],
    plan: LintPlan,
    run: Run,
    *,
    directory: str | os.PathLike[str] | None = None,
    warn: Warn | None = None,
) -> list[FileResult]:
    """The results for ``paths``, in order: from the cache where a draft is unchanged, from
    ``run(misses)`` for the rest (which must return one result per path, in order).

    ``directory`` defaults to blogtool's cache directory; ``warn`` gets a line for each
    problem with the cache itself.
    """
    if not paths or uncacheable(plan) is not None:
        return run(paths)
    if directory is None:
        from .net.cache import default_cache_dir

        directory = default_cache_dir()
    cache = ResultCache(directory, warn)
    try:
        return cache.lint(paths, plan, run)
    finally:
        cache.close()


@dataclass(frozen=True)
class _Seen:
    """What this run found of a draft before linting it."""

    path: Path
    config: bytes
    file: bytes
    info: os.stat_result | None
    digest: bytes | None = None  # None: not read (not a regular file, too large, unreadable)
    racy: bool = True  # the stat may not tell the next change apart


@dataclass(frozen=True)
class _Row:
    size: int
    mtime_ns: int
    inode: int
    digest: bytes
    used_at: float
    result: str


class ResultCache:
    """One open results database; see the module docstring. Close it when done."""

    def __init__(self, directory: str | os.PathLike[str], warn: Warn | None = None) -> None:
        self.directory = Path(directory)
        self._warn = warn
        self._db: sqlite3.Connection | None = None
        self._enabled = True

    @property
    def path(self) -> Path:
        return self.directory / DATABASE_NAME

    def lint(self, paths: Sequence[Path], plan: LintPlan, run: Run) -> list[FileResult]:
        db = self._connect()
        if db is None:
            return run(paths)
        fingerprint = plan_fingerprint(plan)
        flavors: dict[Path, str] = {}
        configs: dict[str, bytes] = {}
        results: list[FileResult | None] = []
        misses: list[_Seen] = []
        touched: list[tuple[Any, ...]] = []  # rows whose stat or use time is refreshed
        now = time.time()
        for path in paths:
            if path.parent not in flavors:
                flavors[path.parent] = site_flavor(plan, path)
            flavor = flavors[path.parent]
            if flavor not in configs:
                configs[flavor] = _digest(fingerprint + b"\0" + flavor.encode())
            seen = _Seen(path, configs[flavor], _file_key(path), _stat(path))
            row = self._row(seen)
            found = None
            if row is not None and seen.info is not None and _same_stat(row, seen.info):
                found = decode_result(row.result, str(path))
                if found is not None and row.used_at < now - _TOUCH_AFTER:
                    touched.append((row.size, row.mtime_ns, row.inode, now, *_where(seen)))
            else:
                seen = _read(seen, plan.max_file_size)
                if row is not None and seen.digest is not None and seen.digest == row.digest:
                    found = decode_result(row.result, str(path))
                    if found is not None and not seen.racy:
                        info = seen.info
                        assert info is not None  # a digest is only taken of a stat file
                        touched.append(
                            (info.st_size, info.st_mtime_ns, info.st_ino, now, *_where(seen))
                        )
            if found is None:
                if seen.digest is None:
                    seen = _read(seen, plan.max_file_size)
                misses.append(seen)
            results.append(found)
        stored = []
        if misses:
            fresh = run([seen.path for seen in misses])
            for seen, result in zip(misses, fresh, strict=True):
                # The linter read the file after it was hashed: store only if unchanged since.
                if _storable(result) and _unchanged(seen):
                    stored.append((seen, encode_result(result)))
            answers = iter(fresh)
            results = [next(answers) if r is None else r for r in results]
        if stored or touched:
            self._store(stored, touched, now)
        return [r for r in results if r is not None]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _row(self, seen: _Seen) -> _Row | None:
        db = self._db
        if db is None:
            return None
        try:
            found = db.execute(
                "SELECT size, mtime_ns, inode, digest, used_at, result FROM results"
                " WHERE config = ? AND file = ?",
                _where(seen),
            ).fetchone()
        except sqlite3.Error as exc:
            self._give_up(exc)
            return None
        if found is None:
            return None
        try:
            return _Row(*found)
        except TypeError:
            return None

    def _store(
        self, stored: list[tuple[_Seen, str]], touched: list[tuple[Any, ...]], now: float
    ) -> None:
        db = self._db
        if db is None:
            return
        rows = []
        for seen, text in stored:
            info = seen.info
            assert info is not None and seen.digest is not None  # _unchanged checked both
            # A racy stat is recorded as -1: the next run hashes the file instead.
            mtime = -1 if seen.racy else info.st_mtime_ns
            rows.append(
                (seen.config, seen.file, info.st_size, mtime, info.st_ino, seen.digest, now, text)
            )
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
                )
                db.executemany(
                    "UPDATE results SET size = ?, mtime_ns = ?, inode = ?, used_at = ?"
                    " WHERE config = ? AND file = ?",
                    touched,
                )
                db.execute("DELETE FROM results WHERE used_at < ?", (now - KEEP_UNUSED,))
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                self._give_up(exc)
            # Busy: another run is writing; its rows are as good as ours would have been.
        except sqlite3.Error as exc:
            self._give_up(exc)

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None or not self._enabled:
            return self._db
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            try:
                self._db = self._open()
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) or not self.path.is_file():
                    raise
                # Not a database at all (a torn copy): it only held a cache.
                _remove(self.path)
                self._say(f"the results cache {self.path} was damaged ({exc}); started anew")
                self._db = self._open()
        except _Foreign as exc:
            self._enabled = False
            self._say(f"{self.path} {exc}; linting without the results cache")
        except (OSError, sqlite3.Error) as exc:
            self._give_up(exc)
        return self._db

    def _open(self) -> sqlite3.Connection:
        # isolation_level None: transactions are begun explicitly, IMMEDIATE, so two writers
        # never both read and then fail to upgrade their locks.
        db = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        try:
            app, version = (
                db.execute("PRAGMA application_id").fetchone()[0],
                db.execute("PRAGMA user_version").fetchone()[0],
            )
            if app not in (0, APPLICATION_ID):
                raise _Foreign("belongs to another program")
            if app == APPLICATION_ID and version != FORMAT_VERSION:
                raise _Foreign(
                    f"has another format ({version}; this blogtool writes {FORMAT_VERSION})"
                )
            if app == 0:
                tables = db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'results'"
                ).fetchall()
                if tables:
                    raise _Foreign("belongs to another program")
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("BEGIN IMMEDIATE")
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {FORMAT_VERSION}")
                db.execute("COMMIT")
            # A cache need not survive a power cut: commits do not wait for the disk.
            db.execute("PRAGMA synchronous = OFF")
        except BaseException:
            db.close()
            raise
        return db

    def _give_up(self, exc: Exception) -> None:
        """Stop using the cache for this run, with one line saying why."""
        if self._enabled:
            if isinstance(exc, OSError):
                why = f"cannot write {self.directory} ({exc.strerror or type(exc).__name__})"
            else:
                why = f"cannot use {self.path} ({exc or type(exc).__name__})"
            self._say(f"results cache: {why}; linting without it")
        self._enabled = False
        self.close()

    def _say(self, message: str) -> None:
        if self._warn is not None:
            self._warn(message)


class _Foreign(Exception):
    """The database file is not one this blogtool wrote: leave it alone."""


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _remove(path: Path) -> None:
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            name.unlink()
        except FileNotFoundError:
            pass


def _where(seen: _Seen) -> tuple[bytes, bytes]:
    return seen.config, seen.file


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _file_key(path: Path) -> bytes:
    shown = str(path)
    return _digest(f"{os.path.abspath(shown)}\0{shown}".encode("utf-8", "surrogateescape"))


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _same_stat(row: _Row, info: os.stat_result) -> bool:
    return (
        stat.S_ISREG(info.st_mode)
        and row.mtime_ns >= 0
        and (row.size, row.mtime_ns, row.inode) == (info.st_size, info.st_mtime_ns, info.st_ino)
    )


def _read(seen: _Seen, max_size: int) -> _Seen:
    """``seen`` with the hash of the file's bytes, when it is a regular file within the limit."""
    info = seen.info
    if info is None or not stat.S_ISREG(info.st_mode) or info.st_size > max_size:
        return seen
    started = time.time_ns()
    try:
        # Non-blocking: a file swapped for a FIFO since the stat must not hang the run.
        fd = os.open(seen.path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            data = os.read(fd, max_size + 1)
            after = os.fstat(fd)
        finally:
            os.close(fd)
    except OSError:
        return seen
    if len(data) > max_size or (after.st_size, after.st_mtime_ns, after.st_ino) != (
        info.st_size,
        info.st_mtime_ns,
        info.st_ino,
    ):
        return seen  # changing under us: lint it, store nothing
    racy = info.st_mtime_ns >= started - _RACY_NS
    return _Seen(seen.path, seen.config, seen.file, info, _digest(data), racy)


def _unchanged(seen: _Seen) -> bool:
    """Whether the file still has the stat it had when it was hashed."""
    if seen.digest is None or seen.info is None:
        return False
    now = _stat(seen.path)
    return now is not None and (now.st_size, now.st_mtime_ns, now.st_ino) == (
        seen.info.st_size,
        seen.info.st_mtime_ns,
        seen.info.st_ino,
    )


def _storable(result: FileResult) -> bool:
    return not (
        result.error
        or result.notices
        or result.warnings
        or any(v.rule_id == INTERNAL_ERROR for v in result.violations)
    )


# -- results as JSON ---------------------------------------------------------------------------


def encode_result(result: FileResult) -> str:
    """``result`` as compact JSON; :func:`decode_result` reads it back."""
    violations = [
        [
            None if v.path == result.path else v.path,
            v.line,
            v.col,
            v.rule_id,
            v.message,
            int(v.severity),
            v.end_line,
            v.end_col,
            v.rule_name,
            None
            if v.fix is None
            else [v.fix.title, v.fix.safe, [[e.start, e.end, e.replacement] for e in v.fix.edits]],
        ]
        for v in result.violations
    ]
    record = {
        "v": violations,
        "l": result.lines,
        "n": result.notices,
        "w": result.warnings,
        "e": result.error,
    }
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def decode_result(text: str, path: str) -> FileResult | None:
    """The FileResult ``text`` holds for ``path``, or None if it is not one (damaged row)."""
    try:
        record = json.loads(text)
        violations = [
            Violation(
                path if shown is None else _text(shown),
                _int(line),
                _int(col),
                _text(rule_id),
                _text(message),
                Severity(_int(severity)),
                _int(end_line),
                _int(end_col),
                _text(rule_name),
                None if fix is None else _fix(fix),
            )
            for shown, line, col, rule_id, message, severity, end_line, end_col, rule_name, fix in (
                record["v"]
            )
        ]
        error = record["e"]
        return FileResult(
            path,
            violations,
            error=None if error is None else _text(error),
            lines=_int(record["l"]),
            notices=[_text(n) for n in record["n"]],
            warnings=[_text(w) for w in record["w"]],
        )
    except (ValueError, TypeError, KeyError, RecursionError):
        return None


def _fix(value: Any) -> Fix:
    title, safe, edits = value
    if not isinstance(safe, bool):
        raise TypeError("safe is not a boolean")
    return Fix(
        tuple(Edit(_int(s), _int(e), _text(r)) for s, e, r in edits),
        _text(title),
        safe,
    )


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"not an integer: {value!r}")
    return value


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not a string: {value!r}")
    return value


# -- what a run's results depend on -------------------------------------------------------------


def plan_fingerprint(plan: LintPlan) -> bytes:
    """A hash of everything besides the draft that ``plan``'s results depend on."""
    h = hashlib.blake2b(digest_size=16)

    def add(*parts: Any) -> None:
        h.update(json.dumps(parts, sort_keys=True, default=repr).encode("utf-8", "surrogatepass"))
        h.update(b"\n")

    add("format", FORMAT_VERSION, __version__, sys.version_info[:3])
    _code(add)
    for name in _LIBRARIES:
        add("library", name, _version(name))
    plugins = False
    for active in plan.rules:
        rule = active.rule
        module = getattr(rule.check, "__module__", "") or ""
        add("rule", rule.id, rule.name, int(active.severity), active.options, module)
        if not module.startswith("blogtool."):
            plugins = True
            add("module", module, _file_stat(getattr(sys.modules.get(module), "__file__", None)))
        vocabulary = active.options.get("vocabulary")
        if isinstance(vocabulary, list | tuple):
            root = Path(str(active.options.get("_root", "")))
            for name in vocabulary:
                add("vocabulary", str(name), _file_digest(root / str(name)))
    if plugins:
        add("plugins", _plugin_versions())
    for origin, digest in _data_files(plan):
        add("data", origin, digest)
    for f in fields(plan):
        if f.name not in ("rules", "data", "links"):
            add("plan", f.name, getattr(plan, f.name))
    return h.digest()


def _code(add: Callable[..., None]) -> None:
    """The size and mtime of every module of blogtool: an edited checkout is a new build."""
    root = Path(__file__).parent
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = Path(dirpath, name)
                add("code", path.relative_to(root).as_posix(), _file_stat(path))


def _file_stat(path: str | os.PathLike[str] | None) -> tuple[int, int] | None:
    info = _stat(Path(path)) if path else None
    return None if info is None else (info.st_size, info.st_mtime_ns)


def _file_digest(path: Path) -> str | None:
    try:
        return _digest(path.read_bytes()).hex()
    except OSError:
        return None


def _version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def _plugin_versions() -> list[str]:
    from importlib.metadata import entry_points

    from .registry import ENTRY_POINT_GROUP

    found = set()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        found.add(
            f"{ep.name}={ep.value}@{dist.name if dist else ''}=={dist.version if dist else ''}"
        )
    return sorted(found)


def _data_files(plan: LintPlan) -> Iterable[tuple[str, str | None]]:
    """``(origin, content hash)`` of every rule data file: built-in, then each rules dir."""
    try:
        builtin = resources.files("blogtool._data")
    except (ModuleNotFoundError, OSError):  # a broken install: then every run says so
        yield "<built-in>", None
    else:
        yield from _walk_data(builtin, "<built-in>")
    for directory in getattr(plan.data, "extra_dirs", ()):
        yield from _walk_data(Path(directory), str(directory))


def _walk_data(folder: Any, origin: str) -> Iterable[tuple[str, str | None]]:
    try:
        entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    except OSError:
        yield origin, None
        return
    for entry in entries:
        name = f"{origin}/{entry.name}"
        try:
            if entry.is_dir():
                yield from _walk_data(entry, name)
            elif entry.name.endswith(_DATA_SUFFIXES):
                yield name, _digest(entry.read_bytes()).hex()
        except OSError:
            yield name, None
