"""Structure rules: empty and stub sections, duplicates, heading levels, year order."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ..arxiv_id import InvalidArxivId, parse_arxiv_id
from ..content import content_text
from ..details import MEDIA_TAG
from ..document import HTML_TAG, Block, Document, Section, blank_spans
from ..frontmatter import misplaced_front_matter
from ..papers import HEADING, Entry, entries, references
from ..registry import Hit, Option, RuleContext, rule
from ._fixes import heading_level, move_block
from ._util import ARXIV_LINK, paper_link, section_year

_PAPER_LEVEL = Option(3, int, "heading level of a paper section (### by default)")
_LINK_LABELS = [
    "paper",
    "papers",
    "link",
    "links",
    "arxiv",
    "pdf",
    "abs",
    "abstract",
    "source",
    "url",
]
_FIGURE_TAG = re.compile(r"<figure\b", re.I)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Heading:
    """A heading of ``doc.sections`` with where its line(s) and its body start."""

    section: Section
    raw_title: str  # the heading's inline Markdown, as written
    line_end: int  # offset of the end of the heading's last line
    body_start: int  # offset of the first line after the heading

    @property
    def level(self) -> int:
        return self.section.level

    def hit(self, message: str) -> Hit:
        return Hit(self.section.start, self.line_end, message)


def headings(doc: Document) -> list[Heading]:
    """The document's headings in order, leaving out the ones Markdown makes of a
    misplaced front matter block (reported once, by BT503)."""
    phantom: set[int] = set()
    for block in misplaced_front_matter(doc):
        phantom.update(range(block.first_line, block.last_line + 1))
    return [
        Heading(s, s.raw_title, s.heading_end, s.body_start)
        for s in doc.sections
        if s.line not in phantom
    ]


def _is_blank(text: str, start: int, end: int) -> bool:
    return not text[start:end].strip()


def _quoted(title: str, limit: int = 60) -> str:
    title = " ".join(title.split())
    return f"'{title}'" if len(title) <= limit else f"'{title[: limit - 3]}...'"


def _normalised(title: str) -> str:
    return " ".join(_WORD.findall(title.casefold()))


# ---------------------------------------------------------------------- BT401, BT402


@rule("BT401", "empty-section", "error")
def empty_section(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A heading with nothing under it before the next heading of the same or higher level.

    A section whose subsections have content is not empty, and an empty subsection is
    reported on its own heading (not on its parents as well). HTML comments, link
    reference definitions, horizontal rules, an empty ``<details>`` block and an empty
    block of raw notes (a ``\"\"\"`` line, then another) do not count as content. A heading
    with no title is left to BT406, a paper section holding only its link to BT402.

    A bold line standing alone as a heading (``**Part 2: Results**``) is a section too:
    it is reported when nothing follows it before the next heading or the next such
    line. A bold lead-in with text after it (``**Note:** ...``), a bold line followed by
    text or a list, and bold in lists, tables and quotes are not headings.

    Bad:

        ## 2019

        ## 2020

        Scaling laws made model size a planning question.

    Good:

        ## 2020

        Scaling laws made model size a planning question.
    """
    content = content_text(doc)
    found = headings(doc)
    for heading in found:
        section = heading.section
        if section.children or not _normalised(heading.raw_title):
            continue
        if _is_blank(content, heading.body_start, section.end):
            where = "at the end of the file" if section.end >= len(doc.text) else "here"
            yield heading.hit(
                f"section {_quoted(section.title)} is empty {where}: write it or delete the heading"
            )
    starts = sorted(h.section.start for h in found)
    lines = bold_headings(doc)
    for i, (start, end, title) in enumerate(lines):
        h = bisect_right(starts, start)
        stop = starts[h] if h < len(starts) else len(doc.text)
        if i + 1 < len(lines):
            stop = min(stop, lines[i + 1][0])
        if _is_blank(content, end, stop):
            where = "at the end of the file" if stop >= len(doc.text) else "here"
            yield Hit(
                start,
                end,
                f"bold heading {_quoted(title)} has nothing under it {where}: write the part "
                "or delete the line",
            )


_BOLD_LINE = re.compile(r" {0,3}(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1[ \t]*")
# What a heading is not: a sentence, a link line, a long caption.
_ENDS_SENTENCE = re.compile(r"[.!?\u3002]\W*$")  # then closing quotes, emoji
_HAS_LINK = re.compile(r"\]\(|\]\[|<https?://|https?://", re.I)
_HEADING_WORDS = 12
# Blocks a bold line right after is a caption of: a table, code, math, an HTML block
# showing media (a <details> block or a <div> of text is no figure).
_CAPTIONED = {"table", "fence", "code_block", "math_block", "amsmath"}


def bold_headings(doc: Document) -> list[tuple[int, int, str]]:
    """Lines that are only bold text, open a top-level paragraph and read as a title:
    the ``**Part 2: Results**`` an author uses as a heading. A bold sentence, a bold
    link line, and a bold caption right under a table, image, code block or HTML block
    are not. Returns (start, end, title) of each line."""
    found = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if block.kind != "paragraph":
            continue
        line = block.line - 1
        m = _BOLD_LINE.fullmatch(doc.lines[line])
        if m is None:
            continue
        title = m.group(2).strip()
        if (
            _ENDS_SENTENCE.search(title)
            or _HAS_LINK.search(title)
            or len(title.split()) > _HEADING_WORDS
            or (i and _is_figure(blocks[i - 1]))
        ):
            continue
        start = doc.line_starts[line]
        found.append((start, start + len(doc.lines[line]), title))
    return found


def _is_figure(block: Block) -> bool:
    """Whether a block is a table, code, math, raw HTML showing media or a paragraph
    holding only images."""
    if block.kind in _CAPTIONED:
        return True
    if block.kind == "html_block":
        return bool(MEDIA_TAG.search(block.content) or _FIGURE_TAG.search(block.content))
    return block.only_images


_ANY_LEVEL = Option(
    0, int, "heading level of a paper section: 0 for any level, or 1-6 to count one level only"
)


@rule(
    "BT402",
    "paper-section-stub",
    "error",
    options={
        "paper_level": _ANY_LEVEL,
        "link_labels": Option(
            _LINK_LABELS, list, "words next to the paper link that do not count as content"
        ),
    },
)
def paper_section_stub(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A paper entry that holds nothing but its arXiv link.

    A paper section is a heading, at any level (``paper_level`` picks one), with an arXiv
    link in the heading or right under it (see ``blogtool papers``). It is a stub when,
    besides the link, it has only label words (``Paper:``, ``arXiv``, ``PDF``: see
    ``link_labels``), an empty Quick Summary, comments or rules. An ``**Authors:**``
    line, a sentence, an image or a subsection is content.

    In a list of papers (blockquotes, bullets, numbered items, table rows) where most
    entries carry notes, an entry with none is a stub too; a plain reading list, whose
    entries are links only, is left alone.

    Bad:

        ### Attention Is All You Need

        **Paper:** [arXiv](https://arxiv.org/abs/1706.03762)

        <details>
        <summary>Quick Summary</summary>
        </details>

    Good:

        ### Attention Is All You Need

        **Paper:** [arXiv](https://arxiv.org/abs/1706.03762)

        The Transformer drops recurrence and relies on attention alone.
    """
    level = ctx.options["paper_level"]
    labels = {w.casefold() for w in ctx.options["link_labels"]}
    found = [e for e in entries(doc) if e.key is not None and not e.slipped]
    spans = [(r.start, r.end) for refs in references(doc).values() for r in refs if r.is_arxiv]
    content = blank_spans(content_text(doc, frozenset({HTML_TAG})), spans)
    by_line = {h.section.line: h for h in headings(doc)}
    for entry in found:
        heading = by_line.get(entry.line) if entry.kind == HEADING else None
        if heading is None or (level and entry.level != level) or heading.section.children:
            continue
        start, end = heading.body_start, heading.section.end
        if entry.in_heading:
            start = min(start, heading.line_end)
        media = any(
            doc.kind_at(m.start()) == HTML_TAG for m in MEDIA_TAG.finditer(doc.text, start, end)
        )
        words = [w for w in _WORD.findall(content, start, end) if not w.isdigit()]
        if media or any(w.casefold() not in labels for w in words):
            continue
        yield heading.hit(
            f"paper section {_quoted(heading.section.title)} holds only its link: write the "
            "summary or remove the section"
        )
    yield from _list_stubs(found)


def _list_stubs(found: list[Entry]) -> Iterator[Hit]:
    """Entries without notes in a list whose entries mostly have them."""
    by_kind: dict[str, list[Entry]] = {}
    for entry in found:
        if entry.kind != HEADING:
            by_kind.setdefault(entry.kind, []).append(entry)
    for group in by_kind.values():
        noted = sum(1 for e in group if e.has_notes)
        if noted * 2 <= len(group):
            continue  # a reading list: links are all its entries hold
        for entry in group:
            if not entry.has_notes and entry.reference is not None:
                yield Hit(
                    entry.reference.start,
                    entry.reference.end,
                    f"paper {_quoted(entry.title or entry.key or '', 50)} has no notes, unlike "
                    f"{noted} of the {len(group)} papers listed here: write them or remove it",
                )


# ---------------------------------------------------------------------- BT403, BT404


def _paper_id(doc: Document, section: Section, level: int) -> str | None:
    """The version-less arXiv ID a paper section links to (None if not a paper section)."""
    if section.level != level:
        return None
    link = paper_link(doc, section)
    if link is None:
        return None
    try:
        return parse_arxiv_id(link.target).base
    except InvalidArxivId:
        m = ARXIV_LINK.search(link.target)
        raw = m.group(1) if m else link.target
        return re.sub(r"(?:v\d+)?(?:\.pdf)?/?$", "", raw, flags=re.I).lower()


@rule(
    "BT403",
    "duplicate-section",
    "warning",
    options={
        "paper_level": _PAPER_LEVEL,
        "allow": Option([], list, "titles that may repeat among sibling sections"),
    },
)
def duplicate_section(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """Two sibling sections with the same title, or two paper sections with the same title.

    Titles are compared case-folded with punctuation and spacing ignored. Only siblings
    (same parent, same level) are compared, so ``#### Results`` under two different
    papers is fine. Year sections split one timeline, so the entries of two years count
    as siblings; paper sections are compared across the whole post. Two paper sections
    that link the same arXiv ID are left to BT404. The later one is reported.

    Bad:

        ## 2019
        ### A note on tokenizers
        ...
        ## 2023
        ### A note on tokenizers

    Merge the two sections, or rename one.

    Good:

        ## 2019
        ### A note on tokenizers
        ...
        ## 2023
        ### Tokenizers, four years on
    """
    level = ctx.options["paper_level"]
    allowed = {_normalised(t) for t in ctx.options["allow"]}
    siblings: dict[tuple[tuple[str, int], int, str], Section] = {}
    papers: dict[str, tuple[Section, str]] = {}
    for heading in headings(doc):
        section = heading.section
        title = _normalised(section.title)
        if not title or title in allowed:
            continue
        paper = _paper_id(doc, section, level)
        first = siblings.setdefault((_sibling_group(section), section.level, title), section)
        if paper is not None:
            earlier = papers.setdefault(title, (section, paper))
            if earlier[0] is not section and earlier[1] != paper:
                first = earlier[0]
            elif earlier[0] is not section:
                continue  # same paper twice: BT404
        if first is not section:
            yield heading.hit(
                f"section {_quoted(section.title)} repeats the one on line {first.line}: "
                "merge them or rename one"
            )


def _sibling_group(section: Section) -> tuple[str, int]:
    """Sections in the same group are siblings. The year sections of a timeline split one
    list of entries, so the entries of two sibling years are siblings too."""
    parent = section.parent
    if parent is not None and section_year(parent) is not None:
        return ("timeline", id(parent.parent))
    return ("parent", id(parent))


@rule("BT404", "duplicate-paper", "warning", options={"paper_level": _ANY_LEVEL})
def duplicate_paper(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """The same arXiv paper listed twice (versions and link forms ignored).

    Paper entries of every layout are compared: paper sections (a heading at any level
    with the paper's link in it or right under it, or at ``paper_level`` only), blockquote
    entries, list items and table rows that open with the link (see ``blogtool papers``).
    A paper cited again inside another paper's notes is not listed twice.
    ``blogtool papers --duplicates`` compares several drafts.

    Bad:

        ### Attention Is All You Need
        [arXiv](https://arxiv.org/abs/1706.03762)
        ...
        ### The Transformer
        [arXiv](https://arxiv.org/abs/1706.03762v5)

        - [Attention Is All You Need](https://arxiv.org/abs/1706.03762)
        - [Transformer](https://arxiv.org/pdf/1706.03762)

    Keep one entry per paper, and mention it again with a link to its entry.

    Good:

        ### Attention Is All You Need
        [arXiv](https://arxiv.org/abs/1706.03762)
        ...
        ### BERT
        [arXiv](https://arxiv.org/abs/1810.04805)

        BERT keeps the encoder of [the Transformer](#attention-is-all-you-need).
    """
    level = ctx.options["paper_level"]
    by_line = {h.section.line: h for h in headings(doc)}
    seen: dict[str, Entry] = {}
    for entry in entries(doc):
        if entry.key is None or (level and entry.kind == HEADING and entry.level != level):
            continue
        first = seen.setdefault(entry.key, entry)
        if first is entry:
            continue
        shown = entry.arxiv_id.base if entry.arxiv_id else entry.key
        where = "already has a section" if first.kind == HEADING else "is already listed"
        message = (
            f"paper {shown} {where} on line {first.line} "
            f"({_quoted(first.title, 40)}): merge the two"
        )
        heading = by_line.get(entry.line) if entry.kind == HEADING else None
        if heading is not None:
            yield heading.hit(message)
        elif entry.reference is not None:
            yield Hit(entry.reference.start, entry.reference.end, message)


# ---------------------------------------------------------------------- BT405-BT407


@rule("BT405", "heading-level-skip", "warning", fix="unsafe")
def heading_level_skip(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A heading more than one level below the heading before it (``##`` then ``####``).

    Skipped levels break the table of contents and screen-reader navigation. The first
    heading of the post may start at any level. Under a title H1 at the top of the post,
    the first section may start at the post's section level, the shallowest level below
    the title (``# Quiz`` then ``### Question 1`` when every section is ``###``): the
    title stands apart, as a front matter title would.

    Bad:

        ## 2017
        #### Attention Is All You Need

    Good:

        ## 2017
        ### Attention Is All You Need
    """
    found = headings(doc)
    title = found[0] if found and found[0].level == 1 else None
    # the post's section level: the shallowest heading below the title
    top = min((h.level for h in found if h.level > 1), default=2)
    previous: Heading | None = None
    for heading in found:
        if previous is title and title is not None and heading.level <= top:
            pass  # the title's sections start at the post's section level
        elif previous is not None and heading.level > previous.level + 1:
            want = "#" * (previous.level + 1)
            hit = heading.hit(
                f"heading jumps from h{previous.level} to h{heading.level}: make it {want} "
                f"or add the missing h{previous.level + 1} above it"
            )
            yield replace(hit, fix=heading_level(doc.text, heading.section.start, len(want)))
        previous = heading


_HEADING_NOISE = re.compile(r"<!--.*?(?:-->|$)|&nbsp;|&#160;|&#xa0;|[*_~\\\s]", re.I | re.S)


@rule("BT406", "empty-heading", "error")
def empty_heading(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A heading with no text: ``###`` alone, or only spaces, emphasis markers or a comment.

    Bad:

        ###

        ### ** **

    Good:

        ### Attention Is All You Need
    """
    for heading in headings(doc):
        if not _HEADING_NOISE.sub("", heading.raw_title):
            yield heading.hit(f"empty h{heading.level} heading: give it a title or delete the line")


@rule("BT407", "multiple-h1", "warning")
def multiple_h1(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """More than one H1 (``#``) heading in the body of the post.

    A post has one title: the first H1 of the body, or the front matter's ``title:``
    (which the site's layout shows as the page's H1). An H1 after it is reported when the
    post's sections are ``##``, as a pasted answer heading or a mistyped ``# 2018`` is.
    Many published posts take the title from the front matter and write every section as
    ``#``: when the first heading of such a body is an H1 that does not repeat the title,
    H1 is the post's section level and nothing is reported.

    Bad:

        # The Evolution of Language Models
        ...
        # 2018

    Good:

        # The Evolution of Language Models
        ...
        ## 2018
    """
    found = headings(doc)
    if not found:
        return
    title = _front_matter_title(doc)
    first = found[0]
    if title is not None and first.level == 1 and _normalised(first.section.title) != title:
        return  # the front matter holds the title; the body's sections are H1
    where = "in the front matter" if title is not None else None
    for heading in found:
        if heading.level != 1:
            continue
        if where is None:
            where = f"on line {heading.section.line}"
            continue
        if heading is first:
            continue  # the title again, under the front matter's
        yield heading.hit(
            f"second H1 (the title is {where}): a post has one title; use ## for sections"
        )


def _front_matter_title(doc: Document) -> str | None:
    """The front matter's ``title:``, normalised as headings are compared, or None."""
    title = doc.front_matter.fields.get("title", "") if doc.front_matter else ""
    return _normalised(title) if title.strip("\"' ") else None


# ---------------------------------------------------------------------- BT408


@rule(
    "BT408",
    "year-order",
    "warning",
    fix="unsafe",
    options={
        "direction": Option(
            "auto",
            str,
            "ascending, descending, or auto (the order most year sections follow)",
            choices=("auto", "ascending", "descending"),
        )
    },
)
def year_order(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A year section (``## 2018``) out of order among its sibling year sections.

    With ``direction = "auto"`` (the default) the order is the one the longest run of
    years already follows (ascending when it is a tie), and only the fewest headings that
    break it are reported. A repeated year is left to BT403.

    Bad:

        ## 2017
        ## 2019
        ## 2018

    Good:

        ## 2017
        ## 2018
        ## 2019
    """
    direction = str(ctx.options["direction"]).strip().lower()
    if direction not in ("auto", "ascending", "descending"):
        raise ValueError(f"direction must be auto, ascending or descending, not {direction!r}")
    groups: dict[tuple[int, int], list[tuple[int, Heading]]] = {}
    for heading in headings(doc):
        year = section_year(heading.section)
        if year is None:
            continue
        parent = heading.section.parent
        group = groups.setdefault((id(parent) if parent else 0, heading.level), [])
        if all(year != seen for seen, _ in group):
            group.append((year, heading))
    for group in groups.values():
        years = [year for year, _ in group]
        ascending = _keep_in_order(years)
        descending = _keep_in_order([-y for y in years])
        if direction == "ascending" or (direction == "auto" and len(ascending) >= len(descending)):
            keep, word = ascending, "ascending"
        else:
            keep, word = descending, "descending"
        for i, (_, heading) in enumerate(group):
            if i not in keep:
                hit = heading.hit(_out_of_order(group, keep, i, word))
                yield replace(hit, fix=_year_move(doc, group, keep, i, word))


def _out_of_order(group: list[tuple[int, Heading]], keep: set[int], i: int, word: str) -> str:
    year = group[i][0]
    sign = 1 if word == "ascending" else -1
    before = [j for j in sorted(keep) if j < i]
    after = [j for j in sorted(keep) if j > i]
    if before and sign * group[before[-1]][0] > sign * year:
        other, relation = group[before[-1]], "follows"
    else:
        other, relation = group[after[0]], "comes before"
    return (
        f"year {year} is out of order: the year sections are {word}, but this one "
        f"{relation} {other[0]} (line {other[1].section.line}); move it"
    )


def _year_move(doc: Document, group: list[tuple[int, Heading]], keep: set[int], i: int, word: str):  # noqa: ANN202 - a Fix or None
    """Move the out-of-order section before the first kept one it should precede, else
    after the last kept one."""
    year, heading = group[i]
    sign = 1 if word == "ascending" else -1
    kept = [group[j] for j in sorted(keep)]
    later = [h for y, h in kept if sign * y > sign * year]
    to = later[0].section.start if later else kept[-1][1].section.end
    section = heading.section
    return move_block(doc.text, section.start, section.end, to, f"move the {year} section")


def _keep_in_order(values: list[int]) -> set[int]:
    """Indices of a longest strictly increasing subsequence, preferring earlier elements."""
    n = len(values)
    # longest[i]: length of the longest increasing run that starts at i
    longest = [1] * n
    for i in range(n - 1, -1, -1):
        for j in range(i + 1, n):
            if values[j] > values[i] and longest[j] + 1 > longest[i]:
                longest[i] = longest[j] + 1
    need = max(longest, default=0)
    keep: set[int] = set()
    previous: int | None = None
    for i, value in enumerate(values):
        if need and longest[i] == need and (previous is None or value > previous):
            keep.add(i)
            previous = value
            need -= 1
    return keep
