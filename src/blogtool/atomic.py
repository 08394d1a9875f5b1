"""Write files so that a crash leaves either the old file or the new one, never half."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to a temporary file beside ``path``, fsync it, then rename it over.

    An existing file keeps its permissions; a new one gets the usual ones (0666 less the
    umask).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    mode = None
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        pass
    # Refused even for root, whom os.access lets through: the rename would replace the file.
    if mode is not None and (not mode & 0o222 or not os.access(path, os.W_OK)):
        raise PermissionError(13, "file is read-only", str(path))
    fd, tmp = _create_temporary(directory, path.name)
    try:
        # A file name that is not UTF-8 (surrogate-escaped by os) must not make a report
        # unwritable; it is written as \udcff, which a JSON reader decodes back to the name.
        with os.fdopen(fd, "w", encoding=encoding, errors="backslashreplace", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _create_temporary(directory: Path, name: str) -> tuple[int, str]:
    # Not tempfile.mkstemp: it creates files 0600, which a new report or baseline would keep.
    for _ in range(100):
        tmp = str(directory / f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(17, "no free temporary file name", str(directory))
