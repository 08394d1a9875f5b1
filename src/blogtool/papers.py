"""Which entries of a draft are papers, in any layout: the one paper locator.

stub, report, ``blogtool papers`` and the rules BT207, BT402 and BT404 all ask this module,
so they agree on what a paper entry is. A draft is read in one pass (linear in its size).

A *reference* names a paper: a link to it, or its ID in the text. Recognised forms:

- arXiv links: ``arxiv.org/abs|pdf|html/ID`` (any scheme, ``www.`` or ``export.``, version,
  ``.pdf``), ``ar5iv`` mirrors, ``huggingface.co/papers/ID``, ``alphaxiv.org/abs/ID``,
  ``doi.org/10.48550/arXiv.ID``;
- arXiv IDs in prose: ``arXiv:ID`` (trailing punctuation left out) and ``10.48550/arXiv.ID``;
- links to papers without an arXiv ID (a ``.pdf`` file, OpenReview, the ACL Anthology, a
  DOI, proceedings): entries with a title and no ID.

An *entry* is a place where the draft lists one paper:

- ``heading``: a heading at any level with a reference in the heading itself, or in one of
  the first two lines under it (the house style ``### Title`` / ``[paper](...)``, a diary's
  ``### 26th January`` / ``[Title](...)``, a research page's ``## [Title](...)``). A year
  heading, a heading over other paper headings, and a heading over a list of entries are
  not entries themselves;
- ``quote``, ``bullet``, ``numbered``, ``line``: a blockquote, a list item, or a plain line
  that opens with a link to the paper (``> [Title](...)``, ``- [Title](...)``,
  ``1. [Title](...)``, ``[Title](...)``), or gives the title and then a label link
  (``- Title ([arXiv](...))``). A citation inside a sentence is not an entry;
- ``row``: a table row holding a reference;
- ``title``: pasted notes with neither headings nor links, a title line and then bullets,
  found only where that shape repeats (two titles at least).

What follows an entry and belongs to it (the section of a heading, the rest of a list item
or blockquote, the lines up to the next entry) is its *notes*; an entry inside another
entry's notes is a citation, not an entry. Titles are compared with :func:`title_key`.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .arxiv_id import ArxivId, InvalidArxivId, parse_arxiv_id
from .content import content_text
from .dates import parse_date_title
from .details import MEDIA_TAG
from .document import Document, Link, Section, blank_spans

__all__ = [
    "BULLET",
    "HEADING",
    "KINDS",
    "LINE",
    "NUMBERED",
    "QUOTE",
    "ROW",
    "TITLE",
    "Entry",
    "Reference",
    "entries",
    "find_entry",
    "is_label",
    "paper_ref_in_url",
    "references",
    "title_key",
    "titled_lines",
]

HEADING = "heading"
QUOTE = "quote"
BULLET = "bullet"
NUMBERED = "numbered"
ROW = "row"
LINE = "line"
TITLE = "title"
KINDS = (HEADING, QUOTE, BULLET, NUMBERED, ROW, LINE, TITLE)

# Words next to a paper link that name the link, not the paper (BT402's default list too).
LABELS = frozenset(
    "paper papers link links arxiv pdf abs abstract source url html hf huggingface "
    "alphaxiv doi code read here preprint".split()
)
_LEAD_LINES = 2  # a heading's reference may follow one short line (authors, a date)
_SHORT_LINE_WORDS = 12


# --- references ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """One mention of a paper. ``key`` compares papers: the arXiv ID without version, or
    for a malformed arXiv ID its text (lower case, version left out); None for a paper
    known only by its link."""

    start: int
    end: int
    line: int
    raw: str
    arxiv_id: ArxivId | None
    key: str | None
    link: Link | None = None

    @property
    def is_arxiv(self) -> bool:
        return self.key is not None


_ID = r"(?P<id>(?:[A-Za-z][A-Za-z-]*+(?:\.[A-Za-z][A-Za-z-]*+)?+/)?+\d[\w.]*+)"
_ARXIV_URL = re.compile(
    r"^(?:https?://)?+(?:(?:www|export)\.)?+"
    r"(?:arxiv\.org/(?:abs|pdf|html)/|ar5iv(?:\.labs\.arxiv)?\.org/(?:abs|html)/"
    r"|huggingface\.co/papers/|alphaxiv\.org/(?:abs|overview|pdf)/"
    r"|(?:dx\.)?doi\.org/10\.48550/arxiv\.)" + _ID + r"(?P<rest>.*)$",
    re.I | re.S,
)
# After the ID a paper link may only have: .pdf, a slash, a query or fragment, punctuation.
_ID_TAIL = re.compile(r"(?:\.pdf)?/?(?:[?#].*)?[.,;:]*$", re.I | re.S)
_PAPER_URL = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:"
    r"openreview\.net/(?:forum|pdf)\?id=|aclanthology\.org/|(?:dx\.)?doi\.org/10\.\d+/"
    r"|proceedings\.(?:neurips\.cc|mlr\.press)/|papers\.nips\.cc/|dl\.acm\.org/doi/"
    r"|[^?#\s]*\.pdf(?:[?#]|$))",
    re.I,
)
_TEXT_MENTION = re.compile(
    r"(?:(?<![\w.-])arxiv:[ ]?+|(?<![\w.])10\.48550/arxiv\."
    r"|(?<![\w./-])(?:www\.)?(?:arxiv\.org/(?:abs|pdf|html)|huggingface\.co/papers"
    r"|alphaxiv\.org/abs)/)"
    r"(?P<id>(?:[a-z][a-z-]*+(?:\.[a-z][a-z-]*+)?+/\d{7}|\d{4}\.\d++)(?:v\d++)?+)",
    re.I,
)
_LOOSE_NEW_STYLE = re.compile(r"(\d{4}\.\d+)(?:v\d+)?", re.I)


def _id_reference(raw: str) -> tuple[ArxivId | None, str | None]:
    """The parsed ID and its key; an arXiv-shaped ID that does not parse keeps its text."""
    raw = raw.rstrip(".")
    if raw.lower().endswith(".pdf"):
        raw = raw[:-4]
    try:
        parsed = parse_arxiv_id(raw)
    except InvalidArxivId:
        loose = _LOOSE_NEW_STYLE.fullmatch(raw)
        return None, (loose.group(1).lower() if loose else None)
    return parsed, parsed.base


def paper_ref_in_url(url: str) -> tuple[ArxivId | None, str | None, bool] | None:
    """``(ID, key, is_arxiv_form)`` for a link to a paper; None for any other link."""
    url = url.strip()
    match = _ARXIV_URL.match(url)
    if match:
        if not _ID_TAIL.fullmatch(match.group("rest")):
            return None  # a figure or a listing under the paper's URL, not the paper
        parsed, key = _id_reference(match.group("id"))
        if key is None:
            return None
        return parsed, key, True
    if _PAPER_URL.match(url):
        return None, None, False
    return None


def references(doc: Document) -> dict[int, list[Reference]]:
    """Every paper reference, by 1-based line, each line's in order; computed once."""
    memo = doc.memo.get("papers.references")
    if memo is not None:
        return memo
    found: list[Reference] = []
    link_spans: list[tuple[int, int]] = []
    for link in doc.links:
        if link.is_image:
            continue
        answer = paper_ref_in_url(link.target)
        link_spans.append((link.start, link.end))
        if answer is None:
            continue
        parsed, key, _ = answer
        line = _line_of(doc, link.start)
        found.append(Reference(link.start, link.end, line, link.target, parsed, key, link))
    link_spans.sort()
    starts = [start for start, _ in link_spans]
    for match in _TEXT_MENTION.finditer(doc.prose_text):
        start, end = match.span("id")
        i = bisect_right(starts, start) - 1
        if i >= 0 and link_spans[i][0] <= start < link_spans[i][1]:
            continue  # the ID in a link's text: the link speaks for it
        parsed, key = _id_reference(match.group("id"))
        if key is None:
            continue
        line = _line_of(doc, start)
        found.append(Reference(start, end, line, match.group("id"), parsed, key))
    by_line: dict[int, list[Reference]] = {}
    for ref in sorted(found, key=lambda r: r.start):
        by_line.setdefault(ref.line, []).append(ref)
    doc.memo["papers.references"] = by_line
    return by_line


def _line_of(doc: Document, offset: int) -> int:
    return bisect_right(doc.line_starts, offset)


# --- titles ----------------------------------------------------------------------------------


def title_key(title: str) -> str:
    """A title compared loosely: Unicode-normalised and casefolded, letters and digits only
    (markup, punctuation, hyphens and spacing differ between a heading and arXiv's title)."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", title).casefold())


def is_label(text: str) -> bool:
    """Link text that names the link (``paper``, ``arXiv``, ``PDF``, a URL), not the paper."""
    words = re.findall(r"[^\W_]+", text.casefold())
    if not words:
        return True
    if "://" in text or text.strip().lower().startswith(("www.", "arxiv.org")):
        return True
    named = any(w in LABELS for w in words)  # "arXiv v2" is a label, "V3" a model's name
    return all(w in LABELS or w.isdigit() or (named and re.fullmatch(r"v\d+", w)) for w in words)


# --- entries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One paper as the draft lists it.

    ``line`` is the line that opens the entry (the heading, the quote or list line);
    ``end_line`` the last line of its notes. ``prefix`` is what precedes the reference on
    the entry's line for the list shapes (``"> "``, ``"- "``, ``"12. "``), kept so a new
    entry can be written the same way.
    """

    kind: str
    line: int
    end_line: int
    title: str
    reference: Reference | None
    has_notes: bool
    section: Section | None = None
    prefix: str = ""
    in_heading: bool = False  # heading entries: the reference is in the heading itself
    slipped: bool = False  # listed in an indented code block (an indentation slip)

    @property
    def key(self) -> str | None:
        return self.reference.key if self.reference else None

    @property
    def arxiv_id(self) -> ArxivId | None:
        return self.reference.arxiv_id if self.reference else None

    @property
    def level(self) -> int:
        return self.section.level if self.section else 0

    @property
    def ref_line(self) -> int:
        return self.reference.line if self.reference else self.line


@dataclass
class _Candidate:
    """A block that opens with a paper reference, before nesting is settled."""

    kind: str
    line: int
    end_line: int
    title: str
    reference: Reference
    container: int  # id of the innermost list item / blockquote, 0 for the document
    prefix: str
    depth: int = 0  # how many list items and blockquotes hold it
    slipped: bool = False
    notes_from: int = 0  # first offset that may hold notes (after the reference's line part)


# Container markers before an entry: blockquote arrows, one list marker (also "-[" glued).
_LINE_LEAD = re.compile(r"[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])(?=[ \t\[<*_]|$)[ \t]*)?")
_EMPHASIS = re.compile(r"(?:\*\*|__|\*|_)?")
_LABEL_PREFIX = re.compile(
    r"(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z ]{0,19}?)(?::(?:\*\*|__)?|(?:\*\*|__):)[ \t]*"
)
_AFTER_LABEL_LINK = re.compile(r"[\s)\].,;|]*(?:$|\|)")
_BEFORE_LABEL_LINK = re.compile(r"(?:[(\[|:]|[-\u2013\u2014]|\s[-\u2013\u2014])\s*\(?$")
_TITLE_STRIP = " \t*_`~([{|:-\u2013\u2014>"
_NOTE_SEPARATOR = re.compile(r"^[\s)*_\]]*(?:[:|]|[-\u2013\u2014]\s|\s[-\u2013\u2014])")
_NUMBER = re.compile(r"(\d{1,9})[.)]")


def _opening(doc: Document, line: int, refs: Sequence[Reference]) -> tuple[Reference, str, str]:
    """How a line opens with a paper: ``(reference, title, prefix)``; raises LookupError."""
    text = doc.line_text(line)
    base = doc.line_starts[line - 1]
    lead = _LINE_LEAD.match(text)
    at = lead.end() if lead else 0
    prefix = text[:at]
    first = refs[0]
    # 1. the line opens with the reference, maybe behind emphasis or a label ("Paper: ")
    pos = at + _EMPHASIS.match(text, at).end() - at
    label = _LABEL_PREFIX.match(text, pos)
    if label and label.group("label").strip().casefold() in LABELS:
        pos = label.end()
        pos += _EMPHASIS.match(text, pos).end() - pos
    if first.start - base in (pos, pos + 1) and (first.start - base == pos or text[pos] == "<"):
        title = _link_title(first)
        return first, title, prefix
    # 2. a title, then a label link that ends the line or follows a separator
    for ref in refs:
        link = ref.link
        if link is None or not is_label(link.text):
            continue
        before = text[at : ref.start - base]
        after = text[ref.end - base :]
        if not before.strip():
            continue
        if _AFTER_LABEL_LINK.match(after) or _BEFORE_LABEL_LINK.search(before):
            title = before.strip(_TITLE_STRIP + " ").rstrip(_TITLE_STRIP + " ")
            if title and len(title.split()) <= 40:
                return ref, _plain(title), prefix
    raise LookupError(line)


def _link_title(ref: Reference) -> str:
    if ref.link is not None and not is_label(ref.link.text):
        return " ".join(ref.link.text.split())
    return ""


_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|[*_`~]+")


def _plain(text: str) -> str:
    return " ".join(_MARKUP.sub(lambda m: m.group(1) or "", text).split())


def _line_only(doc: Document, ref: Reference, title: str) -> bool:
    """A plain line names a paper when the link is all it holds, bar an attribution."""
    text = doc.line_text(ref.line)
    after = text[ref.end - doc.line_starts[ref.line - 1] :].strip()
    if not after or not title:
        return True
    return bool(re.match(r"(?:by\b|\(|,|[-\u2013\u2014:|])", after, re.I))


def _block_candidates(doc: Document, refs: dict[int, list[Reference]]) -> list[_Candidate]:
    """Quote, list, row, plain-line and slipped entries, in order, spans not yet settled."""
    found: list[_Candidate] = []
    stack: list[tuple[str, Any, int]] = []  # (kind, open token, index of its first child)
    list_kinds: list[str] = []
    tokens = doc.tokens
    first_child: set[int] = set()
    for i, token in enumerate(tokens):
        kind = token.type
        if kind in ("blockquote_open", "list_item_open"):
            stack.append((kind, token, i + 1))
            first_child.add(i + 1)
        elif kind in ("blockquote_close", "list_item_close"):
            stack.pop()
        elif kind in ("bullet_list_open", "ordered_list_open"):
            list_kinds.append(BULLET if kind == "bullet_list_open" else NUMBERED)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_kinds.pop()
        elif kind == "paragraph_open" and token.map:
            first, last = token.map
            container = stack[-1] if stack else None
            opens_container = container is not None and i in first_child
            for line in range(first + 1, last + 1):
                line_refs = refs.get(line)
                if not line_refs:
                    continue
                try:
                    ref, title, prefix = _opening(doc, line, line_refs)
                except LookupError:
                    continue
                if opens_container and line == first + 1:
                    assert container is not None
                    entry_kind = QUOTE if container[0] == "blockquote_open" else list_kinds[-1]
                    end = container[1].map[1] if container[1].map else last
                elif not _line_only(doc, ref, title):
                    continue
                else:
                    entry_kind, end = LINE, last
                    if container is not None and container[1].map:
                        end = container[1].map[1]
                cid = id(container[1]) if container else 0
                found.append(_Candidate(entry_kind, line, end, title, ref, cid, prefix, len(stack)))
        elif kind == "tr_open" and token.map:
            line = token.map[0] + 1
            line_refs = refs.get(line)
            ref = _row_reference(doc, line, line_refs or ())
            if ref is not None:
                found.append(_Candidate(ROW, line, line, _row_title(doc, i, ref), ref, -1, ""))
        elif kind == "code_block" and token.map:
            found += _slipped(doc, token.map)
    return found


def _row_reference(doc: Document, line: int, refs: Sequence[Reference]) -> Reference | None:
    """The paper a table row is about: a link in its first cell, or a label link (``arXiv``)
    anywhere. A row about something else citing a paper (``| DPO | [Rafailov et al.](...)
    | ...``) is not a paper entry: two algorithms of one paper are not a duplicate."""
    base = doc.line_starts[line - 1]
    text = doc.line_text(line)
    for ref in refs:
        before = text[: ref.start - base].strip().removeprefix("|")
        if "|" not in before.replace("\\|", "") or (
            ref.link is not None and is_label(ref.link.text)
        ):
            return ref
    return None


def _row_title(doc: Document, tr_index: int, ref: Reference) -> str:
    """The paper link's text, else the first cell that is not a label or a number."""
    title = _link_title(ref)
    if title:
        return title
    for token in doc.tokens[tr_index + 1 :]:
        if token.type == "tr_close":
            break
        if token.type == "inline":
            text = _plain(token.content)
            if text and not is_label(text):
                return text
    return ""


_SLIPPED_ENTRY = re.compile(
    r"^(?P<prefix>[ \t]*(?:[-*+]|\d{1,9}[.)])?[ \t]*)\[(?P<title>[^\]\n]+)\]\((?P<url>[^)\s]+)\)"
)


def _slipped(doc: Document, span: Sequence[int]) -> list[_Candidate]:
    """Link lines an indentation slip turned into a code block (``    - [Title](url)``)."""
    out = []
    for line in range(span[0] + 1, span[1] + 1):
        text = doc.line_text(line)
        match = _SLIPPED_ENTRY.match(text)
        if not match:
            continue
        answer = paper_ref_in_url(match.group("url"))
        if answer is None:
            continue
        parsed, key, _ = answer
        start = doc.line_starts[line - 1] + match.start("title") - 1
        end = start + match.end() - match.start("title") + 1
        ref = Reference(start, end, line, match.group("url"), parsed, key)
        title = _plain(match.group("title"))
        prefix = match.group("prefix").strip()
        kind = NUMBERED if prefix[:1].isdigit() else (BULLET if prefix else LINE)
        out.append(_Candidate(kind, line, line, title, ref, -2, "", slipped=True))
    return out


def _is_year_title(title: str) -> bool:
    return bool(re.fullmatch(r"\s*(?:19|20)\d\d\s*", title))


def _heading_reference(
    doc: Document,
    section: Section,
    refs: dict[int, list[Reference]],
    by_line: dict[int, _Candidate],
) -> tuple[Reference, bool] | None:
    """The reference that makes a section a paper's: in the heading, else right under it."""
    own = refs.get(section.line)
    if own:
        arxiv = [r for r in own if r.is_arxiv]
        return (arxiv or own)[0], True
    seen = 0
    for line in range(section.line + 1, section.body_end_line + 1):
        text = doc.line_text(line).strip()
        if not text or (text.startswith("<!--") and text.endswith("-->")):
            continue
        seen += 1
        for ref in refs.get(line, ()):
            if line in by_line or (ref.is_arxiv and _short(doc, line)):
                return ref, False
        if seen == _LEAD_LINES:
            break
    return None


def _short(doc: Document, line: int) -> bool:
    """A line short enough to be a reference line (``Dai et al., arXiv:1901.02860``), not a
    sentence that cites a paper on its way somewhere else."""
    text = doc.line_text(line)
    for ref in references(doc).get(line, ()):
        if ref.link is not None:
            base = doc.line_starts[line - 1]
            text = text[: ref.start - base] + " " * (ref.end - ref.start) + text[ref.end - base :]
    return len(text.split()) <= _SHORT_LINE_WORDS


def _heading_title(section: Section, ref: Reference, in_heading: bool, lead: _Candidate | None):
    if in_heading:
        return " ".join(section.title.split())
    if parse_date_title(section.title) is not None or not section.title.strip():
        if lead is not None and lead.title:
            return lead.title
        return _link_title(ref) or " ".join(section.title.split())
    return " ".join(section.title.split())


def entries(doc: Document) -> list[Entry]:
    """Every paper entry of the draft, in document order; computed once per document."""
    memo = doc.memo.get("papers.entries")
    if memo is not None:
        return memo

    refs = references(doc)
    candidates = _block_candidates(doc, refs)
    by_line = {c.line: c for c in candidates}
    hr_lines = [t.map[0] + 1 for t in doc.tokens if t.type == "hr" and t.map]
    heading_lines = [s.line for s in doc.sections]

    # headings: a reference in or right under the heading
    heads: list[tuple[Section, Reference, bool]] = []
    group: set[int] = set()
    for section in doc.sections:
        if _is_year_title(section.title):
            continue
        found = _heading_reference(doc, section, refs, by_line)
        if found is None:
            continue
        ref, in_heading = found
        lead = by_line.get(ref.line) if not in_heading else None
        if lead is not None and _heads_a_list(section, lead, candidates):
            continue
        heads.append((section, ref, in_heading))
        # a heading over paper headings groups them (## Transformers / ### BERT), unless
        # its own title is the link, or both are dates: a diary day slipped to ## is a day
        # like the ### days after it
        dated = parse_date_title(section.title) is not None
        parent = section.parent
        while parent is not None:
            if not (dated and parse_date_title(parent.title) is not None):
                group.add(id(parent))
            parent = parent.parent
    heads = [h for h in heads if h[2] or id(h[0]) not in group]  # a link in it names it

    # A heading entry runs to the end of its section, or to a paper heading inside it.
    # What it holds is its notes, but a list after a rule (----) in it is a list of its own.
    ends: list[int] = []
    scopes: list[tuple[int, int]] = []
    for n, (section, ref, _) in enumerate(heads):
        end = section.end_line
        if n + 1 < len(heads):
            end = min(end, heads[n + 1][0].line - 1)
        ends.append(end)
        i = bisect_right(hr_lines, ref.line)
        if i < len(hr_lines) and hr_lines[i] <= end:
            end = hr_lines[i] - 1
        scopes.append((section.line, end))

    titles = titled_lines(doc, refs)
    kept = _settle(doc, candidates, scopes, titles, hr_lines, heading_lines)

    result: list[Entry] = []
    notes = _Notes(doc)
    for (section, ref, in_heading), end in zip(heads, ends, strict=True):
        lead = by_line.get(ref.line) if not in_heading else None
        title = _heading_title(section, ref, in_heading, lead)
        has = notes.heading(section, end)
        result.append(Entry(HEADING, section.line, end, title, ref, has, section, "", in_heading))
    for c in kept:
        has = notes.block(c)
        entry = Entry(c.kind, c.line, c.end_line, c.title, c.reference, has, prefix=c.prefix)
        result.append(replace(entry, slipped=c.slipped))
    for line, end, title in titles:
        # the paper's link, if any, is a bullet holding nothing else
        linked = [n for n in range(line + 1, end + 1) if _link_only(doc, n, refs.get(n, ()))]
        first_ref = refs[linked[0]][0] if linked else None
        has = any(doc.line_text(n).strip() for n in range(line + 1, end + 1) if n not in linked)
        result.append(Entry(TITLE, line, end, title, first_ref, has))
        for n in linked[1:]:  # more link bullets: papers of their own (one had no title)
            ref = refs[n][0]
            result.append(Entry(BULLET, n, n, _link_title(ref), ref, False, prefix="- "))
    result.sort(key=lambda e: e.line)
    doc.memo["papers.entries"] = result
    return result


def _link_only(doc: Document, line: int, refs: Sequence[Reference]) -> bool:
    if len(refs) != 1 or refs[0].link is None:
        return False
    text = doc.line_text(line)
    lead = _LINE_LEAD.match(text)
    base = doc.line_starts[line - 1]
    rest = text[lead.end() if lead else 0 :]
    return rest.strip() == text[refs[0].start - base : refs[0].end - base]


def _heads_a_list(section: Section, lead: _Candidate, candidates: list[_Candidate]) -> bool:
    """A heading over two entries or more of one shape heads a list, not one paper."""
    lo = _first_at_or_after(candidates, lead.line)
    papers = set()
    for c in candidates[lo:]:
        if c.line > section.body_end_line:
            break
        if c.kind == lead.kind and c.depth == lead.depth:
            papers.add(c.reference.key or title_key(c.title) or c.reference.raw)
            if len(papers) > 1:
                return True
    return False


def _first_at_or_after(candidates: list[_Candidate], line: int) -> int:
    lo, hi = 0, len(candidates)
    while lo < hi:
        mid = (lo + hi) // 2
        if candidates[mid].line < line:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _settle(
    doc: Document,
    candidates: list[_Candidate],
    scopes: list[tuple[int, int]],
    titles: list[tuple[int, int, str]],
    hr_lines: list[int],
    heading_lines: list[int],
) -> list[_Candidate]:
    """Drop candidates inside a heading entry's or another entry's notes; cut each span at
    the next entry of its container, heading or rule."""
    outer = sorted(scopes + [(line, end) for line, end, _ in titles])
    starts = [s for s, _ in outer]
    candidates = sorted(candidates, key=lambda c: c.line)
    # the next candidate of the same container, for span ends
    next_same: dict[int, int] = {}
    for c in reversed(candidates):
        if c.kind in (LINE, QUOTE):
            following = next_same.get(c.container)
            if following is not None and following <= c.end_line:
                c.end_line = following - 1
            next_same[c.container] = c.line
    kept: list[_Candidate] = []
    open_end = 0
    for c in candidates:
        i = bisect_right(starts, c.line) - 1
        if i >= 0 and outer[i][0] <= c.line <= outer[i][1]:
            continue
        if c.line <= open_end:
            continue
        if c.kind == LINE:
            for stops in (hr_lines, heading_lines):
                j = bisect_right(stops, c.line)
                if j < len(stops) and stops[j] <= c.end_line:
                    c.end_line = stops[j] - 1
        j = bisect_right(starts, c.line)
        if j < len(starts) and starts[j] <= c.end_line:
            c.end_line = starts[j] - 1
        while c.end_line > c.line and not doc.line_text(c.end_line).strip():
            c.end_line -= 1  # a list item's or a quote's span ends in the blank line after it
        kept.append(c)
        open_end = max(open_end, c.end_line)
    return kept


class _Notes:
    """Whether an entry holds anything of the author's besides the reference."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self._content: str | None = None

    def content(self) -> str:
        if self._content is None:
            doc = self.doc
            blank = [
                (r.start, r.end)
                for line_refs in references(doc).values()
                for r in line_refs
                if r.link is not None
            ]
            text = content_text(doc, frozenset({"html_tag"}))
            self._content = blank_spans(text, blank)
        return self._content

    def _words(self, start: int, end: int) -> bool:
        text = self.content()[start:end]
        return any(
            not w.isdigit() and w.casefold() not in LABELS for w in re.findall(r"[^\W_]+", text)
        )

    def heading(self, section: Section, end_line: int) -> bool:
        doc = self.doc
        if section.children and section.children[0].line <= end_line:
            return True
        start = doc.line_starts[min(section.line, len(doc.line_starts) - 1)]
        if section.line >= len(doc.line_starts):
            return False
        end = _line_end(doc, end_line)
        if _MEDIA.search(doc.text, start, end):
            return True
        return self._words(start, end)

    def block(self, c: _Candidate) -> bool:
        doc = self.doc
        if c.slipped:
            return False
        line_start = doc.line_starts[c.line - 1]
        tail = doc.text[c.reference.end : _line_end(doc, c.line)]
        if c.kind == ROW:
            return self._words(line_start, _line_end(doc, c.line)) and _row_notes(doc, c)
        separated = _NOTE_SEPARATOR.match(tail)
        if separated and self._words(c.reference.end + separated.end(), _line_end(doc, c.line)):
            return True
        if c.end_line <= c.line:
            return False
        return self._words(_line_end(doc, c.line), _line_end(doc, c.end_line))


# a media element, or a Markdown image
_MEDIA = re.compile(MEDIA_TAG.pattern + r"|!\[", re.I)


def _row_notes(doc: Document, c: _Candidate) -> bool:
    """A row has notes when a cell besides the paper's link and title holds words."""
    cells = doc.line_text(c.line).strip().strip("|").split("|")
    title = title_key(c.title)
    for cell in cells:
        plain = _plain(cell)
        if not plain or is_label(plain) or title_key(plain) == title:
            continue
        if re.fullmatch(r"[\d\s./:-]+", plain):
            continue  # a year or a date
        if c.reference.link is not None and c.reference.link.target in cell:
            continue
        return True
    return False


def _line_end(doc: Document, line: int) -> int:
    line = max(1, min(line, len(doc.lines)))
    return doc.line_starts[line - 1] + len(doc.lines[line - 1])


# --- pasted notes: a title line, then bullets --------------------------------------------------

_BULLET_LINE = re.compile(r"^[ \t]{0,3}[-*+][ \t]")
_SENTENCE_END = re.compile(r"[.,;:!]\s*$")


def _looks_like_title(text: str) -> bool:
    words = re.findall(r"[^\W\d_][\w'-]*", text)
    if not words or len(text.split()) > 25 or _SENTENCE_END.search(text):
        return False
    long = [w for w in words if len(w) >= 4]
    if not long:
        return False
    upper = sum(1 for w in long if w[0].isupper())
    return upper * 5 >= len(long) * 3


def titled_lines(
    doc: Document, refs: dict[int, list[Reference]] | None = None
) -> list[tuple[int, int, str]]:
    """``(line, last line, title)`` of pasted notes' title lines: a line in title case that
    sits between bullets (where Markdown reads it as part of the bullet above) or opens a
    block of bullets. Found only where the shape repeats; never in code or headings."""
    memo = doc.memo.get("papers.titles")
    if memo is not None:
        return memo
    lines = doc.lines
    heading_lines = {s.line for s in doc.sections}
    found: list[tuple[int, int]] = []
    sandwiched = 0
    for n in range(1, len(lines) + 1):
        text = lines[n - 1]
        stripped = text.strip()
        if (
            not stripped
            or text[:1] in " \t"
            or _BULLET_LINE.match(text)
            or n in heading_lines
            or stripped[0] in "#>|<`[!"
            or not doc.is_prose(doc.line_starts[n - 1] + len(text) - len(text.lstrip()))
            or n >= len(lines)
            or not _BULLET_LINE.match(lines[n])
        ):
            continue
        above = lines[n - 2] if n > 1 else ""
        between = bool(_BULLET_LINE.match(above))
        if not (between or not above.strip()) or not _looks_like_title(stripped):
            continue
        sandwiched += between
        found.append((n, 0))
    result: list[tuple[int, int, str]] = []
    if sandwiched >= 2:
        for i, (n, _) in enumerate(found):
            stop = found[i + 1][0] - 1 if i + 1 < len(found) else len(lines)
            end = n
            while (
                end < stop
                and (_BULLET_LINE.match(lines[end]) or lines[end][:1] in " \t")
                and (lines[end].strip())
            ):
                end += 1
            result.append((n, end, " ".join(lines[n - 1].split())))
    doc.memo["papers.titles"] = result
    return result


# --- asking --------------------------------------------------------------------------------------


def find_entry(
    doc: Document, arxiv_id: ArxivId | None, title: str | None = None, level: int = 0
) -> Entry | None:
    """The entry that already holds this paper: one naming its ID, else one with its title.

    A title counts only for an entry that names no arXiv paper, or for a heading over
    nothing that does (a section the author started before looking up the link).
    ``level`` restricts heading entries to that level (0: any level).
    """
    found = entries(doc)
    if arxiv_id is not None:
        for entry in found:
            if entry.key == arxiv_id.base and _level_ok(entry, level):
                return entry
    if not title:
        return None
    wanted = title_key(title)
    if not wanted:
        return None
    for entry in found:
        if entry.key is None and title_key(entry.title) == wanted and _level_ok(entry, level):
            return entry
    refs = references(doc)
    for section in doc.sections:
        if level and section.level != level:
            continue
        if title_key(section.title) == wanted and not _names_a_paper(doc, section, refs):
            title = section.title
            return Entry(HEADING, section.line, section.end_line, title, None, True, section)
    return None


def _level_ok(entry: Entry, level: int) -> bool:
    return not level or entry.kind != HEADING or entry.level == level


def _names_a_paper(doc: Document, section: Section, refs: dict[int, list[Reference]]) -> bool:
    seen = 0
    for line in range(section.line, section.body_end_line + 1):
        if any(r.is_arxiv for r in refs.get(line, ())):
            return True
        if line > section.line and doc.line_text(line).strip():
            seen += 1
            if seen == _LEAD_LINES:
                break
    return False
