"""Small helpers shared by rule families (pure functions of a Document)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..document import Document, Link, Section
from ..papers import Entry, entries

if TYPE_CHECKING:
    from ..arxiv_id import ArxivId

# A paper link in the house style: arxiv.org/abs|pdf/<id>
ARXIV_LINK = re.compile(r"arxiv\.org/(?:abs|pdf|html)/([^\s)?#]+)", re.I)
YEAR_TITLE = re.compile(r"^\s*((?:19|20)\d\d)\s*$")


def is_year_section(section: Section) -> bool:
    return bool(YEAR_TITLE.match(section.title))


def section_year(section: Section) -> int | None:
    m = YEAR_TITLE.match(section.title)
    return int(m.group(1)) if m else None


def enclosing_year(section: Section) -> int | None:
    node: Section | None = section
    while node is not None:
        year = section_year(node)
        if year is not None:
            return year
        node = node.parent
    return None


def section_links(doc: Document, section: Section, own_body_only: bool = True) -> list[Link]:
    """The links of a section (its own body, or with its subsections), found by bisection
    in the document's links sorted once, not by scanning every link for every section."""
    from bisect import bisect_left

    if "util.sorted_links" not in doc.memo:
        ordered = sorted(doc.links, key=lambda link: link.start)
        doc.memo["util.sorted_links"] = (ordered, [link.start for link in ordered])
    ordered, starts = doc.memo["util.sorted_links"]
    end = section.body_end if own_body_only else section.end
    return ordered[bisect_left(starts, section.start) : bisect_left(starts, end)]


def heading_entry(doc: Document, section: Section) -> Entry | None:
    """The paper entry a heading opens (see :mod:`blogtool.papers`), or None."""
    if "util.heading_entries" not in doc.memo:
        doc.memo["util.heading_entries"] = {
            id(e.section): e for e in entries(doc) if e.section is not None
        }
    return doc.memo["util.heading_entries"].get(id(section))


def paper_link(doc: Document, section: Section) -> Link | None:
    """The arXiv link that names a section's paper, which makes it a paper section.

    The house style puts ``[paper](https://arxiv.org/abs/ID)`` right under the heading; a
    research page puts the link in the heading. Only the heading and the first two
    non-blank lines count: a section that cites a paper further down is an ordinary
    section that cites a paper, not that paper's section (on real blogs, counting any
    arXiv link turned every section with a citation into a "paper"). The paper locator
    (:mod:`blogtool.papers`) decides, for every rule alike.
    """
    entry = heading_entry(doc, section)
    ref = entry.reference if entry is not None else None
    if ref is None or ref.link is None or not ref.is_arxiv:
        return None
    return ref.link


@dataclass(frozen=True)
class PaperSection:
    section: Section
    link: Link
    arxiv_id: ArxivId


def paper_sections(doc: Document, level: int = 3) -> list[PaperSection]:
    """Paper sections at ``level`` (0: any level) whose arXiv link holds a valid ID."""
    found = []
    for entry in entries(doc):
        section, ref = entry.section, entry.reference
        if section is None or ref is None or ref.link is None or ref.arxiv_id is None:
            continue
        if not level or section.level == level:
            found.append(PaperSection(section, ref.link, ref.arxiv_id))
    return found


def is_paper_section(doc: Document, section: Section, level: int = 3) -> bool:
    return (not level or section.level == level) and paper_link(doc, section) is not None


def innermost_section(doc: Document, line: int) -> Section | None:
    """The innermost section holding a 1-based line, by bisection (``doc.section_at`` walks
    every section, which is quadratic when asked for every entry of a long draft)."""
    from bisect import bisect_right

    if "util.section_lines" not in doc.memo:
        doc.memo["util.section_lines"] = [s.line for s in doc.sections]
    i = bisect_right(doc.memo["util.section_lines"], line) - 1
    node = doc.sections[i] if i >= 0 else None
    while node is not None and node.end_line < line:
        node = node.parent
    return node


def finditer_prose(doc: Document, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """Matches of a pattern in the prose text (code, math, HTML, URLs blanked)."""
    return pattern.finditer(doc.prose_text)
