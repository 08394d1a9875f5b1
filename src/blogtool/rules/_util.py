"""Small helpers shared by rule families (pure functions of a Document)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..document import Document, Section

# A paper link in the house style: arxiv.org/abs|pdf/<id>
ARXIV_LINK = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s)?#]+)", re.I)
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
    return [link for link in doc.links if section.start <= link.start < end]


def paper_link(doc: Document, section: Section):
    """The first arXiv link in a section's own body, which makes it a paper section."""
    for link in section_links(doc, section):
        if ARXIV_LINK.search(link.target):
            return link
    return None


def is_paper_section(doc: Document, section: Section, level: int = 3) -> bool:
    return section.level == level and paper_link(doc, section) is not None


def finditer_prose(doc: Document, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """Matches of a pattern in the prose text (code, math, HTML, URLs blanked)."""
    return pattern.finditer(doc.prose_text)
