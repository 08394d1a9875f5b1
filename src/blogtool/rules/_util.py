"""Small helpers shared by rule families (pure functions of a Document)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..document import Document, Link, Section

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


def section_links(doc: Document, section: Section, own_body_only: bool = True):
    end = (
        doc.offset(section.body_end_line + 1)
        if own_body_only and (section.body_end_line < len(doc.lines))
        else section.end
    )
    # Bisect a sorted copy kept in the memo: scanning every link for every section made
    # stub quadratic in the size of a draft (15 s at 2.3 MB).
    if "links_by_start" not in doc.memo:
        ordered = sorted(doc.links, key=lambda link: link.start)
        doc.memo["links_by_start"] = (ordered, [link.start for link in ordered])
    ordered, starts = doc.memo["links_by_start"]
    return ordered[bisect_left(starts, section.start) : bisect_left(starts, end)]


_LEAD_LINES = 2  # the link may follow one short line (authors, a date)


def paper_link(doc: Document, section: Section):
    """The arXiv link that opens a section's body, which makes it a paper section.

    The house style puts ``[paper](https://arxiv.org/abs/ID)`` right under the heading.
    Only the first two non-blank lines count: a section that cites a paper further down
    is an ordinary section that cites a paper, not that paper's section (on real blogs,
    counting any arXiv link turned every section with a citation into a "paper").
    """
    lead: list[int] = []
    for line in range(section.line + 1, section.body_end_line + 1):
        text = doc.line_text(line).strip()
        if not text or (text.startswith("<!--") and text.endswith("-->")):
            continue
        lead.append(line)
        if len(lead) == _LEAD_LINES:
            break
    if not lead:
        return None
    first = doc.offset(lead[0])
    last = doc.offset(lead[-1]) + len(doc.line_text(lead[-1]))
    for link in section_links(doc, section):
        if first <= link.start <= last and ARXIV_LINK.search(link.target):
            return link
    return None


@dataclass(frozen=True)
class PaperSection:
    section: Section
    link: Link
    arxiv_id: ArxivId


def paper_sections(doc: Document, level: int = 3) -> list[PaperSection]:
    """Paper sections at ``level`` whose opening arXiv link holds a valid ID, in order."""
    from ..arxiv_id import InvalidArxivId, parse_arxiv_id

    key = ("paper_sections", level)
    if key not in doc.memo:
        found = []
        for section in doc.sections:
            link = paper_link(doc, section) if section.level == level else None
            if link is None:
                continue
            try:
                found.append(PaperSection(section, link, parse_arxiv_id(link.target)))
            except InvalidArxivId:
                continue  # BT206 reports the ID
        doc.memo[key] = found
    return doc.memo[key]


def is_paper_section(doc: Document, section: Section, level: int = 3) -> bool:
    return section.level == level and paper_link(doc, section) is not None


def finditer_prose(doc: Document, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """Matches of a pattern in the prose text (code, math, HTML, URLs blanked)."""
    return pattern.finditer(doc.prose_text)
