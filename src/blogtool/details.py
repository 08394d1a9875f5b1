"""``<details>`` blocks as their author meant them, and whether a span shows anything.

The layout pairs ``<details>``, ``</details>``, ``<summary>`` and ``</summary>`` the way a
slipped tag was most likely meant, once per document. The HTML rules report its slips
(BT501) and empty blocks (BT101); the structure rules and the paper locator leave empty
blocks out of a section's content.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field

from .document import COMMENT, HTML_TAG, Document

# Elements that show something by themselves, with no text around them: a section or a
# block holding one of these is not empty.
MEDIA_TAG = re.compile(
    r"<(?:img|video|audio|iframe|svg|picture|embed|object|canvas|math|table)\b", re.I
)
_DETAILS_TAG = re.compile(r"<(/?)(details|summary)\b[^>]*>", re.I)
_MARKUP = re.compile(r"<[^>]*>|\s+")
_SPACE = re.compile(r"\s*")
# A summary that holds the text meant for the block: a paragraph break, two sentences, or
# more words than any title has.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_TWO_SENTENCES = re.compile(r"[.!?][\"')\]]?\s+[A-Z]")
_TITLE_WORDS = 20
# A summary line that is not a title: it ends a sentence or runs on.
_SENTENCE_END = re.compile(r"[.!?][\"')\]]?$")
_SHORT_TITLE_WORDS = 10


@dataclass(frozen=True)
class _Tag:
    name: str  # "details" or "summary"
    closing: bool
    start: int
    end: int


def _details_tags(doc: Document) -> list[_Tag]:
    """The ``<details>`` and ``<summary>`` tags that render as tags (not in code, math,
    comments), in order; ``<details/>`` and the like are left out."""
    found = []
    for m in _DETAILS_TAG.finditer(doc.text):
        if doc.kind_at(m.start()) == HTML_TAG and not m.group(0).endswith("/>"):
            found.append(_Tag(m.group(2).lower(), bool(m.group(1)), m.start(), m.end()))
    return found


@dataclass(frozen=True)
class DetailsBlock:
    """A ``<details>`` block as its author meant it, even when one of its tags slipped.

    The content is ``body_start`` to ``body_end``: from the end of the summary (the
    ``<details>`` tag when there is no summary) to ``</details>``. A block that is never
    closed is taken to end at the next heading or the next ``<details>``, whichever comes
    first, so one missing ``</details>`` does not change how any other block is read.
    """

    start: int  # the ``<details>`` tag
    title: str  # the summary's text, markup dropped ("" when there is no summary)
    body_start: int
    body_end: int
    end: int  # just past ``</details>``, or ``body_end`` when the block is not closed
    closed: bool
    empty: bool  # nothing but whitespace and comments in the body (and a short summary)


@dataclass(frozen=True)
class TagSlip:
    """One misplaced, missing or mistyped ``<details>``/``<summary>`` tag, reported once."""

    tag: str  # the element the slip is about: "details" or "summary"
    start: int
    end: int
    message: str


@dataclass(frozen=True)
class DetailsLayout:
    blocks: list[DetailsBlock]
    slips: list[TagSlip]


@dataclass
class _Open:
    """A ``<details>`` while the layout is worked out."""

    tag: _Tag
    close: _Tag | None = None
    mistyped: _Tag | None = None  # a ``</details>`` that was meant as ``</summary>``
    body_end: int = 0
    runs_to_end: bool = False  # unclosed, with no heading or <details> after it
    summaries: list[_Tag] = field(default_factory=list)


def details_layout(doc: Document) -> DetailsLayout:
    """The document's ``<details>`` blocks and the tag slips found while pairing them.

    ``</details>`` pairs with the nearest open ``<details>`` (so nested blocks work), and
    ``<summary>`` tags are paired inside their own block only. Each slip is read the way
    its author most likely meant it: ``<summary>Title<summary>`` closes the summary, an
    unclosed ``<summary>`` holds the rest of its line, and a ``</details>`` that closes a
    block whose summary is still open, followed by a ``</details>`` that closes nothing,
    was meant as ``</summary>``.
    """
    key = "details_layout"
    if key not in doc.memo:
        doc.memo[key] = _build_layout(doc)
    return doc.memo[key]


def _build_layout(doc: Document) -> DetailsLayout:
    tags = _details_tags(doc)
    slips: list[TagSlip] = []
    headings = _heading_starts(doc)
    blocks, strays = _pair_details(tags, headings)
    for stray in strays:
        slips.append(
            _slip(
                "details",
                stray,
                "</details> closes nothing: remove it or add the missing <details> above",
            )
        )
    _cut_unclosed(doc, blocks, headings)
    loose = _assign_summaries(blocks, tags)
    found = [_read_block(doc, block, slips) for block in blocks]
    slips += _loose_summary_slips(loose)
    slips.sort(key=lambda s: s.start)
    return DetailsLayout(found, slips)


def _heading_starts(doc: Document) -> list[int]:
    return sorted(section.start for section in doc.sections)


def _pair_details(tags: list[_Tag], headings: list[int]) -> tuple[list[_Open], list[_Tag]]:
    """Pair ``<details>`` with ``</details>`` innermost first; return the blocks in order
    of their openers and the closers that close nothing."""
    blocks: list[_Open] = []
    openers: list[int] = []
    stack: list[_Open] = []
    strays: list[_Tag] = []
    summary_open: list[bool] = []  # per stack entry: a <summary> opened and not closed
    last_closed: _Open | None = None  # the last block closed with nothing left open
    for tag in tags:
        if tag.name == "summary":
            if stack:
                summary_open[-1] = not tag.closing
            continue
        if not tag.closing:
            block = _Open(tag)
            blocks.append(block)
            openers.append(tag.start)
            stack.append(block)
            summary_open.append(False)
            last_closed = None
            continue
        if stack:
            block = stack.pop()
            summary_was_open = summary_open.pop()
            if _spans_sections(block, tag, headings, openers):
                strays.append(tag)  # the block was left open before the heading
                continue
            block.close = tag
            if summary_was_open and not stack:
                last_closed = block
            continue
        if last_closed is not None and _same_section(last_closed.close, tag, headings):
            # <summary>Title</details> ... </details>: the first closer was meant as
            # </summary>, and the block runs to this one
            last_closed.mistyped = last_closed.close
            last_closed.close = tag
            last_closed = None
            continue
        strays.append(tag)
    return blocks, strays


def _spans_sections(block: _Open, close: _Tag, headings: list[int], openers: list[int]) -> bool:
    """Whether ``close`` would make ``block`` run over a heading and over a ``<details>``
    opened after that heading: the mark of a block left open in one section whose
    closer turns up sections later (a collapsible part holding headings has no such
    later ``<details>``, or closes it before the heading)."""
    h = bisect_right(headings, block.tag.end)
    if h >= len(headings) or headings[h] >= close.start:
        return False
    later = bisect_right(openers, headings[h])
    return later < len(openers) and openers[later] < close.start


def _same_section(first: _Tag | None, second: _Tag, headings: list[int]) -> bool:
    """No heading between the two tags."""
    return first is not None and bisect_right(headings, first.start) == bisect_right(
        headings, second.start
    )


def _cut_unclosed(doc: Document, blocks: list[_Open], heading_starts: list[int]) -> None:
    """Where each block's content ends: its ``</details>``, or for an unclosed block the
    next heading or ``<details>`` (the end of the file when there is neither)."""
    openers = [b.tag.start for b in blocks]
    text_end = len(doc.text.rstrip())  # trailing blank lines belong to no block
    for i, block in enumerate(blocks):
        if block.close is not None:
            block.body_end = block.close.start
            continue
        end = openers[i + 1] if i + 1 < len(openers) else text_end
        h = bisect_right(heading_starts, block.tag.end)
        if h < len(heading_starts):
            end = min(end, heading_starts[h])
        block.body_end = end
        block.runs_to_end = end >= text_end


def _assign_summaries(blocks: list[_Open], tags: list[_Tag]) -> list[_Tag]:
    """Give each ``<summary>`` tag to the innermost block holding it; return the rest.

    Closed blocks nest properly and an unclosed one ends before the next ``<details>``,
    so one sweep with a stack finds the innermost block."""
    events: list[tuple[int, int, _Open | _Tag]] = []
    for block in blocks:
        events.append((block.tag.start, 1, block))
        events.append((block.body_end, 0, block))
    events += [(t.start, 2, t) for t in tags if t.name == "summary"]
    events.sort(key=lambda e: (e[0], e[1]))
    stack: list[_Open] = []
    loose: list[_Tag] = []
    for _, kind, item in events:
        if kind == 1:
            stack.append(item)  # type: ignore[arg-type]
        elif kind == 0:
            if stack and stack[-1] is item:
                stack.pop()
            elif item in stack:
                stack.remove(item)  # type: ignore[arg-type]
        elif stack:
            stack[-1].summaries.append(item)  # type: ignore[arg-type]
        else:
            loose.append(item)  # type: ignore[arg-type]
    return loose


def _read_block(doc: Document, block: _Open, slips: list[TagSlip]) -> DetailsBlock:
    text = doc.text
    own = list(block.summaries)
    if block.mistyped is not None:
        own.append(_Tag("summary", True, block.mistyped.start, block.mistyped.end))
        own.sort(key=lambda t: t.start)
    first: _Tag | None = None
    summary_end: _Tag | None = None
    slipped = False  # the summary's end is a slip, reported already
    extra: list[_Tag] = []  # further <summary> tags still open
    for tag in own:
        if not tag.closing:
            if first is None:
                first = tag
            elif summary_end is None:
                summary_end, slipped = tag, True
                slips.append(_second_summary(doc, first, tag))
            else:
                extra.append(tag)
        elif first is not None and summary_end is None:
            summary_end = tag
            if block.mistyped is not None and tag.start == block.mistyped.start:
                slipped = True
                slips.append(_mistyped_closer(doc, first, tag, block.close))
        elif extra:
            extra.pop()
        else:
            slips.append(_stray_summary(tag))
    for tag in extra:
        slips.append(_unclosed_summary(doc, tag, text[tag.end : block.body_end], block))
    body_end = block.body_end
    if first is None:
        title, body_start, summary = "", block.tag.end, ""
    elif summary_end is None:
        # <summary>Title and no </summary>: the title is the rest of its line
        at = _SPACE.match(text, first.end, body_end).end()  # type: ignore[union-attr]
        line_end = text.find("\n", at)
        body_start = body_end if line_end < 0 else min(line_end, body_end)
        summary = text[first.end : body_start]
        title = _plain(summary)
        slips.append(_unclosed_summary(doc, first, summary, block))
    else:
        summary = text[first.end : summary_end.start]
        title, body_start = _plain(summary), summary_end.end
    empty = not has_content(doc, body_start, body_end)
    if empty and summary_end is not None and not slipped and _holds_text(summary):
        slips.append(_summary_holds_text(first, summary))  # type: ignore[arg-type]
    # a summary that reads as a sentence is the block's content, shown in the wrong place
    empty = empty and not _holds_text(summary) and not _SENTENCE_END.search(title)
    empty = empty and len(title.split()) <= _SHORT_TITLE_WORDS
    if block.close is None:
        slips.append(_unclosed_details(doc, block))
        end = body_end
    else:
        end = block.close.end
    return DetailsBlock(
        block.tag.start, title, body_start, body_end, end, block.close is not None, empty
    )


def _plain(html: str) -> str:
    return _MARKUP.sub(" ", html).strip()


def has_content(doc: Document, start: int, end: int) -> bool:
    """Whether a reader sees anything between ``start`` and ``end``.

    Comments, markup that shows nothing by itself (``<p></p>``, ``<br>``) and blank
    entities (``&nbsp;``) are not content; media tags and other characters are. Stops at
    the first visible character rather than asking every character of a long block.
    """
    text = doc.text
    at = start
    while at < end:
        ch = text[at]
        if ch.isspace():
            at += 1
            continue
        kind = doc.kind_at(at)
        if kind == COMMENT:
            at += 1
        elif kind == HTML_TAG and ch == "<":
            if MEDIA_TAG.match(text, at):
                return True
            close = text.find(">", at, end)
            at = end if close < 0 else close + 1
        elif kind == HTML_TAG and ch == "&":
            blank = _BLANK_ENTITY.match(text, at)
            if blank is None:
                return True
            at = blank.end()
        else:
            return True
    return False


_BLANK_ENTITY = re.compile(r"&(?:nbsp|ensp|emsp|thinsp|zwsp|zwj|zwnj|#160|#x0*a0);", re.I)


def _holds_text(summary: str) -> bool:
    plain = _plain(summary)
    return bool(
        _PARAGRAPH_BREAK.search(summary.strip())
        or _TWO_SENTENCES.search(plain)
        or len(plain.split()) > _TITLE_WORDS
    )


def _quote(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 3]}...'"


def _line(doc: Document, offset: int) -> int:
    return doc.position(offset)[0]


def _first_line(summary: str) -> str:
    """The title a summary was meant to hold: its first line of text."""
    for line in summary.split("\n"):
        if _plain(line):
            return _plain(line)
    return ""


def _second_summary(doc: Document, first: _Tag, second: _Tag) -> TagSlip:
    title = _first_line(doc.text[first.end : second.start])
    after = f" after {_quote(title)}" if title else ""
    return _slip(
        "summary", second, f"a second <summary> where </summary> was meant: write </summary>{after}"
    )


def _mistyped_closer(doc: Document, first: _Tag, tag: _Tag, real: _Tag | None) -> TagSlip:
    title = _first_line(doc.text[first.end : tag.start])
    later = f" (the </details> on line {_line(doc, real.start)} closes the block)" if real else ""
    return _slip(
        "details",
        tag,
        f"this </details> ends the summary {_quote(title)}{later}: write </summary> here",
    )


def _unclosed_summary(doc: Document, tag: _Tag, summary: str, block: _Open) -> TagSlip:
    title = _first_line(summary)
    where = (
        f" before </details> on line {_line(doc, block.close.start)}"
        if block.close is not None
        else ""
    )
    after = f" after {_quote(title)}" if title else " after the title"
    return _slip("summary", tag, f"<summary> is never closed{where}: add </summary>{after}")


def _summary_holds_text(first: _Tag, summary: str) -> TagSlip:
    multiline = len([line for line in summary.split("\n") if line.strip()]) > 1
    title = _first_line(summary) if multiline else ""
    after = f"after {_quote(title)}" if title else "after the title"
    return _slip(
        "summary",
        first,
        "the <summary> holds the whole text and the block opens onto nothing: "
        f"close </summary> {after}",
    )


def _unclosed_details(doc: Document, block: _Open) -> TagSlip:
    cut = block.body_end
    if block.runs_to_end:
        where = "where the block should end"
    elif _DETAILS_TAG.match(doc.text, cut):
        where = f"before the next <details> on line {_line(doc, cut)}"
    else:
        where = f"before the heading on line {_line(doc, cut)}"
    return _slip("details", block.tag, f"<details> is never closed: add </details> {where}")


def _loose_summary_slips(loose: list[_Tag]) -> list[TagSlip]:
    """``<summary>`` tags outside any ``<details>``: only the unpaired ones are slips."""
    slips = []
    opened: list[_Tag] = []
    for tag in loose:
        if not tag.closing:
            opened.append(tag)
        elif opened:
            opened.pop()
        else:
            slips.append(_stray_summary(tag))
    message = "<summary> is never closed: add </summary> after its title"
    return slips + [_slip("summary", t, message) for t in opened]


def _slip(element: str, tag: _Tag, message: str) -> TagSlip:
    return TagSlip(element, tag.start, tag.end, message)


def _stray_summary(tag: _Tag) -> TagSlip:
    return _slip(
        "summary",
        tag,
        "</summary> closes nothing: remove it or add the missing <summary> before it",
    )


@dataclass(frozen=True)
class EmptySummary:
    """A ``<details>`` block with nothing inside but its summary."""

    title: str
    start: int  # the ``<details>`` tag
    end: int  # just past ``</details>``, or where an unclosed block is taken to end
    closed: bool = True


def empty_summaries(doc: Document) -> Iterator[EmptySummary]:
    """Every ``<details>`` block whose summary is followed by only whitespace or comments,
    whether or not the block is closed (see :class:`DetailsBlock`)."""
    for block in details_layout(doc).blocks:
        if block.empty:
            yield EmptySummary(block.title, block.start, block.end, block.closed)
