"""A baseline file: known violations an old draft may keep while new ones are reported.

Entries match on path, rule and the text of the flagged line (not its number), so edits
elsewhere in the draft do not resurrect them; each entry absorbs one violation. An entry
that absorbs nothing in a file that was linted is *stale*: its problem was fixed (or its
line was edited), and ``--write-baseline`` would drop it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_write_text
from .engine import FileResult

VERSION = 1


class BaselineError(ValueError):
    pass


@dataclass(frozen=True)
class BaselineEntry:
    """One recorded violation: where, which rule, and the flagged line's text."""

    path: str
    rule: str
    line_text: str


@dataclass(frozen=True)
class BaselineOutcome:
    """What applying a baseline did: violations hidden, entries that matched nothing."""

    hidden: int
    stale: tuple[BaselineEntry, ...]


def _entry(path: str, rule: str, line_text: str) -> BaselineEntry:
    return BaselineEntry(Path(path).as_posix(), rule, " ".join(line_text.split()))


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
        _entry(v.path, v.rule_id, _line_text(v.path, v.line, cache))
        for r in results
        for v in r.violations
    ]
    payload = {
        "version": VERSION,
        "entries": [{"path": e.path, "rule": e.rule, "line_text": e.line_text} for e in entries],
    }
    atomic_write_text(path, json.dumps(payload, indent=1) + "\n")
    return len(entries)


def read_baseline(path: Path) -> list[BaselineEntry]:
    """The entries of a baseline file; BaselineError if it is missing or not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [_entry(e["path"], e["rule"], e["line_text"]) for e in data["entries"]]
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except RecursionError:
        raise BaselineError(f"{path}: not a blogtool baseline file (nested too deeply)") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BaselineError(f"{path}: not a blogtool baseline file ({exc})") from None


def apply_baseline(
    path: Path, results: Iterable[FileResult], rules: Collection[str] | None = None
) -> BaselineOutcome:
    """Drop baselined violations from ``results`` in place; say what was hidden and what is stale.

    Only entries for files linted in this run can be stale, and, when ``rules`` (the rule
    IDs that ran) is given, only entries of those rules: an entry for a file or rule left
    out of this run proves nothing.
    """
    left = Counter(read_baseline(path))
    cache: dict[str, list[str]] = {}
    hidden = 0
    linted: set[str] = set()
    for result in results:
        if result.error is None:
            linted.add(Path(result.path).as_posix())
        kept = []
        for v in result.violations:
            key = _entry(v.path, v.rule_id, _line_text(v.path, v.line, cache))
            if left[key] > 0:
                left[key] -= 1
                hidden += 1
            else:
                kept.append(v)
        result.violations = kept
    stale = tuple(
        entry
        for entry, count in left.items()
        if entry.path in linted and (rules is None or entry.rule in rules)
        for _ in range(count)
    )
    return BaselineOutcome(hidden, stale)


def stale_messages(stale: Sequence[BaselineEntry], baseline: str, limit: int = 10) -> list[str]:
    """Lines for stderr: the first ``limit`` stale entries, then one summary line."""
    if not stale:
        return []
    lines = [
        f"{e.path}: baseline entry {e.rule} no longer matches: {_clip(e.line_text, 60)!r}"
        for e in stale[:limit]
    ]
    if len(stale) > limit:
        lines.append(f"... and {len(stale) - limit} more")
    noun = "entry no longer matches" if len(stale) == 1 else "entries no longer match"
    lines.append(
        f"{len(stale)} baseline {noun} in {baseline} (fixed?); to prune, rewrite it with "
        f"`blogtool lint --write-baseline {baseline}` over all the drafts it covers"
    )
    return lines


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
