"""The entry that already holds a paper, and what it lacks of a stub.

Which entries are papers, in any layout, is :mod:`blogtool.papers`' answer (the one paper
locator that stub, the rules and report share); this module only judges the entry it finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from blogtool.arxiv_id import ArxivId
from blogtool.document import Document, Section
from blogtool.papers import HEADING, Entry, find_entry
from blogtool.stub.lines import COMMENT_LINE, EMPTY_ATX_HEADING

_DETAILS_BLOCK = re.compile(r"^[ \t]*<details\b.*?</details>[ \t]*$", re.S | re.M | re.I)
_SUMMARY = re.compile(r"<summary>(.*?)</summary>", re.S | re.I)

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_EMPTY_DETAILS = re.compile(
    r"<details\b[^>]*>\s*(?:<summary>.*?</summary>\s*)?</details>", re.S | re.I
)


@dataclass(frozen=True)
class PaperSection:
    """The entry that already holds a paper, and what it has of a stub."""

    entry: Entry
    arxiv_id: ArxivId | None  # None: matched by title, no arXiv reference
    linked: bool  # a link to the paper names it, not only an ``arXiv:ID`` in the text
    bare: bool  # a heading with nothing but the reference, comments, empty <details>

    @property
    def section(self) -> Section | None:
        return self.entry.section

    @property
    def line(self) -> int:
        return self.entry.line

    @property
    def title(self) -> str:
        return self.entry.title


def find_paper_section(
    doc: Document, arxiv_id: ArxivId, level: int = 0, title: str | None = None
) -> PaperSection | None:
    """The entry that already holds this paper, in any layout: one naming its ID in any
    form, else one with its title (see :func:`blogtool.papers.find_entry`)."""
    entry = find_entry(doc, arxiv_id, title, level)
    if entry is None:
        return None
    ref = entry.reference
    named = ref is not None and ref.key == arxiv_id.base
    linked = named and ref is not None and ref.link is not None
    bare = entry.section is not None and _is_bare(
        doc, entry.section, ref.line if named and ref else None
    )
    return PaperSection(entry, entry.arxiv_id if named else None, linked, bare)


def _is_bare(doc: Document, section: Section, reference_line: int | None) -> bool:
    if section.children:
        return False
    lines = range(section.line + 1, section.body_end_line + 1)
    body = "\n".join(doc.line_text(n) for n in lines if n != reference_line)
    return not _EMPTY_DETAILS.sub("", _COMMENT.sub("", body)).strip()


@dataclass(frozen=True)
class Missing:
    """What an existing paper section lacks of a stub."""

    title: bool
    link: bool
    summary: str | None  # the name of the missing <details> block

    def __bool__(self) -> bool:
        return self.title or self.link or self.summary is not None

    def describe(self) -> str:
        parts = ["the title"] if self.title else []
        parts += ["the paper link"] if self.link else []
        parts += [f"the {self.summary} block"] if self.summary is not None else []
        return ", ".join(parts)


_NOTHING_MISSING = Missing(False, False, None)


def missing_parts(
    doc: Document, existing: PaperSection, summary: tuple[str, str, str] | None
) -> Missing:
    """What a paper section lacks of the template's; an entry that is not a section (a
    list item, a quote) is complete as the author wrote it."""
    section = existing.section
    if section is None or existing.entry.kind != HEADING:
        return _NOTHING_MISSING
    title = not section.title and bool(EMPTY_ATX_HEADING.match(doc.line_text(section.line)))
    label = None
    if summary is not None:
        body = "\n".join(doc.lines[section.line - 1 : section.end_line])
        if not re.search(summary[1], body, re.I):
            label = summary[2]
    return Missing(title, not existing.linked, label)


def reference_lines(doc: Document, section: Section, arxiv_id: ArxivId) -> list[int]:
    """Lines of a section's opening that name this paper."""
    from blogtool.papers import references

    refs = references(doc)
    found: list[int] = []
    seen = 0
    for line in range(section.line + 1, section.body_end_line + 1):
        text = doc.line_text(line).strip()
        if not text or COMMENT_LINE.match(text):
            continue
        if any(r.key == arxiv_id.base for r in refs.get(line, ())):
            found.append(line)
        seen += 1
        if seen == 2:
            break
    return found


def summary_block(rendered: str) -> tuple[str, str, str] | None:
    """The template's ``<details>`` block, a pattern finding it in a body, and its name."""
    block = _DETAILS_BLOCK.search(rendered)
    if block is None:
        return None
    summary = _SUMMARY.search(block.group(0))
    words = summary.group(1).split() if summary else []
    if not words:
        return block.group(0) + "\n", r"<details\b", "<details>"
    pattern = r"<summary>\s*" + r"\s+".join(map(re.escape, words)) + r"\s*</summary>"
    return block.group(0) + "\n", pattern, " ".join(words)
