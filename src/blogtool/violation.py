"""The one record every rule produces and every formatter consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """Ordered so that ``max()`` over a run gives its worst outcome."""

    OFF = 0
    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown severity {value!r} (expected error, warning, info or off)"
            ) from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` of the Document's text with ``replacement``.

    Offsets are into ``Document.text`` (BOM dropped, line endings as ``\n``); whoever
    applies an edit to a file maps them back onto the file's own characters, so nothing
    outside the span changes.
    """

    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Fix:
    """A mechanical repair for one finding: non-overlapping edits, applied together.

    ``safe`` fixes are applied by ``lint --fix``; the others only with ``--unsafe-fixes``
    (they are right in the usual case but may change what the author meant).
    """

    edits: tuple[Edit, ...]
    title: str
    safe: bool = True


@dataclass(frozen=True, order=True)
class Violation:
    """One finding. Lines and columns are 1-based; ``end_col`` is exclusive."""

    path: str
    line: int
    col: int
    rule_id: str
    message: str
    severity: Severity = Severity.ERROR
    end_line: int = 0
    end_col: int = 0
    rule_name: str = ""
    fix: Fix | None = field(default=None, compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.col, self.rule_id, self.message)
