"""Reading drafts from disk or stdin: the only place file bytes become text."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from pathlib import Path

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
        size = path.stat().st_size
        if size > max_size:
            raise InputError(
                f"{path}: {size / 1e6:.1f} MB is larger than max_file_size "
                f"({max_size / 1e6:.1f} MB); not linted"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return decode(data, str(path))


def discover(
    paths: Iterable[str], exclude: Iterable[str] = (), force_exclude: bool = False
) -> tuple[list[Path], list[str]]:
    """Markdown files named or found below the given paths, and errors for bad paths.

    ``exclude`` applies to files found in directories; with ``force_exclude`` it applies
    to files named one by one too (as pre-commit names them).
    """
    exclude = list(exclude)
    found: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            below = sorted(_walk(path))
            kept = [p for p in below if not _excluded(p, exclude)]
            if not kept:
                errors.append(f"{path}: no Markdown files found")
            found.extend(kept)
        elif path.exists():
            if not (force_exclude and _excluded(path, exclude)):
                found.append(path)
        else:
            errors.append(f"{path}: no such file or directory")
    unique = list(dict.fromkeys(found))
    return unique, errors


def _walk(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS and not d.startswith(".")]
        for name in filenames:
            if name.lower().endswith(MARKDOWN_SUFFIXES):
                yield Path(dirpath) / name


def _excluded(path: Path, patterns: list[str]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(text, pat) or fnmatch.fnmatch(path.name, pat) for pat in patterns)
