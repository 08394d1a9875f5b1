"""A small disk cache of JSON values, so repeated runs skip network work they did recently.

Layout: ``<directory>/<namespace>/<hh>/<sha256 of key>.json``. Keys are hashed, never used as
paths, so no key (a URL with ``..``, slashes or NUL bytes) can place a file outside the
directory. Each file records its key and when it was stored; a file that does not parse, has
another shape or belongs to another key is treated as missing and rewritten on the next store.

The cache never raises for I/O problems. When the directory cannot be created or written, the
cache switches itself off and records a warning for the caller to show: a run without a cache
is slower, not wrong.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CACHE_DIR_ENV = "BLOGTOOL_CACHE_DIR"
DEFAULT_MAX_AGE = 86400.0
_FORMAT_VERSION = 1
_NAMESPACE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


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


def cache_key_digest(key: str) -> str:
    """The file name stem for ``key``: a hex digest, so it is always a plain file name."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    value: Any
    stored_at: float


class DiskCache:
    """JSON values under ``(namespace, key)``, each fresh for ``max_age`` seconds.

    Use :meth:`open` to get one: it picks the default directory and checks that it is writable.
    ``clock`` returns the current time in seconds since the epoch; tests pass a fake one.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = Path(directory)
        self.max_age = max_age
        self._clock = clock
        self._enabled = True
        self._warnings: list[str] = []
        self._made: set[Path] = set()  # folders known to exist: no mkdir per entry
        # Whether each namespace's folder existed when first asked: a cold cache answers a
        # thousand lookups without trying to open a thousand files.
        self._namespaces: dict[str, bool] = {}

    @classmethod
    def open(
        cls,
        directory: str | os.PathLike[str] | None = None,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Callable[[], float] = time.time,
    ) -> DiskCache:
        """A cache in ``directory`` (default: :func:`default_cache_dir`), created if needed.

        If the directory cannot be written, the returned cache is disabled and
        :attr:`warnings` says why.
        """
        path = default_cache_dir() if directory is None else directory
        cache = cls(path, max_age=max_age, clock=clock)
        cache._probe()
        return cache

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(self._warnings)

    def path_for(self, namespace: str, key: str) -> Path:
        _check_namespace(namespace)
        digest = cache_key_digest(key)
        return self.directory / namespace / digest[:2] / f"{digest}.json"

    def get(self, namespace: str, key: str, *, max_age: float | None = None) -> CacheEntry | None:
        """The entry for ``key`` if one was stored less than ``max_age`` seconds ago."""
        path = self.path_for(namespace, key)
        if not self._enabled:
            return None
        holds = self._namespaces.get(namespace)
        if holds is None:
            holds = self._namespaces[namespace] = path.parent.parent.is_dir()
        if not holds:
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            return None
        entry = _entry_from_record(record, key)
        if entry is None:
            return None
        age = self._clock() - entry.stored_at
        limit = self.max_age if max_age is None else max_age
        # A negative age means the clock went back or the file came from elsewhere: distrust it.
        if age < 0 or age >= limit:
            return None
        return entry

    def put(self, namespace: str, key: str, value: Any) -> None:
        """Store ``value`` (anything :func:`json.dumps` accepts) under ``key``, atomically."""
        path = self.path_for(namespace, key)
        if not self._enabled:
            return
        record = {
            "version": _FORMAT_VERSION,
            "key": key,
            "stored_at": self._clock(),
            "value": value,
        }
        text = json.dumps(record)
        try:
            if path.parent not in self._made:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(path.parent)
                self._namespaces[namespace] = True
            _write_atomically(path, text)
        except OSError as exc:
            self._disable(exc)

    def _probe(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(dir=self.directory, prefix=".probe-")
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            self._disable(exc)

    def _disable(self, exc: OSError) -> None:
        if self._enabled:
            reason = exc.strerror or exc.__class__.__name__
            self._warnings.append(
                f"cannot write the cache directory {self.directory} ({reason}); "
                "continuing without a cache"
            )
        self._enabled = False


def _check_namespace(namespace: str) -> None:
    if not _NAMESPACE.fullmatch(namespace):
        raise ValueError(
            f"invalid cache namespace {namespace!r}: use lowercase letters, digits, '-' and '_'"
        )


def _entry_from_record(record: object, key: str) -> CacheEntry | None:
    if not isinstance(record, dict):
        return None
    stored_at = record.get("stored_at")
    if (
        record.get("version") != _FORMAT_VERSION
        or record.get("key") != key
        or "value" not in record
        or isinstance(stored_at, bool)
        or not isinstance(stored_at, int | float)
    ):
        return None
    return CacheEntry(value=record["value"], stored_at=float(stored_at))


def _write_atomically(path: Path, text: str) -> None:
    # Readers (another blogtool process, say) see the old file or the new one, never half of one.
    # Plain os calls, four system calls an entry: a link check stores a thousand of them.
    # The temporary name is unique per process and entry; O_EXCL refuses a stale leftover,
    # which is removed and tried once more.
    tmp = path.with_name(f".tmp-{path.stem[:16]}-{os.getpid()}.json")
    data = text.encode("utf-8")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except FileExistsError:
        os.unlink(tmp)
        fd = os.open(tmp, flags, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
