"""Suppression comments: ``<!-- blogtool-disable-next-line BT101 -->`` and friends.

* ``blogtool-disable-next-line [RULE ...]``: the next non-blank line.
* ``blogtool-disable-line [RULE ...]``: the line the comment is on.
* ``blogtool-disable [RULE ...]`` ... ``blogtool-enable [RULE ...]``: a range of lines.
* ``blogtool-disable-file [RULE ...]``: the whole file.

No rule means every rule. Rules are named by ID or name; an unknown one is ignored here
(the ``unknown-suppression`` check is left to the engine's caller).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .document import Document

_DIRECTIVE = re.compile(
    r"^\s*blogtool-(disable-next-line|disable-line|disable-file|disable|enable)\b([^>]*)$", re.S
)
ALL = "*"


@dataclass
class Suppressions:
    whole_file: set[str] = field(default_factory=set)
    # rule key -> list of (first_line, last_line) inclusive
    ranges: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def add(self, key: str, first: int, last: int) -> None:
        self.ranges.setdefault(key, []).append((first, last))

    def suppressed(self, rule_id: str, line: int) -> bool:
        if ALL in self.whole_file or rule_id in self.whole_file:
            return True
        for key in (ALL, rule_id):
            for first, last in self.ranges.get(key, ()):
                if first <= line <= last:
                    return True
        return False


def collect(doc: Document, resolve: Callable[[str], str | None]) -> Suppressions:
    """Read every directive comment of a document; ``resolve`` maps an id or name to an ID."""
    found = Suppressions()
    open_ranges: dict[str, int] = {}
    nlines = len(doc.lines)
    for comment in doc.comments:
        m = _DIRECTIVE.match(comment.body)
        if not m:
            continue
        verb = m.group(1)
        keys = [resolve(word) or word for word in m.group(2).replace(",", " ").split()] or [ALL]
        line, _ = doc.position(comment.start)
        end_line, _ = doc.position(comment.end)
        if verb == "disable-file":
            found.whole_file.update(keys)
        elif verb == "disable-line":
            for key in keys:
                found.add(key, line, end_line)
        elif verb == "disable-next-line":
            target = end_line + 1
            while target <= nlines and not doc.line_text(target).strip():
                target += 1
            for key in keys:
                found.add(key, target, target)
        elif verb == "disable":
            for key in keys:
                open_ranges.setdefault(key, line)
        else:  # enable
            for key in keys if keys != [ALL] else list(open_ranges):
                first = open_ranges.pop(key, None)
                if first is not None:
                    found.add(key, first, line)
    for key, first in open_ranges.items():
        found.add(key, first, nlines)
    return found
