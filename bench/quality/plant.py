"""Where a defect can go in a post, and the post with it planted.

Places are found by a small scanner of our own, not by blogtool's Document: the harness must
not inherit the parser it measures. A *boundary* is a host line that starts a top-level block
after a blank line, outside fences, display math, comments, front matter, raw HTML and Liquid
blocks: a block variant goes just before it, followed by a blank line. A *prose line* is a
top-level line of a paragraph that ends a sentence: an inline variant is appended to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .variants import Variant

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_RAW_OPEN = re.compile(r"^\s*<(script|pre|style|textarea)\b", re.IGNORECASE)
_LIQUID_OPEN = re.compile(r"^\s*\{%-?\s*(raw|highlight|comment)\b")
_NOTES = ('"""', "'''")


def _top_level(lines: list[str]) -> list[bool]:
    """For each line: does it start outside every multi-line construct opened before it?"""
    out = []
    closer: re.Pattern[str] | str | None = None
    fence = ""
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is not None:
            out = [False] * (end + 1)
            start = end + 1
    for line in lines[start:]:
        stripped = line.strip()
        out.append(closer is None and not fence)
        if fence:
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                fence = ""
            continue
        if closer is not None:
            done = closer.search(line) if isinstance(closer, re.Pattern) else closer in line
            if done:
                closer = None
            continue
        if m := _FENCE.match(line):
            fence = m.group(1)
        elif stripped.startswith("$$") and "$$" not in stripped[2:]:
            closer = "$$"
        elif "<!--" in line and "-->" not in line.split("<!--")[-1]:
            closer = "-->"
        elif m := _RAW_OPEN.match(line):
            if f"</{m.group(1).lower()}" not in line.lower():
                closer = re.compile(rf"</{m.group(1)}\s*>", re.IGNORECASE)
        elif m := _LIQUID_OPEN.match(line):
            closer = re.compile(rf"\{{%-?\s*end{m.group(1)}\b")
        elif stripped in _NOTES:
            closer = stripped
    return out


@dataclass(frozen=True)
class Places:
    boundaries: tuple[int, ...]  # 0-based host line indexes a block may be inserted before
    prose: tuple[int, ...]  # 0-based host line indexes an inline variant may be appended to


def places(text: str) -> Places:
    lines = text.split("\n")
    top = _top_level(lines)
    boundaries, prose = [], []
    for i, line in enumerate(lines):
        if not top[i] or not line.strip():
            continue
        if i > 0 and not lines[i - 1].strip() and not line[0].isspace():
            boundaries.append(i)
        if (
            line[0].isalpha()
            and len(line) >= 40
            and line.rstrip().endswith(".")
            and not line.lstrip().startswith(("|", "<", "{%", ":"))
        ):
            prose.append(i)
    return Places(tuple(boundaries), tuple(prose))


@dataclass(frozen=True)
class Planted:
    """A post with a defect (and maybe a slip before it) planted, and where they are.

    Lines are 1-based and inclusive in the planted text; ``marks`` are (line, start col,
    end col) with 0-based columns. ``inserted`` lists the line ranges that are new, so a
    line of the planted text can be mapped back to the host (``host_line``).
    """

    text: str
    window: tuple[int, int]
    marks: tuple[tuple[int, int, int], ...]
    slip_window: tuple[int, int] | None
    inserted: tuple[tuple[int, int], ...]

    def host_line(self, line: int) -> int | None:
        """The host's line number of planted line ``line``, or None for a new line."""
        shift = 0
        for first, last in self.inserted:
            if line < first:
                break
            if line <= last:
                return None
            shift += last - first + 1
        return line - shift


def plant(host: str, defect: Variant, at: int, slip: Variant | None = None, slip_at: int = 0):
    """``host`` with ``defect`` at host line ``at`` (before it, or appended if inline).

    ``slip``, if given, is a block inserted before host line ``slip_at`` (``slip_at <= at``,
    and it comes first when both go before the same line).
    """
    lines = host.split("\n")
    out: list[str] = []
    inserted: list[tuple[int, int]] = []
    window = (0, 0)
    slip_window = None
    marks: tuple[tuple[int, int, int], ...] = ()

    def insert_block(variant: Variant) -> tuple[int, int]:
        first = len(out) + 1
        out.extend(variant.lines)
        last = len(out)
        out.append("")
        inserted.append((first, last + 1))
        return first, last

    for i, line in enumerate(lines):
        if slip is not None and i == slip_at:
            slip_window = insert_block(slip)
        if i == at and not defect.inline:
            window = insert_block(defect)
            marks = tuple((window[0] + m.line, m.start, m.end) for m in defect.marks)
        if i == at and defect.inline:
            sep = "" if not line or line.endswith(" ") else " "
            offset = len(line) + len(sep)
            out.append(line + sep + defect.text)
            window = (len(out), len(out))
            marks = tuple((len(out), offset + m.start, offset + m.end) for m in defect.marks)
            continue
        out.append(line)
    if window == (0, 0):
        raise ValueError(f"host line {at} is past the end of the post")
    return Planted("\n".join(out), window, marks, slip_window, tuple(inserted))


def choose(rng, places_: Places, variant: Variant) -> tuple[int, int] | None:
    """A defect place and a slip place at most three blocks before it, or None."""
    if variant.inline:
        spots = [i for i in places_.prose if places_.boundaries and places_.boundaries[0] <= i]
        if not spots:
            return None
        at = rng.choice(spots)
        before = [b for b in places_.boundaries if b <= at]
    else:
        if len(places_.boundaries) < 2:
            return None
        k = rng.randrange(1, len(places_.boundaries))
        at = places_.boundaries[k]
        before = list(places_.boundaries[:k])
    return at, rng.choice(before[-3:])
