"""A baseline file: known violations an old draft may keep while new ones are reported.

Entries match on path, rule and the text of the flagged line (not its number), so edits
elsewhere in the draft do not resurrect them; each entry absorbs one violation.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from .atomic import atomic_write_text
from .engine import FileResult

VERSION = 1


class BaselineError(ValueError):
    pass


def _key(path: str, rule: str, line_text: str) -> tuple[str, str, str]:
    return (Path(path).as_posix(), rule, " ".join(line_text.split()))


def _line_text(path: str, line: int, cache: dict[str, list[str]]) -> str:
    if path not in cache:
        try:
            cache[path] = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def write_baseline(path: Path, results: Sequence[FileResult]) -> int:
    cache: dict[str, list[str]] = {}
    entries = [
        {
            "path": Path(v.path).as_posix(),
            "rule": v.rule_id,
            "line_text": " ".join(_line_text(v.path, v.line, cache).split()),
        }
        for r in results
        for v in r.violations
    ]
    atomic_write_text(path, json.dumps({"version": VERSION, "entries": entries}, indent=1) + "\n")
    return len(entries)


def apply_baseline(path: Path, results: Iterable[FileResult]) -> int:
    """Drop baselined violations from ``results`` in place; returns how many were dropped."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = Counter(_key(e["path"], e["rule"], e["line_text"]) for e in data["entries"])
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BaselineError(f"{path}: not a blogtool baseline file ({exc})") from None
    cache: dict[str, list[str]] = {}
    dropped = 0
    for result in results:
        kept = []
        for v in result.violations:
            key = _key(v.path, v.rule_id, _line_text(v.path, v.line, cache))
            if entries[key] > 0:
                entries[key] -= 1
                dropped += 1
            else:
                kept.append(v)
        result.violations = kept
    return dropped
