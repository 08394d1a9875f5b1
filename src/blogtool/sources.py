"""Reading drafts from disk or stdin: the only place file bytes become text.

Only regular files are read, and never more than the size limit: a FIFO named ``*.md``
would block a run forever, and ``/dev/zero`` reports a size of 0 and never ends. A symbolic
link found in the linted tree is followed only when its target lies inside the tree (the
directory being linted, or the current directory): on CI for an untrusted pull request,
``drafts/users.md -> /etc/passwd`` must not get its lines quoted into annotations. Each
file skipped is one line for the user.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", "_site"}


class InputError(ValueError):
    """A file blogtool cannot lint, worded for the user."""


def decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks like a binary file (NUL bytes); not linted")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{name}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8 to lint it"
        ) from None


def read_source(path: Path, max_size: int) -> str:
    try:
        # Non-blocking, so opening a FIFO returns at once instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            data = _read_regular(fd, path, max_size)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return decode(data, str(path))


def _read_regular(fd: int, path: Path, max_size: int) -> bytes:
    info = os.fstat(fd)
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: not a regular file ({_kind(info.st_mode)}); skipped")
    if info.st_size > max_size:
        raise _too_large(path, max_size, info.st_size)
    # Read no more than the limit allows even if the file grows while it is read.
    chunks: list[bytes] = []
    size = 0
    while size <= max_size:
        chunk = os.read(fd, min(1 << 20, max_size + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > max_size:
        raise _too_large(path, max_size)
    return b"".join(chunks)


def _too_large(path: Path, max_size: int, size: int | None = None) -> InputError:
    """``size`` is None when the file held more than its size said (it grew, or it is a
    file such as those in /proc whose size reads 0)."""
    what = f"{_size(size)} is larger" if size is not None else "it is larger"
    return InputError(f"{path}: {what} than max_file_size ({_size(max_size)}); not linted")


def _size(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a file")


class Excludes:
    """gitignore-style patterns, read relative to a directory (the config file's), as git
    reads a ``.gitignore``: ``drafts/archive/*`` means that folder of the project wherever
    blogtool runs from and however a draft is named (relative, absolute, ``../``), a
    pattern without a slash (``*.tmp.md``) matches at any depth, ``/x.md`` only at the top.
    A file outside the directory is matched by its name alone.
    """

    def __init__(self, patterns: Iterable[str] = (), root: Path | None = None) -> None:
        self.patterns = tuple(patterns)
        self.root = (root or Path.cwd()).resolve()
        self._spec = compile_excludes(self.patterns) if self.patterns else None

    def __call__(self, path: Path) -> bool:
        if self._spec is None:
            return False
        # the folder resolved, the name kept: a symbolic link is judged by where it is
        where = path.absolute().parent.resolve() / path.name
        try:
            relative = where.relative_to(self.root).as_posix()
        except ValueError:
            relative = path.name
        return self._spec.match_file(relative)


def compile_excludes(patterns: Iterable[str]) -> Any:
    """A compiled ``pathspec.GitIgnoreSpec``; ValueError naming a pattern git would reject."""
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(list(patterns))


def discover(
    paths: Iterable[str],
    exclude: Iterable[str] | Excludes = (),
    force_exclude: bool = False,
) -> tuple[list[Path], list[str]]:
    """Markdown files named or found below the given paths, and errors for bad paths.

    ``exclude`` applies to files found in directories; with ``force_exclude`` it applies
    to files named one by one too (as pre-commit names them). Patterns given as strings
    are relative to the working directory; the CLI passes :class:`Excludes` relative to
    the config file's directory.
    """
    excluded = exclude if isinstance(exclude, Excludes) else Excludes(exclude)
    found: list[Path] = []
    errors: list[str] = []
    here = Path.cwd().resolve()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            below = sorted(_walk(path))
            kept = [p for p in below if not excluded(p)]
            if not kept:
                errors.append(f"{path}: no Markdown files found")
            tree = (path.resolve(), here)
        elif path.exists():
            kept = [] if force_exclude and excluded(path) else [path]
            tree = (path.parent.resolve(), here)
        else:
            errors.append(f"{path}: no such file or directory")
            continue
        for candidate in kept:
            outside = _link_outside(candidate, tree)
            if outside is None:
                found.append(candidate)
            else:
                errors.append(
                    f"{candidate}: a symbolic link to {outside}, outside the linted tree; skipped"
                )
    unique = list(dict.fromkeys(found))
    return unique, errors


def _link_outside(path: Path, tree: tuple[Path, ...]) -> Path | None:
    """Where ``path`` leads when it is a symbolic link out of every directory of ``tree``."""
    if not path.is_symlink():
        return None
    target = path.resolve()
    if any(target.is_relative_to(root) for root in tree):
        return None
    return target


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in filenames:
            if name.lower().endswith(MARKDOWN_SUFFIXES):
                yield Path(dirpath) / name
