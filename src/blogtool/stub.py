"""Scaffold a paper section from arXiv metadata and put it in the right place of a draft.

The pure part takes text and returns text: :func:`render_section` fills the section template,
:func:`plan_stubs` inserts (or completes) sections in a draft's text. The small I/O part at the
end reads the draft, holds a lock file while it writes, and writes atomically.

Where a section goes, with ``placement = "year"`` (the default): under the year heading of the
paper's first-version year, before the first paper section of that year with a larger arXiv
ID, else at the end of the year section. A missing year section is created among the others
in order. With ``placement = "end"`` the section is appended to the file.

A paper is already in the draft when a section at the paper level (3 by default) names its
arXiv ID right under the heading, in any form (abs, pdf or html link, with or without version
or scheme, or ``arXiv:ID`` in the text), or failing that has its title as heading. It is never
added twice. Its section is completed when it is bare (heading, reference and empty summary
only) or, with ``update=True``, whatever it holds: an empty heading gets the title, a missing
paper link and a missing Quick Summary block are added. Nothing the author wrote is changed
or removed, and every result is checked for that before it is returned.

Writing is all or nothing: a draft that changed on disk since it was read (while stub waited
for arXiv) is not written, and on any error the file is left byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from string import Formatter
from typing import TYPE_CHECKING, Any

from blogtool.arxiv_id import ArxivId
from blogtool.atomic import sibling_name
from blogtool.document import Document, Section
from blogtool.lockfile import FileLock, LockError, end_cleanly
from blogtool.rules._util import paper_link
from blogtool.safetext import markdown_inline

if TYPE_CHECKING:
    from blogtool.net.arxiv import Paper

__all__ = [
    "BUILTIN_TEMPLATE",
    "PLACEHOLDERS",
    "DraftChanged",
    "DraftLock",
    "DraftUpdate",
    "Outcome",
    "PaperTemplate",
    "StubError",
    "StubPlan",
    "StubRequest",
    "StubSettings",
    "TemplateError",
    "check_lines_kept",
    "find_paper_section",
    "load_template",
    "outcome_without_metadata",
    "paper_fields",
    "plan_stubs",
    "read_draft",
    "render_section",
    "restore_line_endings",
    "settings_from_config",
    "to_lf",
    "unified_diff",
    "update_draft",
]

BUILTIN_TEMPLATE = "templates/paper.md"

# Every placeholder a template may use, with what it holds.
PLACEHOLDERS: dict[str, str] = {
    "title": "the title",
    "abs_url": "https://arxiv.org/abs/ID (versioned if a version was asked for)",
    "pdf_url": "https://arxiv.org/pdf/ID",
    "arxiv_id": "the ID without version: 2305.18290",
    "versioned_id": "the ID with version: 2305.18290v3",
    "authors": "all authors, comma-separated",
    "first_author": "the first author",
    "authors_short": "A / A and B / A et al.",
    "published": "date of the first version, YYYY-MM-DD",
    "updated": "date of this version, YYYY-MM-DD",
    "year": "year of the first version",
    "month": "month of the first version, 01-12",
    "abstract": "the abstract, on one line",
    "category": "the primary category: cs.CL",
}

_PLACEMENTS = ("year", "end")
_MAX_DRAFT_SIZE = 1 << 30  # the lint size limit is for linting; a stub may add to any draft
_ATX_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")
_EMPTY_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+#*)?[ \t]*$")
_COMMENT_LINE = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")
_DETAILS_BLOCK = re.compile(r"^[ \t]*<details\b.*?</details>[ \t]*$", re.S | re.M | re.I)
_SUMMARY = re.compile(r"<summary>(.*?)</summary>", re.S | re.I)
_LINE_END = re.compile(r"\r\n|\r|\n")


class StubError(Exception):
    """A reason the stub cannot be done, worded for the user; nothing was written."""


class TemplateError(StubError):
    """The section template is broken; the message names the template file."""


# --- settings and template -----------------------------------------------------------------


@dataclass(frozen=True)
class StubSettings:
    """Where sections go. ``year_heading_format`` is the title of a year heading."""

    placement: str = "year"
    year_heading_level: int = 2
    paper_heading_level: int = 3
    year_heading_format: str = "{year}"

    def __post_init__(self) -> None:
        if self.placement not in _PLACEMENTS:
            raise StubError(f'placement must be "year" or "end", not {self.placement!r}')
        for name in ("year_heading_level", "paper_heading_level"):
            if not 1 <= getattr(self, name) <= 6:
                raise StubError(f"{name} must be 1 to 6, not {getattr(self, name)}")
        if self.placement == "year" and self.year_heading_level >= self.paper_heading_level:
            raise StubError(
                f"year_heading_level ({self.year_heading_level}) must be smaller than "
                f"paper_heading_level ({self.paper_heading_level}) to hold paper sections"
            )
        _year_pattern(self.year_heading_format)  # validates the format

    def year_title(self, year: int) -> str:
        return self.year_heading_format.format(year=year)

    def year_of(self, section: Section) -> int | None:
        """The year a year heading stands for, or None for any other heading."""
        if section.level != self.year_heading_level:
            return None
        match = _year_pattern(self.year_heading_format).fullmatch(" ".join(section.title.split()))
        return int(match.group(1)) if match else None


def settings_from_config(config: Any) -> StubSettings:
    """Settings from ``[tool.blogtool.stub]``; a bad value is a :class:`StubError`."""
    table = config.section("stub")
    try:
        return StubSettings(
            placement=table.get("placement", "year"),
            year_heading_level=table.get("year_heading_level", 2),
            paper_heading_level=table.get("paper_heading_level", config.paper_heading_level),
            year_heading_format=table.get("year_heading_format", "{year}"),
        )
    except StubError as exc:
        raise StubError(f"{config.where('stub')}: [stub] {exc}") from None


def _year_pattern(fmt: str) -> re.Pattern[str]:
    """A pattern matching the (whitespace-collapsed) titles ``fmt`` makes, the year captured."""
    pieces: list[str] = []
    years = 0
    try:
        for literal, field, spec, conversion in Formatter().parse(" ".join(fmt.split())):
            pieces.append(re.escape(literal))
            if field is None:
                continue
            if field != "year" or spec or conversion:
                raise StubError(
                    f"year_heading_format {fmt!r} may only use the placeholder {{year}}"
                )
            years += 1
            pieces.append(r"(\d{4})")
    except ValueError as exc:
        raise StubError(f"year_heading_format {fmt!r}: {exc}") from None
    if years != 1:
        raise StubError(f"year_heading_format {fmt!r} must hold {{year}} once")
    return re.compile("".join(pieces), re.I)


@dataclass(frozen=True)
class PaperTemplate:
    """A section template; ``origin`` names its file in error messages."""

    text: str
    origin: str

    def render(self, values: Mapping[str, str]) -> str:
        """The template with every ``{name}`` replaced; ``{{`` and ``}}`` are literal braces."""
        out: list[str] = []
        line = 1
        try:
            for literal, field, spec, conversion in Formatter().parse(self.text):
                out.append(literal)
                line += literal.count("\n")
                if field is not None:
                    out.append(self._value(values, field, spec, conversion, line))
        except ValueError as exc:
            raise TemplateError(
                f"{self.origin}:{line}: {exc} (write a literal brace as {{{{ or }}}})"
            ) from None
        return "".join(out)

    def _value(
        self,
        values: Mapping[str, str],
        field: str,
        spec: str | None,
        conversion: str | None,
        line: int,
    ) -> str:
        if field not in values:
            shown = f"{{{field}}}" if field else "{}"
            raise TemplateError(
                f"{self.origin}:{line}: unknown placeholder {shown} "
                f"(known: {', '.join(sorted(PLACEHOLDERS))}; "
                "write a literal brace as {{ or }})"
            )
        value: object = values[field]
        if conversion == "r":
            value = repr(value)
        elif conversion == "a":
            value = ascii(value)
        if spec and "{" in spec:
            raise TemplateError(f"{self.origin}:{line}: nested placeholders are not supported")
        try:
            return format(value, spec or "")
        except ValueError as exc:
            raise TemplateError(f"{self.origin}:{line}: {{{field}:{spec}}}: {exc}") from None


_SAMPLE_FIELDS = {name: f"sample {name}" for name in PLACEHOLDERS} | {
    "title": "Sample Title",
    "abs_url": "https://arxiv.org/abs/2305.18290",
    "pdf_url": "https://arxiv.org/pdf/2305.18290",
    "arxiv_id": "2305.18290",
}


def load_template(path: Path | None = None) -> PaperTemplate:
    """The template at ``path``, or the built-in one; checked before any network work.

    A template must start with a heading and link the paper (``{abs_url}`` or ``{pdf_url}``),
    or a later stub could not recognise the section and would add it twice.
    """
    if path is None:
        from importlib import resources

        origin = f"<built-in>/{BUILTIN_TEMPLATE}"
        resource = resources.files("blogtool._data").joinpath(BUILTIN_TEMPLATE)
        text = resource.read_text(encoding="utf-8")
    else:
        from blogtool.sources import InputError, read_source

        origin = str(path)
        try:
            text = read_source(path, max_size=_MAX_DRAFT_SIZE)
        except InputError as exc:
            raise TemplateError(f"template {exc}") from None
    template = PaperTemplate(to_lf(text), origin)
    sample = _tidy_section(template.render(_SAMPLE_FIELDS), template, 3)
    doc = Document.from_text(sample)
    if not doc.sections or paper_link(doc, doc.sections[0]) is None:
        raise TemplateError(
            f"{origin}: the template has no link to the paper under its heading "
            "(add [paper]({abs_url})); without it the section is not recognised later"
        )
    return template


def _tidy_section(rendered: str, template: PaperTemplate, level: int) -> str:
    """Trim blank lines around the section and give its heading the paper level."""
    lines = rendered.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    heading = _ATX_HEADING.match(lines[0]) if lines else None
    if heading is None:
        raise TemplateError(f"{template.origin}: the template must start with a heading (### ...)")
    lines[0] = "#" * level + lines[0][heading.end() :]
    return "\n".join(lines) + "\n"


# --- one section ---------------------------------------------------------------------------


def paper_fields(paper: Paper, arxiv_id: ArxivId) -> dict[str, str]:
    """The placeholder values for one paper; ``arxiv_id`` is the ID as it was asked for.

    Metadata from arXiv is text, never markup: each value is escaped to read as itself
    wherever the template puts it (:func:`blogtool.safetext.markdown_inline`).
    """
    authors = tuple(markdown_inline(name) for name in paper.authors)
    if len(authors) > 2:
        short = f"{authors[0]} et al."
    else:
        short = " and ".join(authors)
    published = paper.published
    month = published.month if published else arxiv_id.month
    versioned = paper.versioned_id if arxiv_id.version is None else arxiv_id.versioned
    return {
        "title": markdown_inline(paper.title),
        "abs_url": arxiv_id.abs_url,
        "pdf_url": arxiv_id.pdf_url,
        "arxiv_id": arxiv_id.base,
        "versioned_id": versioned,
        "authors": ", ".join(authors),
        "first_author": authors[0] if authors else "",
        "authors_short": short,
        "published": published.isoformat() if published else "",
        "updated": paper.updated.isoformat() if paper.updated else "",
        "year": str(paper_year(paper, arxiv_id)),
        "month": f"{month:02d}",
        "abstract": markdown_inline(paper.abstract),
        "category": markdown_inline(paper.primary_category or ""),
    }


def render_section(
    template: PaperTemplate,
    paper: Paper,
    arxiv_id: ArxivId,
    settings: StubSettings | None = None,
) -> str:
    """The section for one paper, ending in one newline, heading at the paper level."""
    level = (settings or StubSettings()).paper_heading_level
    return _tidy_section(template.render(paper_fields(paper, arxiv_id)), template, level)


def paper_year(paper: Paper, arxiv_id: ArxivId) -> int:
    """The year a paper is filed under: that of its first version."""
    return paper.published.year if paper.published else arxiv_id.year


# --- finding paper sections ----------------------------------------------------------------

_ARXIV_HOST = re.compile(r"arxiv\.org/", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_EMPTY_DETAILS = re.compile(
    r"<details\b[^>]*>\s*(?:<summary>.*?</summary>\s*)?</details>", re.S | re.I
)
_LEAD_LINES = 2  # as rules._util.paper_link: the paper is named right under the heading


@dataclass(frozen=True)
class PaperSection:
    """A section that already holds a paper, and what it has of a stub."""

    section: Section
    arxiv_id: ArxivId | None  # None: matched by title, no arXiv reference under the heading
    linked: bool  # a link to the paper opens the body, not only an ``arXiv:ID`` in the text
    bare: bool  # nothing but the heading, the reference, comments and empty <details> blocks


def _lead(doc: Document, section: Section) -> list[int]:
    """The first non-blank lines of a section's own body, HTML comment lines skipped."""
    lead: list[int] = []
    for line in range(section.line + 1, section.body_end_line + 1):
        text = doc.line_text(line).strip()
        if text and not _COMMENT_LINE.match(text):
            lead.append(line)
            if len(lead) == _LEAD_LINES:
                break
    return lead


def _references_on(doc: Document, line: int) -> list[tuple[int, ArxivId, bool]]:
    """``(offset, ID, is a link)`` for every valid arXiv reference on a line, in order.

    A reference is a link to arxiv.org in any form (abs, pdf, html; any scheme, host prefix
    or version; inline, reference-style, autolink or bare URL) or an ``arXiv:ID`` or
    ``arxiv.org/abs/ID`` written in prose (not in code, math or comments).
    """
    from blogtool.arxiv_id import InvalidArxivId, find_arxiv_references, parse_arxiv_id

    start = doc.offset(line)
    end = start + len(doc.line_text(line))
    found: list[tuple[int, ArxivId, bool]] = []
    if "stub_links" not in doc.memo:
        links = sorted(doc.links, key=lambda link: link.start)
        doc.memo["stub_links"] = (links, [link.start for link in links])
    links, starts = doc.memo["stub_links"]
    candidates = [
        (link.start, link.target, True)
        for link in links[bisect_left(starts, start) : bisect_left(starts, end)]
        if not link.is_image and _ARXIV_HOST.search(link.target)
    ]
    candidates += [
        (start + ref.start, ref.raw, False)
        for ref in find_arxiv_references(doc.prose_text[start:end])
    ]
    for offset, raw, is_link in candidates:
        with contextlib.suppress(InvalidArxivId):
            found.append((offset, parse_arxiv_id(raw), is_link))
    return sorted(found, key=lambda found_at: found_at[0])


def _section_paper(doc: Document, section: Section) -> tuple[ArxivId, int] | None:
    """The paper a section is about, and the line naming it; None for any other section.

    The link the lint rules take (:func:`paper_link`) wins; failing that, the first arXiv
    reference in any form under the heading.
    """
    from blogtool.arxiv_id import InvalidArxivId, parse_arxiv_id

    link = paper_link(doc, section)
    if link is not None:
        with contextlib.suppress(InvalidArxivId):
            return parse_arxiv_id(link.target), doc.position(link.start)[0]
    for line in _lead(doc, section):
        references = _references_on(doc, line)
        if references:
            return references[0][1], line
    return None


def _reference_lines(doc: Document, section: Section, arxiv_id: ArxivId) -> list[int]:
    """Lines under the heading that name this paper."""
    return [
        line
        for line in _lead(doc, section)
        if any(found.base == arxiv_id.base for _, found, _ in _references_on(doc, line))
    ]


def _links_paper(doc: Document, section: Section, arxiv_id: ArxivId) -> bool:
    return any(
        is_link and found.base == arxiv_id.base
        for line in _lead(doc, section)
        for _, found, is_link in _references_on(doc, line)
    )


def _is_bare(doc: Document, section: Section, reference_line: int | None) -> bool:
    if section.children:
        return False
    lines = range(section.line + 1, section.body_end_line + 1)
    body = "\n".join(doc.line_text(n) for n in lines if n != reference_line)
    return not _EMPTY_DETAILS.sub("", _COMMENT.sub("", body)).strip()


def _paper_sections(doc: Document, level: int) -> list[PaperSection]:
    found = []
    for section in doc.sections:
        if section.level != level:
            continue
        paper = _section_paper(doc, section)
        if paper is not None:
            arxiv_id, line = paper
            linked = _links_paper(doc, section, arxiv_id)
            found.append(PaperSection(section, arxiv_id, linked, _is_bare(doc, section, line)))
    return found


def find_paper_section(
    doc: Document, arxiv_id: ArxivId, level: int = 3, title: str | None = None
) -> PaperSection | None:
    """The section that already holds this paper: one naming it, else one with its title.

    The paper is recognised by its arXiv ID in any form under the heading (see
    :func:`_references_on`); failing that, by a heading with the paper's title (compared
    without case, punctuation or markup) over a body that names no arXiv paper.
    """
    papers = _paper_sections(doc, level)
    for candidate in papers:
        if candidate.arxiv_id is not None and candidate.arxiv_id.base == arxiv_id.base:
            return candidate
    if title:
        wanted = _title_key(title)
        named = {id(paper.section) for paper in papers}
        for section in doc.sections:
            if section.level != level or id(section) in named or not wanted:
                continue
            if _title_key(section.title) == wanted and paper_link(doc, section) is None:
                return PaperSection(section, None, False, _is_bare(doc, section, None))
    return None


def _title_key(title: str) -> str:
    """A title compared loosely: Unicode-normalised and casefolded, letters and digits only
    (markup, punctuation, hyphens and spacing differ between a heading and arXiv's title)."""
    import unicodedata

    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", title).casefold())


@dataclass(frozen=True)
class _Missing:
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


def _missing(
    doc: Document, existing: PaperSection, summary: tuple[str, str, str] | None
) -> _Missing:
    section = existing.section
    title = not section.title and bool(_EMPTY_ATX_HEADING.match(doc.line_text(section.line)))
    label = None
    if summary is not None:
        body = "\n".join(doc.lines[section.line - 1 : section.body_end_line])
        if not re.search(summary[1], body, re.I):
            label = summary[2]
    return _Missing(title, not existing.linked, label)


# --- planning: text in, text out -----------------------------------------------------------


@dataclass(frozen=True)
class StubRequest:
    """One paper to stub: the ID as asked for and its metadata."""

    arxiv_id: ArxivId
    paper: Paper


@dataclass(frozen=True)
class Outcome:
    """What happened to one paper.

    ``action``: added; completed (a bare section, or any with ``update``, got what it
    lacked); complete (already there, nothing to add); skipped (already there with the
    author's text, ``detail`` says what ``update`` would add).
    """

    arxiv_id: str
    action: str
    line: int  # 1-based line of the section's heading in the new text
    title: str
    detail: str = ""


@dataclass(frozen=True)
class StubPlan:
    text: str
    outcomes: tuple[Outcome, ...]

    @property
    def changed(self) -> bool:
        return any(o.action in ("added", "completed") for o in self.outcomes)


def plan_stubs(
    text: str,
    requests: Sequence[StubRequest],
    template: PaperTemplate,
    settings: StubSettings | None = None,
    update: bool = False,
) -> StubPlan:
    """Add a section per request to a draft's LF text, or complete the one already there.

    A paper already in the draft is never added twice. Its section is completed (an empty
    heading gets the title, a missing paper link and summary block are added) when it is
    bare, or whatever it holds with ``update``; otherwise it is left alone.

    Raises :class:`StubError` if the result would not keep every line of ``text`` in order.
    """
    settings = settings or StubSettings()
    level = settings.paper_heading_level
    new = text
    pending: list[tuple[StubRequest, str, str]] = []
    for request in requests:
        section_text = render_section(template, request.paper, request.arxiv_id, settings)
        doc = Document.from_text(new)
        existing = find_paper_section(doc, request.arxiv_id, level, request.paper.title)
        if existing is None:
            new, detail = _insert(new, doc, request, section_text, settings)
            pending.append((request, "added", detail))
            continue
        missing = _missing(doc, existing, _summary_block(section_text))
        if not missing:
            pending.append((request, "complete", ""))
        elif update or existing.bare:
            new = _complete(new, existing, missing, section_text, request)
            pending.append((request, "completed", "added " + missing.describe()))
        else:
            pending.append((request, "skipped", missing.describe()))
    check_lines_kept(text, new)
    final = Document.from_text(new)
    outcomes = []
    for request, action, detail in pending:
        where = find_paper_section(final, request.arxiv_id, level, request.paper.title)
        line = where.section.line if where else 0
        title = where.section.title if where and where.section.title else request.paper.title
        outcomes.append(Outcome(request.arxiv_id.base, action, line, title, detail))
    return StubPlan(new, tuple(outcomes))


def outcome_without_metadata(
    text: str,
    arxiv_id: ArxivId,
    template: PaperTemplate,
    settings: StubSettings | None = None,
    update: bool = False,
) -> Outcome | None:
    """What :func:`plan_stubs` would do with a paper already in the draft, if that needs no
    metadata (the section is complete, or holds the author's text and ``update`` is off);
    None when the paper has to be fetched. Lets a stub of a paper already there skip arXiv.
    """
    settings = settings or StubSettings()
    doc = Document.from_text(to_lf(text))
    existing = find_paper_section(doc, arxiv_id, settings.paper_heading_level)
    if existing is None:
        return None
    missing = _missing(doc, existing, _summary_block(template.render(_SAMPLE_FIELDS)))
    section = existing.section
    if not missing:
        return Outcome(arxiv_id.base, "complete", section.line, section.title)
    if update or existing.bare:
        return None
    return Outcome(arxiv_id.base, "skipped", section.line, section.title, missing.describe())


def _insert(
    text: str, doc: Document, request: StubRequest, block: str, settings: StubSettings
) -> tuple[str, str]:
    if settings.placement == "end":
        return _splice(text, len(text), block), "at the end"
    year = paper_year(request.paper, request.arxiv_id)
    years = [(y, s) for s in doc.sections if (y := settings.year_of(s)) is not None]
    heading = "#" * settings.year_heading_level + " " + settings.year_title(year)
    home = next((s for y, s in years if y == year), None)
    if home is not None:
        key = request.arxiv_id.without_version().sort_key()
        for paper in _paper_sections(doc, settings.paper_heading_level):
            inside = home.start <= paper.section.start < home.end
            if inside and paper.arxiv_id and paper.arxiv_id.without_version().sort_key() > key:
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
        if not _COMMENT_LINE.match(text[previous_start : pos - 1]):
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


def _complete(
    text: str,
    existing: PaperSection,
    missing: _Missing,
    rendered: str,
    request: StubRequest,
) -> str:
    """Give an existing section what it lacks; every line already there stays as it is."""
    line = existing.section.line
    if missing.title:
        lines = text.split("\n")
        heading = lines[line - 1]
        empty = _EMPTY_ATX_HEADING.match(heading)
        assert empty is not None
        indent = heading[: len(heading) - len(heading.lstrip())]
        lines[line - 1] = f"{indent}{empty.group(1)} {markdown_inline(request.paper.title)}"
        text = "\n".join(lines)
    if missing.link:
        rendered_doc = Document.from_text(rendered)
        link = paper_link(rendered_doc, rendered_doc.sections[0])
        assert link is not None  # load_template checked the template links the paper
        link_line = rendered_doc.lines[rendered_doc.position(link.start)[0] - 1]
        text = _splice(text, _line_offset(text, line), link_line + "\n")
    summary = _summary_block(rendered)
    if missing.summary is not None and summary is not None:
        doc = Document.from_text(text)
        section = _section_at_line(doc, line)
        # after the paragraph naming the paper, else right under the heading
        named = _reference_lines(doc, section, request.arxiv_id)
        after = _block_end(doc, named[-1] - 1) + 1 if named else line
        text = _splice(text, _line_offset(text, after), summary[0])
    return text


def _summary_block(rendered: str) -> tuple[str, str, str] | None:
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


# --- line endings and the no-loss check ----------------------------------------------------


def _split_lines(text: str) -> list[tuple[str, str]]:
    """``(content, ending)`` pairs; the last ending is "" when the text does not end in one."""
    pairs: list[tuple[str, str]] = []
    pos = 0
    for match in _LINE_END.finditer(text):
        pairs.append((text[pos : match.start()], match.group()))
        pos = match.end()
    if pos < len(text):
        pairs.append((text[pos:], ""))
    return pairs


def to_lf(raw: str) -> str:
    """The text as the planner sees it: no BOM, every line ending a ``\\n``."""
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    return "".join(content + ("\n" if ending else "") for content, ending in _split_lines(raw))


def _same_line(old: str, new: str) -> bool:
    if old == new:
        return True
    # The one line --update may change: an empty heading that got its title.
    empty = _EMPTY_ATX_HEADING.match(old)
    return bool(empty) and new.lstrip(" ").startswith(empty.group(1) + " ")


def _match_lines(old: list[str], new: list[str]) -> list[int | None]:
    """For each new line, the old line it keeps (greedy, in order); raises if one is lost."""
    mapping: list[int | None] = [None] * len(new)
    j = 0
    for i, line in enumerate(new):
        if j < len(old) and _same_line(old[j], line):
            mapping[i] = j
            j += 1
    if j < len(old):
        raise StubError(
            f"internal error: the new draft would lose line {j + 1} ({old[j][:60]!r}); "
            "nothing written, please report this"
        )
    return mapping


def check_lines_kept(old: str, new: str) -> None:
    """Raise :class:`StubError` unless every line of ``old`` is in ``new``, in order."""
    _match_lines(old.split("\n"), new.split("\n"))


def restore_line_endings(old_raw: str, new_lf: str) -> str:
    """``new_lf`` written the way ``old_raw`` was: its BOM, line endings and final newline.

    Kept lines keep their own ending; new lines get the draft's most common one.
    """
    bom = "\ufeff" if old_raw.startswith("\ufeff") else ""
    old = _split_lines(old_raw[len(bom) :])
    new = _split_lines(new_lf)
    endings = [ending for _, ending in old if ending]
    default = max(("\r\n", "\n", "\r"), key=endings.count) if endings else "\n"
    mapping = _match_lines([c for c, _ in old], [c for c, _ in new])
    out = []
    for (content, ending), j in zip(new, mapping, strict=True):
        if ending:
            ending = old[j][1] if j is not None and old[j][1] else default
        out.append(content + ending)
    if old and not old[-1][1] and out:
        out[-1] = new[-1][0]  # the draft had no final newline; do not add one
    return bom + "".join(out)


def unified_diff(old: str, new: str, path: str) -> str:
    """A unified diff of two LF texts, as ``git diff`` would show it."""

    def lines(text: str) -> list[str]:
        return [content + "\n" for content, _ in _split_lines(text)]

    diff = difflib.unified_diff(lines(old), lines(new), f"a/{path}", f"b/{path}")
    return "".join(diff)


# --- the draft on disk ---------------------------------------------------------------------


def read_draft(path: Path) -> str:
    """The draft's text exactly as stored (BOM and line endings kept)."""
    from blogtool.sources import InputError, read_source

    try:
        return read_source(path, max_size=_MAX_DRAFT_SIZE)
    except InputError as exc:
        raise StubError(str(exc)) from None


def check_writable(path: Path) -> None:
    """Refuse a draft marked read-only, even for root, before any network work."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise StubError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not mode & 0o222 or not os.access(path, os.W_OK):
        raise StubError(f"{path}: the file is read-only; nothing written")


class DraftLock(FileLock):
    """``<draft>.lock``, an flock (:mod:`blogtool.lockfile`), so one stub at a time writes a
    draft; another run waits up to ``timeout`` seconds. The operating system releases it when
    its process dies, so a killed stub leaves no lock to wait for."""

    def __init__(self, draft: Path, timeout: float = 10.0, poll: float = 0.05) -> None:
        lock = draft.with_name(sibling_name(draft.name, "lock"))
        super().__init__(lock, timeout, poll, holder="another blogtool stub")

    def __enter__(self) -> DraftLock:
        try:
            super().__enter__()
        except LockError as exc:
            raise StubError(f"{exc}; nothing written") from None
        return self


class DraftChanged(StubError):
    """The draft on disk is not the one stub read and planned for; nothing was written."""


@dataclass(frozen=True)
class DraftUpdate:
    plan: StubPlan
    written: bool


def update_draft(
    path: Path,
    edit: Callable[[str], StubPlan],
    expected: str | None = None,
    *,
    lock_timeout: float = 10.0,
) -> DraftUpdate:
    """Apply ``edit`` (LF text in, plan out) to the draft on disk, all or nothing.

    ``expected`` is the draft as read before the network work. Under the lock, the draft is
    read again: if it is not ``expected`` any more (an editor saved it, or another stub wrote
    its section), nothing is written and :class:`DraftChanged` says so; the same if it
    changes while the edit is planned. Otherwise the plan is checked to keep every line and
    written atomically. On any error the draft is left byte for byte as it was.
    """
    from blogtool.atomic import atomic_write_text

    if path.is_symlink():
        path = path.resolve()  # replace the file the link points to, not the link
    # SIGTERM and SIGHUP end the run through the same cleanup as an error: no temporary file.
    with end_cleanly(), DraftLock(path, timeout=lock_timeout):
        raw = read_draft(path)
        if expected is not None and raw != expected:
            raise DraftChanged(
                f"{path} changed on disk while stub waited for arXiv; nothing written. "
                "Run the command again (the metadata is cached, so no new request is made)."
            )
        plan = edit(to_lf(raw))
        if not plan.changed:
            return DraftUpdate(plan, written=False)
        new_raw = restore_line_endings(raw, plan.text)
        if read_draft(path) != raw:
            raise DraftChanged(
                f"{path} changed on disk while stub was writing it; nothing written. "
                "Run the command again."
            )
        check_writable(path)
        try:
            atomic_write_text(path, new_raw)
        except OSError as exc:
            raise StubError(
                f"{path}: cannot write: {exc.strerror or exc}; the draft is unchanged"
            ) from None
        return DraftUpdate(plan, written=True)
