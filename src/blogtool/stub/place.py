"""Where a new entry goes in each layout, and how a paper section gets what it lacks."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from blogtool import layouts as shapes
from blogtool.document import Document, Section
from blogtool.papers import HEADING, entries
from blogtool.safetext import markdown_inline
from blogtool.stub.lines import COMMENT_LINE, EMPTY_ATX_HEADING
from blogtool.stub.locate import Missing, PaperSection, reference_lines, summary_block
from blogtool.stub.settings import StubSettings
from blogtool.stub.template import StubRequest, paper_year


def insert(
    text: str,
    doc: Document,
    request: StubRequest,
    block: str,
    settings: StubSettings,
    layout: shapes.Layout,
) -> tuple[str, str]:
    if layout.name == shapes.YEARS:
        return _insert_by_year(text, doc, request, block, settings, layout)
    anchor = layout.anchor
    if anchor is None:  # a layout asked for by name in a draft with none of its entries
        if layout.name == shapes.TABLE:  # a row needs a table to be one
            cells = max(1, shapes.table_cells(block.split("\n", 1)[0]))
            block = "| Paper |" + "  |" * (cells - 1) + "\n|" + " --- |" * cells + "\n" + block
        return _splice(text, len(text), block), f"at the end (a new {layout.name})"
    top = layout.order == "top"
    tight = layout.kind != HEADING and (layout.tight or layout.name == shapes.TABLE)
    if anchor.kind == HEADING and anchor.section is not None:
        if top:
            pos = _before_heading(text, anchor.section.start)
        else:
            pos = _before_heading(text, anchor.section.end)
    else:
        pos = _line_offset(text, anchor.line - 1 if top else anchor.end_line)
    spliced = _splice_tight(text, pos, block) if tight else _splice(text, pos, block)
    noun = _ENTRY_NOUNS.get(layout.name, "entry")
    return spliced, f"before the first {noun}" if top else f"after the last {noun}"


# What an entry of each layout is called in stub's messages.
_ENTRY_NOUNS = {
    shapes.HEADINGS: "paper section",
    shapes.DIARY: "diary day",
    shapes.HEADING_LINKS: "paper heading",
    shapes.QUOTES: "quote",
    shapes.BULLETS: "bullet",
    shapes.NUMBERED_LIST: "numbered item",
    shapes.TABLE: "table row",
    shapes.LINKS: "link line",
    shapes.TITLES: "title",
}


def _insert_by_year(
    text: str,
    doc: Document,
    request: StubRequest,
    block: str,
    settings: StubSettings,
    layout: shapes.Layout,
) -> tuple[str, str]:
    if settings.placement == "end":
        return _splice(text, len(text), block), "at the end"
    levels = replace(
        settings, year_heading_level=layout.year_level, paper_heading_level=layout.heading_level
    )
    year = paper_year(request.paper, request.arxiv_id)
    years = [(y, s) for s in doc.sections if (y := levels.year_of(s)) is not None]
    heading = "#" * layout.year_level + " " + settings.year_title(year)
    home = next((s for y, s in years if y == year), None)
    if home is not None:
        key = request.arxiv_id.without_version().sort_key()
        for paper in entries(doc):
            inside = paper.kind == HEADING and home.line < paper.line <= home.end_line
            if inside and paper.arxiv_id and paper.arxiv_id.without_version().sort_key() > key:
                assert paper.section is not None
                return _splice(text, _before_heading(text, paper.section.start), block), (
                    f"under {heading}, before {paper.arxiv_id.base}"
                )
        return _splice(text, _before_heading(text, home.end), block), f"under {heading}"
    new_year = f"{heading}\n\n{block}"
    descending = len(years) > 1 and all(a[0] > b[0] for a, b in pairwise(years))
    for other_year, section in years:
        if (other_year < year) if descending else (other_year > year):
            at = _before_heading(text, section.start)
            return _splice(text, at, new_year), f"under a new {heading}"
    at = _before_heading(text, years[-1][1].end) if years else len(text)
    return _splice(text, at, new_year), f"under a new {heading}"


def _before_heading(text: str, pos: int) -> int:
    """Move an insertion point at a heading above the comment lines that belong to it.

    ``<!-- blogtool-disable-next-line -->`` and friends must stay right above their heading.
    """
    while 0 < pos < len(text):
        previous_start = text.rfind("\n", 0, pos - 1) + 1
        if not COMMENT_LINE.match(text[previous_start : pos - 1]):
            break
        pos = previous_start
    return pos


def _splice(text: str, pos: int, block: str) -> str:
    """Insert ``block`` (whole lines) at a line start ``pos``, blank lines around it."""
    before, after = text[:pos], text[pos:]
    if before and not before.endswith("\n"):
        before += "\n"
    if before and before[:-1].rsplit("\n", 1)[-1].strip():
        before += "\n"
    if after and after.split("\n", 1)[0].strip():
        block += "\n"
    return before + block + after


def _splice_tight(text: str, pos: int, block: str) -> str:
    """Insert ``block`` at a line start with no blank line around it: the next row of a
    table, the next item of a tight list stays in the same table or list."""
    before, after = text[:pos], text[pos:]
    if before and not before.endswith("\n"):
        before += "\n"
    return before + block + after


def complete(
    text: str,
    existing: PaperSection,
    missing: Missing,
    rendered: str,
    request: StubRequest,
) -> str:
    """Give an existing section what it lacks; every line already there stays as it is."""
    line = existing.line
    if missing.title:
        lines = text.split("\n")
        heading = lines[line - 1]
        empty = EMPTY_ATX_HEADING.match(heading)
        assert empty is not None
        indent = heading[: len(heading) - len(heading.lstrip())]
        lines[line - 1] = f"{indent}{empty.group(1)} {markdown_inline(request.paper.title)}"
        text = "\n".join(lines)
    if missing.link:
        rendered_doc = Document.from_text(rendered)
        link = next(
            (e.reference.link for e in entries(rendered_doc) if e.reference and e.reference.link),
            None,
        )
        assert link is not None  # load_template checked the template links the paper
        link_line = rendered_doc.lines[rendered_doc.position(link.start)[0] - 1]
        text = _splice(text, _line_offset(text, line), link_line + "\n")
    summary = summary_block(rendered)
    if missing.summary is not None and summary is not None:
        doc = Document.from_text(text)
        section = _section_at_line(doc, line)
        # after the paragraph naming the paper, else right under the heading
        named = reference_lines(doc, section, request.arxiv_id)
        after = _block_end(doc, named[-1] - 1) + 1 if named else line
        text = _splice(text, _line_offset(text, after), summary[0])
    return text


def _line_offset(text: str, line: int) -> int:
    """Offset of the start of 1-based ``line + 1``, i.e. just after line ``line``."""
    pos = 0
    for _ in range(line):
        found = text.find("\n", pos)
        if found < 0:
            return len(text)
        pos = found + 1
    return pos


def _block_end(doc: Document, line: int) -> int:
    """0-based index of the last line of the top-level block holding 0-based ``line``."""
    for token in doc.tokens:
        if token.level == 0 and token.map and token.map[0] <= line < token.map[1]:
            return token.map[1] - 1
    return line


def _section_at_line(doc: Document, line: int) -> Section:
    return next(s for s in doc.sections if s.line == line)
