"""Front matter out of place: ``---`` blocks of ``key: value`` lines below line 1.

Jekyll and Hugo read front matter only on the first line; anywhere else Markdown renders
it as a rule and a heading. BT503 reports such a block, and the structure rules leave the
heading it makes out of the post's headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .document import CODE_KINDS, COMMENT, FRONT_MATTER, HTML_RAW, MATH_KINDS, Document

_FENCE_LINE = re.compile(r"---[ \t]*")
_FRONT_MATTER_END = re.compile(r"(?:---|\.\.\.)[ \t]*")
_YAML_KEY = re.compile(r"([A-Za-z_][\w.-]{0,60}):(?:[ \t]|$)")
_YAML_MORE = re.compile(r"[ \t]+\S|- |#")
_NOT_PROSE = CODE_KINDS | MATH_KINDS | {COMMENT, HTML_RAW, FRONT_MATTER}
_MAX_FRONT_MATTER_LINES = 200

FRONT_MATTER_KEYS = [
    "title",
    "layout",
    "date",
    "author",
    "authors",
    "tags",
    "categories",
    "category",
    "description",
    "excerpt",
    "permalink",
    "published",
    "draft",
    "math",
    "mathjax",
    "toc",
    "image",
    "slug",
    "summary",
    "subtitle",
    "series",
    "keywords",
    "lastmod",
    "last_modified_at",
]


@dataclass(frozen=True)
class MisplacedFrontMatter:
    start: int  # the opening ``---``
    end: int  # just past the closing ``---``
    first_line: int  # 1-based line of the opening ``---``
    last_line: int  # 1-based line of the closing ``---``


def misplaced_front_matter(
    doc: Document, keys: list[str] | None = None
) -> list[MisplacedFrontMatter]:
    """``---`` blocks of ``key: value`` lines that are not the front matter at line 1.

    A block counts when every line between the fences looks like YAML (``key: value``,
    indented continuation, ``- item``) and it has a known front-matter key or two keys.
    Markdown renders such a block as a rule and a heading, so structure rules skip it.
    """
    known = {k.lower() for k in (FRONT_MATTER_KEYS if keys is None else keys)}
    lines = doc.lines
    found: list[MisplacedFrontMatter] = []
    i = 0
    while i < len(lines):
        if not _FENCE_LINE.fullmatch(lines[i]) or doc.kind_at(doc.line_starts[i]) in _NOT_PROSE:
            i += 1
            continue
        close = _yaml_block_end(lines, i, known)
        if close is None:
            i += 1
            continue
        start = doc.line_starts[i]
        found.append(
            MisplacedFrontMatter(
                start,
                doc.line_starts[close] + len(lines[close]),
                i + 1,
                close + 1,
            )
        )
        i = close + 1
    return found


def _yaml_block_end(lines: list[str], opener: int, known: set[str]) -> int | None:
    """0-based line of the closing fence of a YAML block opened at ``opener``, or None."""
    keys = 0
    known_keys = 0
    last = min(len(lines), opener + 1 + _MAX_FRONT_MATTER_LINES)
    for j in range(opener + 1, last):
        line = lines[j]
        if _FRONT_MATTER_END.fullmatch(line):
            if keys >= 2 or known_keys:
                return j
            return None
        m = _YAML_KEY.match(line)
        if m:
            keys += 1
            known_keys += m.group(1).lower() in known
        elif not (keys and _YAML_MORE.match(line)):
            return None
    return None
