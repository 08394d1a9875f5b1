"""A small disk cache of JSON values, so repeated runs skip work they did recently.

One SQLite database, ``<directory>/cache.sqlite3``, with a row per ``(namespace, key)``: the
value as JSON and when it was stored. The link checker, the arXiv client and the spelling
stage each keep a namespace in it. Keys are data, never paths, so no key (a URL with ``..``,
slashes or NUL bytes) can place a file anywhere. A value that does not parse reads as
missing and is replaced by the next store; a file that is not a database is replaced, with a
warning. :meth:`DiskCache.put_many` stores a batch in one transaction: the link checker
stores a run's answers at once, where a file per answer cost over a second of system time
for a thousand links.

Lint workers share the database: it is in write-ahead-log mode, so readers never wait for
a writer, and a writer waits up to ``lock_timeout`` for another one to commit.

The cache never raises for I/O problems. When the directory or the database cannot be
created or written (or another process holds it locked too long), the cache switches itself
off and records a warning for the caller to show: a run without a cache is slower, not
wrong."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_DIR_ENV = "BLOGTOOL_CACHE_DIR"
DATABASE_NAME = "cache.sqlite3"
_COMPANIONS = (f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm")  # SQLite's log and its index
DEFAULT_MAX_AGE = 86400.0
_FORMAT_VERSION = 1  # PRAGMA user_version of a database this code wrote
_NAMESPACE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries ("
    " namespace TEXT NOT NULL, key BLOB NOT NULL, stored_at REAL NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (namespace, key)) WITHOUT ROWID"
)


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$BLOGTOOL_CACHE_DIR``, else ``$XDG_CACHE_HOME/blogtool``, else ``~/.cache/blogtool``."""
    env = os.environ if environ is None else environ
    explicit = env.get(CACHE_DIR_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = env.get("XDG_CACHE_HOME")
    # The XDG spec says a relative value is invalid and must be ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "blogtool"
    home = env.get("HOME")
    return (Path(home) if home else Path.home()) / ".cache" / "blogtool"


@dataclass(frozen=True)
class CacheEntry:
    value: Any
    stored_at: float


class DiskCache:
    """JSON values under ``(namespace, key)``, each fresh for ``max_age`` seconds.

    Use :meth:`open` to get one: it picks the default directory and checks that the database
    can be written. ``clock`` returns the current time in seconds since the epoch; tests pass
    a fake one. ``lock_timeout`` is how long to wait for another process's write to finish.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.time,
        lock_timeout: float = 5.0,
    ) -> None:
        self.directory = Path(directory)
        self.max_age = max_age
        self._clock = clock
        self._lock_timeout = lock_timeout
        self._enabled = True
        self._warnings: list[str] = []
        self._db: sqlite3.Connection | None = None

    @classmethod
    def open(
        cls,
        directory: str | os.PathLike[str] | None = None,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.time,
    ) -> DiskCache:
        """A cache in ``directory`` (default: :func:`default_cache_dir`), created if needed.

        If the database cannot be written, the returned cache is disabled and
        :attr:`warnings` says why.
        """
        path = default_cache_dir() if directory is None else directory
        cache = cls(path, max_age=max_age, clock=clock)
        cache._connect()
        return cache

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(self._warnings)

    @property
    def path(self) -> Path:
        """The database file."""
        return self.directory / DATABASE_NAME

    def get(self, namespace: str, key: str, *, max_age: float | None = None) -> CacheEntry | None:
        """The entry for ``key`` if one was stored less than ``max_age`` seconds ago."""
        _check_namespace(namespace)
        db = self._connect()
        if db is None:
            return None
        try:
            row = db.execute(
                "SELECT stored_at, value FROM entries WHERE namespace = ? AND key = ?",
                (namespace, _key_bytes(key)),
            ).fetchone()
        except sqlite3.Error as exc:
            self._disable(exc)
            return None
        entry = _entry_from_row(row)
        if entry is None:
            return None
        age = self._clock() - entry.stored_at
        limit = self.max_age if max_age is None else max_age
        # A negative age means the clock went back or the entry came from elsewhere: distrust it.
        if age < 0 or age >= limit:
            return None
        return entry

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store ``value`` (anything :func:`json.dumps` accepts) under ``key``."""
        self.put_many(namespace, [(key, value)])

    def put_many(self, namespace: str, items: Iterable[tuple[str, Any]]) -> None:
        """Store every ``(key, value)`` of ``items`` in one transaction: all or none."""
        _check_namespace(namespace)
        now = self._clock()
        rows = [(namespace, _key_bytes(key), now, json.dumps(value)) for key, value in items]
        db = self._connect() if rows else None
        if db is None:
            return
        try:
            with db:
                db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", rows)
        except sqlite3.Error as exc:
            self._disable(exc)

    def trim(self, namespace: str, keep: int) -> None:
        """Drop all but the ``keep`` most recently stored entries of ``namespace``."""
        _check_namespace(namespace)
        db = self._connect()
        if db is None:
            return
        try:
            (count,) = db.execute(
                "SELECT count(*) FROM entries WHERE namespace = ?", (namespace,)
            ).fetchone()
            if count <= keep:
                return
            with db:
                db.execute(
                    "DELETE FROM entries WHERE namespace = ? AND key IN (SELECT key FROM entries"
                    " WHERE namespace = ? ORDER BY stored_at DESC LIMIT -1 OFFSET ?)",
                    (namespace, namespace, keep),
                )
        except sqlite3.Error as exc:
            self._disable(exc)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _connect(self) -> sqlite3.Connection | None:
        """The open database, opened (and created, or replaced if damaged) on first use."""
        if self._db is not None or not self._enabled:
            return self._db
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            try:
                self._db = self._open_database()
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) or not self.path.is_file():
                    raise
                # Not a database (a torn copy, another program's file): it only held a cache.
                for name in (DATABASE_NAME, *_COMPANIONS):
                    (self.directory / name).unlink(missing_ok=True)
                self._warnings.append(
                    f"the cache file {self.path} was damaged ({exc}); replaced with an empty one"
                )
                self._db = self._open_database()
        except (OSError, sqlite3.Error) as exc:
            self._disable(exc)
        return self._db

    def _open_database(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self._lock_timeout)
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _FORMAT_VERSION):
                raise sqlite3.OperationalError(
                    f"written by another version of blogtool (format {version})"
                )
            # Parallel lint workers read and write here at once. With a write-ahead log a
            # reader never waits for a writer; NORMAL syncs the log at checkpoints only, so a
            # power cut may lose the newest entries but never damages the file.
            with contextlib.suppress(sqlite3.OperationalError):
                # busy converting for another process: it will be WAL for the next run
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            if version == 0:
                with db:
                    db.execute(_SCHEMA)
                    db.execute(f"PRAGMA user_version = {_FORMAT_VERSION}")
        except BaseException:
            db.close()
            raise
        return db

    def _disable(self, exc: Exception) -> None:
        if self._enabled:
            if isinstance(exc, OSError):
                reason = exc.strerror or exc.__class__.__name__
                problem = f"cannot write the cache directory {self.directory} ({reason})"
            else:
                problem = f"cannot use the cache {self.path} ({exc or exc.__class__.__name__})"
            self._warnings.append(f"{problem}; continuing without a cache")
        self._enabled = False
        self.close()


def _check_namespace(namespace: str) -> None:
    if not _NAMESPACE.fullmatch(namespace):
        raise ValueError(
            f"invalid cache namespace {namespace!r}: use lowercase letters, digits, '-' and '_'"
        )


def _key_bytes(key: str) -> bytes:
    # Bytes, so a key with a lone surrogate (a URL decoded with surrogateescape) is stored too.
    return key.encode("utf-8", "surrogatepass")


def _entry_from_row(row: tuple[Any, Any] | None) -> CacheEntry | None:
    if row is None:
        return None
    stored_at, text = row
    if not isinstance(stored_at, int | float) or not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return CacheEntry(value=value, stored_at=float(stored_at))
