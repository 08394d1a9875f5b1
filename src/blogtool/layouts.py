"""The shape a draft gives its paper entries, inferred from the entries it already has.

stub writes a new entry in that shape and report counts coverage by it. The layouts:

==============  ==========================================================================
``years``       ``## 2019`` year sections holding ``### Title`` paper sections
``headings``    ``### Title`` paper sections with the link under the heading, no years
``diary``       dated headings (``### 26th January``), the paper's link line under each
``heading-links`` headings that are the paper's link (``## [Title](...)``)
``quotes``      a blockquote per paper (``> [Title](...)``, notes in ``>>``)
``bullets``     a bullet per paper (``- [Title](...)``)
``numbered``    a numbered item per paper (``1. [Title](...)``)
``table``       a table row per paper
``links``       a line per paper (``[Title](...)``), notes below
``titles``      pasted notes: a title line, then bullets
==============  ==========================================================================

The layout is the shape most of the draft's entries have (the latest entry's on a tie).
A draft with no entries has no layout: stub then writes year sections, as it always did.
Dates are read in the styles people write them (``26th January``, ``January 26, 2025``,
``2025-01-26``, ``Mon 3 Feb``) so a new diary entry is dated in the draft's own style.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .dates import ISO_STYLE, DateStyle, parse_date_title
from .document import Document
from .papers import BULLET, HEADING, LINE, NUMBERED, QUOTE, ROW, TITLE, Entry, entries

__all__ = [
    "HEADING_LAYOUTS",
    "LAYOUTS",
    "DateStyle",
    "Layout",
    "infer_layout",
    "parse_date_title",
    "shape_of",
]

YEARS = "years"
HEADINGS = "headings"
DIARY = "diary"
HEADING_LINKS = "heading-links"
QUOTES = "quotes"
BULLETS = "bullets"
NUMBERED_LIST = "numbered"
TABLE = "table"
LINKS = "links"
TITLES = "titles"

# name -> what it looks like (``blogtool stub --help`` and the unknown-layout error list it)
LAYOUTS: dict[str, str] = {
    YEARS: "## YYYY year sections holding ### Title sections",
    HEADINGS: "### Title sections, the link under the heading, no year sections",
    DIARY: "dated headings (### 26th January), the paper's link line under each",
    HEADING_LINKS: "headings that are the paper's link: ## [Title](link)",
    QUOTES: "a blockquote per paper: > [Title](link), notes in >>",
    BULLETS: "a bullet per paper: - [Title](link)",
    NUMBERED_LIST: "a numbered item per paper: 1. [Title](link)",
    TABLE: "a table row per paper",
    LINKS: "a line per paper: [Title](link), notes below it",
    TITLES: "pasted notes: a title line, then bullets",
}
HEADING_LAYOUTS = frozenset({YEARS, HEADINGS, DIARY, HEADING_LINKS})
_KIND_LAYOUT = {
    QUOTE: QUOTES,
    BULLET: BULLETS,
    NUMBERED: NUMBERED_LIST,
    ROW: TABLE,
    LINE: LINKS,
    TITLE: TITLES,
}
# the entry kind each layout writes
LAYOUT_KIND = {
    YEARS: HEADING,
    HEADINGS: HEADING,
    DIARY: HEADING,
    HEADING_LINKS: HEADING,
    **{layout: kind for kind, layout in _KIND_LAYOUT.items()},
}


# --- layouts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """A draft's entry shape and what stub needs to write one more entry like the others.

    ``anchor`` is the entry a new one goes after (``order`` "end") or before ("top").
    """

    name: str
    heading_level: int = 3
    year_level: int = 2
    order: str = "end"
    date_style: DateStyle = ISO_STYLE
    anchor: Entry | None = None
    tight: bool = False  # list and title entries with no blank line between them
    inferred: bool = True
    columns: int = 0  # a table's number of columns

    @property
    def kind(self) -> str:
        return LAYOUT_KIND[self.name]


def infer_layout(doc: Document, year_of: object = None) -> Layout | None:
    """The draft's layout from its entries; None when it has none to go by.

    ``year_of(section) -> int | None`` says which headings are year headings (stub's year
    heading format); by default a heading that is a four-digit year.
    """
    found = [e for e in entries(doc) if not e.slipped]
    is_year = year_of if callable(year_of) else _plain_year
    years = [s for s in doc.sections if is_year(s) is not None]
    if not found:
        if years:
            return Layout(YEARS, year_level=Counter(s.level for s in years).most_common(1)[0][0])
        return None
    shapes = Counter(_shape(e, is_year) for e in found)
    best = max(shapes.values())
    tied = {shape for shape, count in shapes.items() if count == best}
    name = next(_shape(e, is_year) for e in reversed(found) if _shape(e, is_year) in tied)
    mine = [e for e in found if _shape(e, is_year) == name]
    return _describe(doc, name, mine, years)


def layout_named(doc: Document, name: str, year_of: object = None) -> Layout:
    """The layout ``name`` (``--layout``), with what the draft says about its details."""
    is_year = year_of if callable(year_of) else _plain_year
    found = [e for e in entries(doc) if not e.slipped]
    mine = [e for e in found if _shape(e, is_year) == name]
    if not mine:  # no entry of that shape yet: take details from any of the right kind
        mine = [e for e in found if e.kind == LAYOUT_KIND[name]]
    years = [s for s in doc.sections if is_year(s) is not None]
    return _describe(doc, name, mine, years, inferred=False)


def _plain_year(section: object) -> int | None:
    title = getattr(section, "title", "")
    match = re.fullmatch(r"\s*((?:19|20)\d\d)\s*", title)
    return int(match.group(1)) if match else None


def shape_of(entry: Entry, is_year: object = None) -> str:
    """The layout an entry belongs to (``years`` for a paper heading under a year)."""
    return _shape(entry, is_year if callable(is_year) else _plain_year)


def _shape(entry: Entry, is_year: object) -> str:
    if entry.kind != HEADING:
        return _KIND_LAYOUT[entry.kind]
    assert entry.section is not None and callable(is_year)
    node = entry.section.parent
    while node is not None:
        if is_year(node) is not None:
            return YEARS
        node = node.parent
    if entry.in_heading:
        return HEADING_LINKS
    if parse_date_title(entry.section.title) is not None:
        return DIARY
    return HEADINGS


def _describe(
    doc: Document, name: str, mine: list[Entry], years: list, inferred: bool = True
) -> Layout:
    levels = Counter(e.level for e in mine if e.kind == HEADING)
    level = levels.most_common(1)[0][0] if levels else 3
    year_levels = Counter(s.level for s in years)
    year_level = year_levels.most_common(1)[0][0] if year_levels else max(1, level - 1)
    style = ISO_STYLE
    if name == DIARY:
        styles = Counter(
            parsed[0]
            for e in mine
            if e.section is not None and (parsed := parse_date_title(e.section.title))
        )
        if styles:
            style = styles.most_common(1)[0][0]
    order = _order(mine, name)
    anchor = (mine[0] if order == "top" else mine[-1]) if mine else None
    tight = len(mine) > 1 and all(
        not _blank_between(doc, a, b) for a, b in zip(mine, mine[1:], strict=False)
    )
    columns = table_cells(doc.line_text(anchor.line)) if anchor and name == TABLE else 0
    return Layout(name, level, year_level, order, style, anchor, tight, inferred, columns)


def table_cells(row: str) -> int:
    """How many cells a table row has (pipes inside code or escaped do not split)."""
    text = re.sub(r"\\\||`[^`]*`", "x", row.strip())
    return len(text.strip("|").split("|")) if text.strip("|").strip() else 0


def _blank_between(doc: Document, a: Entry, b: Entry) -> bool:
    return any(not doc.line_text(n).strip() for n in range(a.end_line + 1, b.line))


def _order(mine: list[Entry], name: str) -> str:
    """ "top" when the entries run newest first (dates, else arXiv IDs), else "end"."""
    keys: list[tuple[int, ...]] = []
    if name == DIARY:
        for e in mine:
            parsed = parse_date_title(e.section.title) if e.section else None
            if parsed:
                month, day, year = parsed[1]
                keys.append((year or 0, month, day))
    else:
        keys = [e.arxiv_id.sort_key()[:2] + (int(e.arxiv_id.number),) for e in mine if e.arxiv_id]
    pairs = list(zip(keys, keys[1:], strict=False))
    if len(pairs) < (1 if name == DIARY else 2):  # two dates say more than two arXiv IDs
        return "end"
    falling = sum(1 for a, b in pairs if b < a)
    return "top" if falling * 4 >= len(pairs) * 3 else "end"
