"""Write files so that a crash leaves either the old file or the new one, never half, and
the file keeps who it is: its owner, group and mode, its other names, the link that named it.

Most files are written to a temporary file beside them, flushed, and renamed over the old
one. Where a rename would change what the file is, the new text is written in place
instead, with a copy of the old text beside it until the write is complete:

- a file with several names (hard links): a rename would give only this name the new text;
- a file whose owner or group the new file cannot be given (only root may give files away).

A symbolic link is written through: its target gets the new text and the link stays.
``/dev/stdout``, ``/dev/stderr`` and ``/dev/fd/N`` are written to that descriptor, and any
other file that is not a regular one (a FIFO, a device) is written directly.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
from pathlib import Path

_STANDARD_STREAMS = {"/dev/stdout": 1, "/dev/stderr": 2}
_DESCRIPTOR_PATH = re.compile(r"/(?:dev/fd|proc/self/fd)/([0-9]+)")
_DEFAULT_NAME_MAX = 255


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path``: atomically where a rename keeps the file what it was,
    in place with a backup beside it where it would not (see the module docstring).

    An existing file keeps its permissions, owner and group; a new one gets the usual
    permissions (0666 less the umask). A file with no write permission is refused, even
    for root.
    """
    # A file name that is not UTF-8 (surrogate-escaped by os) must not make a report
    # unwritable; it is written as \udcff, which a JSON reader decodes back to the name.
    data = text.encode(encoding, errors="backslashreplace")
    path = Path(path)
    descriptor = _descriptor(path)
    if descriptor is not None:
        _write_all(descriptor, data)
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))  # the file the link names gets the text
    try:
        info: os.stat_result | None = path.stat()
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_special(path, data)
        return
    mode = stat.S_IMODE(info.st_mode) if info is not None else None
    # Refused even for root, whom os.access lets through: the write would change the file.
    if mode is not None and (not mode & 0o222 or not os.access(path, os.W_OK)):
        raise PermissionError(13, "file is read-only", str(path))
    if info is not None and info.st_nlink > 1:
        write_in_place(path, data)
        return
    if not _replace(path, data, info):
        write_in_place(path, data)


def _replace(path: Path, data: bytes, info: os.stat_result | None) -> bool:
    """Write a temporary file and rename it over ``path``; False (nothing changed) when the
    temporary file cannot be given the old file's owner and group."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = _create_temporary(directory, path.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            kept = info is None or _same_owner(handle.fileno(), info)
            if info is not None and kept:
                # After the owner: changing the owner clears the set-user-ID bit.
                os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))
            if not kept:
                raise _OwnerNotKept
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, _OwnerNotKept):
            return False
        raise
    return True


class _OwnerNotKept(Exception):
    """The temporary file cannot be given the old file's owner and group."""


def _same_owner(fd: int, info: os.stat_result) -> bool:
    """Give the file open as ``fd`` the owner and group of ``info``; whether it has them."""
    current = os.fstat(fd)
    if (current.st_uid, current.st_gid) == (info.st_uid, info.st_gid):
        return True
    if not hasattr(os, "fchown"):
        return True  # no owners to keep (Windows)
    try:
        os.fchown(fd, info.st_uid, info.st_gid)
    except PermissionError:
        return False
    return True


def write_in_place(path: Path, data: bytes) -> None:
    """Overwrite ``path`` keeping its inode (its owner, group, mode and other names).

    The old content is copied to a hidden backup beside the file first, and removed once the
    new content is on disk. If writing fails, the old content is put back; if even that
    fails, the backup stays and the error names it.
    """
    old = path.read_bytes()
    backup_fd, backup = _create_temporary(path.parent, path.name, suffix="bak", mode=0o600)
    try:
        with os.fdopen(backup_fd, "wb") as handle:
            handle.write(old)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(backup)
        raise
    try:
        _overwrite(path, data)
    except BaseException as exc:
        try:
            _overwrite(path, old)
        except BaseException:
            if isinstance(exc, OSError):
                exc.strerror = f"{exc.strerror}; the old text is kept in {backup}"
            raise exc from None
        os.unlink(backup)
        raise
    os.unlink(backup)


def _overwrite(path: Path, data: bytes) -> None:
    with open(path, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def _descriptor(path: Path) -> int | None:
    """The open descriptor a path such as ``/dev/stdout`` or ``/dev/fd/3`` stands for."""
    name = str(path)
    if name in _STANDARD_STREAMS:
        return _STANDARD_STREAMS[name]
    match = _DESCRIPTOR_PATH.fullmatch(name)
    return int(match.group(1)) if match else None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _write_special(path: Path, data: bytes) -> None:
    # A FIFO or a device: no rename, no truncation, just the bytes.
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def sibling_name(
    name: str, suffix: str, *, hidden: bool = False, name_max: int | None = None
) -> str:
    """``name`` with ``.suffix`` added (``.name.suffix`` if ``hidden``), shortened when the
    result would be longer than the file system allows (255 bytes): then the name is cut and
    a short hash of the whole name keeps it distinct."""
    limit = name_max or _DEFAULT_NAME_MAX
    lead = "." if hidden else ""
    whole = f"{lead}{name}.{suffix}"
    if len(os.fsencode(whole)) <= limit:
        return whole
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:8]
    room = limit - len(os.fsencode(f"{lead}~{digest}.{suffix}"))
    cut = os.fsencode(name)[:room].decode("utf-8", "ignore")
    while len(os.fsencode(cut)) > room:  # a name that is not UTF-8 (surrogate-escaped)
        cut = cut[:-1]
    return f"{lead}{cut}~{digest}.{suffix}"


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        return _DEFAULT_NAME_MAX


def _create_temporary(
    directory: Path, name: str, suffix: str = "tmp", mode: int = 0o666
) -> tuple[int, str]:
    # Not tempfile.mkstemp: it creates files 0600, which a new report or baseline would keep.
    name_max = _name_max(directory)
    for _ in range(100):
        unique = f"{name}.{secrets.token_hex(4)}"
        tmp = str(directory / sibling_name(unique, suffix, hidden=True, name_max=name_max))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(17, "no free temporary file name", str(directory))
