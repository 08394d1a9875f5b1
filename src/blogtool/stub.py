"""Scaffold a paper entry from arXiv metadata and put it where the draft keeps its papers.

The module has three parts, in this order:

- **templates**: one per layout (``rules/templates/<layout>.md``), each checked before any
  request: it must render to an entry the locator recognises as this paper, in the
  layout's shape, or a later stub would add the paper twice;
- **the planner**, text in and text out (:func:`plan_stubs`): which entries are papers
  comes from :mod:`blogtool.papers`, the draft's shape from :mod:`blogtool.layouts`;
- **the writer**: :mod:`blogtool.draftfile` reads the draft, holds a lock file while it
  writes, writes atomically; stub adds how its messages word it.

Where an entry goes depends on the layout. With year sections (``years``, and any draft
whose layout cannot be inferred, which also gets a one-line note): under the year heading
of the paper's first-version year, before the first paper of that year with a larger arXiv
ID, else at the end of the year section; a missing year section is created among the
others in order (``placement = "end"`` appends to the file instead). In every other layout
the entry goes where the draft adds its entries: after the last one, or before the first
one when the entries run newest first. Year sections are never created there.

A paper is already in the draft when any entry names it (its arXiv ID in any form, see
:mod:`blogtool.papers`) or, failing that, has its title. It is never added twice. A bare
paper section (heading, reference and empty summary only) is completed, and with
``update=True`` any paper section: an empty heading gets the title, a missing paper link
and a missing Quick Summary block are added. Nothing the author wrote is changed or
removed, and every result is checked for that before it is returned.

Writing is all or nothing: a draft that changed on disk since it was read (while stub waited
for arXiv) is not written, and on any error the file is left byte for byte as it was.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import pairwise
from pathlib import Path
from string import Formatter
from typing import TYPE_CHECKING, Any

from blogtool import draftfile
from blogtool import layouts as shapes
from blogtool.arxiv_id import ArxivId
from blogtool.document import Document, Section
from blogtool.draftfile import (
    DraftChanged,
    DraftError,
    check_writable,
    read_draft,
    to_lf,
    unified_diff,
)
from blogtool.papers import HEADING, Entry, entries, find_entry
from blogtool.safetext import markdown_inline

if TYPE_CHECKING:
    from blogtool.net.arxiv import Paper

__all__ = [
    "BUILTIN_TEMPLATE",
    "PLACEHOLDERS",
    "TEMPLATE_FILES",
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
    "Templates",
    "check_lines_kept",
    "check_writable",
    "draft_layout",
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
# The built-in template of each layout (rules/templates/, shipped as blogtool._data).
TEMPLATE_FILES: dict[str, str] = {
    shapes.YEARS: BUILTIN_TEMPLATE,
    shapes.HEADINGS: BUILTIN_TEMPLATE,
    shapes.DIARY: "templates/diary.md",
    shapes.HEADING_LINKS: "templates/heading-links.md",
    shapes.QUOTES: "templates/quotes.md",
    shapes.BULLETS: "templates/bullets.md",
    shapes.NUMBERED_LIST: "templates/numbered.md",
    shapes.TABLE: "templates/table.md",
    shapes.LINKS: "templates/links.md",
    shapes.TITLES: "templates/titles.md",
}
# Placeholders a layout's template must use, besides a link to the paper.
REQUIRED: dict[str, tuple[str, ...]] = {shapes.DIARY: ("today",)}

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
    "today": "today's date (or --date), written as the draft writes its dates",
}

_PLACEMENTS = ("year", "end")
_ATX_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")
_EMPTY_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+#*)?[ \t]*$")
_COMMENT_LINE = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")
_DETAILS_BLOCK = re.compile(r"^[ \t]*<details\b.*?</details>[ \t]*$", re.S | re.M | re.I)
_SUMMARY = re.compile(r"<summary>(.*?)</summary>", re.S | re.I)


# A reason the stub cannot be done, worded for the user; nothing was written. One kind with
# the draft file's own errors, so the CLI reports a lock or a read-only draft the same way.
StubError = DraftError


class TemplateError(StubError):
    """The section template is broken; the message names the template file."""


# --- settings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StubSettings:
    """Where entries go. Heading levels left at None follow the draft (2 and 3 if it has
    no year or paper headings); ``layout`` None infers the layout from the draft."""

    placement: str = "year"
    year_heading_level: int | None = None
    paper_heading_level: int | None = None
    year_heading_format: str = "{year}"
    layout: str | None = None

    def __post_init__(self) -> None:
        if self.placement not in _PLACEMENTS:
            raise StubError(f'placement must be "year" or "end", not {self.placement!r}')
        for name in ("year_heading_level", "paper_heading_level"):
            value = getattr(self, name)
            if value is not None and not 1 <= value <= 6:
                raise StubError(f"{name} must be 1 to 6, not {value}")
        year, paper = self.year_heading_level or 2, self.paper_heading_level or 3
        if self.placement == "year" and self.year_heading_level is not None and year >= paper:
            raise StubError(
                f"year_heading_level ({year}) must be smaller than "
                f"paper_heading_level ({paper}) to hold paper sections"
            )
        if self.layout is not None and self.layout not in shapes.LAYOUTS:
            raise StubError(f"unknown layout {self.layout!r} (known: {', '.join(shapes.LAYOUTS)})")
        _year_pattern(self.year_heading_format)  # validates the format

    def year_title(self, year: int) -> str:
        return self.year_heading_format.format(year=year)

    def year_of(self, section: Section) -> int | None:
        """The year a year heading stands for, or None for any other heading."""
        if self.year_heading_level is not None and section.level != self.year_heading_level:
            return None
        match = _year_pattern(self.year_heading_format).fullmatch(" ".join(section.title.split()))
        return int(match.group(1)) if match else None


def settings_from_config(config: Any, layout: str | None = None) -> StubSettings:
    """Settings from ``[tool.blogtool.stub]`` (``layout`` from ``--layout`` wins); a bad
    value is a :class:`StubError`."""
    table = config.section("stub")
    top_level = config.paper_heading_level if config.paper_heading_level != 3 else None
    try:
        return StubSettings(
            placement=table.get("placement", "year"),
            year_heading_level=table.get("year_heading_level"),
            paper_heading_level=table.get("paper_heading_level", top_level),
            year_heading_format=table.get("year_heading_format", "{year}"),
            layout=layout or table.get("layout"),
        )
    except StubError as exc:
        where = "--layout" if layout and "layout" in str(exc) else config.where("stub")
        raise StubError(f"{where}: {exc}" if layout else f"{where}: [stub] {exc}") from None


def _year_pattern(fmt: str) -> re.Pattern[str]:
    """A pattern matching the (whitespace-collapsed) titles ``fmt`` makes, the year captured."""
    pieces: list[str] = []
    years = 0
    try:
        for literal, field_name, spec, conversion in Formatter().parse(" ".join(fmt.split())):
            pieces.append(re.escape(literal))
            if field_name is None:
                continue
            if field_name != "year" or spec or conversion:
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


# --- templates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperTemplate:
    """An entry template; ``origin`` names its file in error messages."""

    text: str
    origin: str
    layout: str = shapes.YEARS

    def fields(self) -> set[str]:
        """The placeholders the template uses."""
        with contextlib.suppress(ValueError):
            return {name for _, name, _, _ in Formatter().parse(self.text) if name}
        return set()

    def render(self, values: Mapping[str, str]) -> str:
        """The template with every ``{name}`` replaced; ``{{`` and ``}}`` are literal braces."""
        out: list[str] = []
        line = 1
        try:
            for literal, field_name, spec, conversion in Formatter().parse(self.text):
                out.append(literal)
                line += literal.count("\n")
                if field_name is not None:
                    out.append(self._value(values, field_name, spec, conversion, line))
        except ValueError as exc:
            raise TemplateError(
                f"{self.origin}:{line}: {exc} (write a literal brace as {{{{ or }}}})"
            ) from None
        return "".join(out)

    def _value(
        self,
        values: Mapping[str, str],
        field_name: str,
        spec: str | None,
        conversion: str | None,
        line: int,
    ) -> str:
        if field_name not in values:
            shown = f"{{{field_name}}}" if field_name else "{}"
            raise TemplateError(
                f"{self.origin}:{line}: unknown placeholder {shown} "
                f"(known: {', '.join(sorted(PLACEHOLDERS))}; "
                "write a literal brace as {{ or }})"
            )
        value: object = values[field_name]
        if conversion == "r":
            value = repr(value)
        elif conversion == "a":
            value = ascii(value)
        if spec and "{" in spec:
            raise TemplateError(f"{self.origin}:{line}: nested placeholders are not supported")
        try:
            return format(value, spec or "")
        except ValueError as exc:
            raise TemplateError(f"{self.origin}:{line}: {{{field_name}:{spec}}}: {exc}") from None


_SAMPLE_FIELDS = {name: f"sample {name}" for name in PLACEHOLDERS} | {
    "title": "Sample Title",
    "abs_url": "https://arxiv.org/abs/2305.18290",
    "pdf_url": "https://arxiv.org/pdf/2305.18290",
    "arxiv_id": "2305.18290",
    "versioned_id": "2305.18290v1",
    "today": "2025-01-26",
}


def load_template(path: Path | None = None, layout: str = shapes.YEARS) -> PaperTemplate:
    """The template at ``path``, or the layout's built-in one; checked before any request.

    Rendered with sample values, a template must give one entry of the layout's shape
    that names the paper (a link to ``{abs_url}`` or ``{pdf_url}``), or a later stub
    could not recognise the entry and would add the paper twice; a heading layout's
    template starts with a heading; a diary's uses ``{today}``.
    """
    if path is None:
        from importlib import resources

        name = TEMPLATE_FILES[layout]
        origin = f"<built-in>/{name}"
        text = resources.files("blogtool._data").joinpath(name).read_text(encoding="utf-8")
    else:
        from blogtool.sources import InputError, read_source

        origin = str(path)
        try:
            text = read_source(path, max_size=draftfile.MAX_DRAFT_SIZE)
        except InputError as exc:
            raise TemplateError(f"template {exc}") from None
    template = PaperTemplate(to_lf(text), origin, layout)
    _check_template(template)
    return template


def _check_template(template: PaperTemplate) -> None:
    layout = template.layout
    missing = [name for name in REQUIRED.get(layout, ()) if name not in template.fields()]
    if missing:
        wanted = ", ".join(f"{{{name}}}" for name in missing)
        raise TemplateError(
            f"{template.origin}: a template for the {layout} layout must use {wanted} "
            f"({PLACEHOLDERS[missing[0]]})"
        )
    sample = _shape_entry(template.render(_SAMPLE_FIELDS), template, _sample_layout(layout))
    doc = Document.from_text(_sample_draft(sample, layout))
    kind = shapes.LAYOUT_KIND[layout]
    if not any(
        e.kind == kind and e.key == "2305.18290" and e.reference and e.reference.link
        for e in entries(doc)
    ):
        where = "under its heading" if kind == HEADING else f"in the {layout} layout's shape"
        raise TemplateError(
            f"{template.origin}: the template has no link to the paper {where} "
            "(add [paper]({abs_url})); without it the entry is not recognised later"
        )


def _sample_draft(sample: str, layout: str) -> str:
    """A draft around a rendered sample in which its entry can be recognised: a table's
    row under a header, pasted notes' title repeated (their shape counts only repeated)."""
    if layout == shapes.TABLE:
        first = sample.split("\n", 1)[0]
        cells = max(1, first.strip().strip("|").count("|") + 1)
        return "|" + " x |" * cells + "\n|" + " --- |" * cells + "\n" + sample
    if layout == shapes.TITLES:
        return sample * 3
    return sample


def _sample_layout(layout: str) -> shapes.Layout:
    return shapes.Layout(layout, anchor=None)


def _shape_entry(rendered: str, template: PaperTemplate, layout: shapes.Layout) -> str:
    """The rendered entry trimmed of blank lines around it, in the draft's own shape: a
    heading at the layout's level, the draft's list marker or quote prefix."""
    lines = rendered.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if layout.kind == HEADING:
        heading = _ATX_HEADING.match(lines[0]) if lines else None
        if heading is None:
            raise TemplateError(
                f"{template.origin}: the template must start with a heading (### ...)"
            )
        lines[0] = "#" * layout.heading_level + lines[0][heading.end() :]
    elif lines and layout.anchor is not None:
        lines = _in_draft_prefix(lines, layout)
    return "\n".join(lines) + "\n"


_MARKER = re.compile(r"^[ \t]*(?:>[ \t]?)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])(?=[ \t\[]|$)[ \t]*)?")
_NUMBERED_PREFIX = re.compile(r"^(?P<lead>[ \t]*(?:>[ \t]?)*[ \t]*)(?P<n>\d{1,9})(?P<rest>[.)].*)$")


def _in_draft_prefix(lines: list[str], layout: shapes.Layout) -> list[str]:
    """Swap the template's own marker (``- ``, ``1. ``, ``> ``) for the one the draft uses,
    numbered on from its neighbour; a list item's later lines are indented to match."""
    anchor = layout.anchor
    if anchor is None or layout.name == shapes.TITLES:
        return lines
    if layout.name == shapes.TABLE:
        row = lines[0].rstrip()
        missing = layout.columns - shapes.table_cells(row)
        if missing > 0:  # the template's row, widened to the draft's table
            lines[0] = row + ("" if row.endswith("|") else " |") + "  |" * missing
        return lines
    prefix = anchor.prefix
    if layout.name == shapes.LINKS and len(prefix) - len(prefix.lstrip(" ")) > 3:
        prefix = prefix.lstrip(" ")  # four spaces would make the new line a code block
    numbered = _NUMBERED_PREFIX.match(prefix)
    if numbered:
        n = int(numbered.group("n")) + (1 if layout.order == "end" else 0)
        prefix = f"{numbered.group('lead')}{n}{numbered.group('rest')}"
    marker = _MARKER.match(lines[0])
    lines[0] = prefix + lines[0][marker.end() if marker else 0 :]
    if layout.name in (shapes.BULLETS, shapes.NUMBERED_LIST):
        pad = " " * len(prefix)
        lines[1:] = [pad + line.lstrip() if line.strip() else line for line in lines[1:]]
    return lines


class Templates:
    """The template of each layout: ``every`` (``--template``) for whatever layout the
    draft has, else the layout's own file from config, else the built-in one. Each is
    loaded and checked once, when its layout is first asked for."""

    def __init__(
        self, every: Path | None = None, per_layout: Mapping[str, Path] | None = None
    ) -> None:
        self.every = every
        self.per_layout = dict(per_layout or {})
        self._loaded: dict[str, PaperTemplate] = {}

    def get(self, layout: str) -> PaperTemplate:
        if layout not in self._loaded:
            path = self.every or self.per_layout.get(layout)
            self._loaded[layout] = load_template(path, layout)
        return self._loaded[layout]


# --- one entry -----------------------------------------------------------------------------


def paper_fields(paper: Paper, arxiv_id: ArxivId, today: str = "") -> dict[str, str]:
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
        "today": today or date.today().isoformat(),
    }


def render_section(
    template: PaperTemplate,
    paper: Paper,
    arxiv_id: ArxivId,
    settings: StubSettings | None = None,
    today: date | None = None,
) -> str:
    """The section for one paper in the year-section layout, ending in one newline, heading
    at the paper level (``--print`` shows it)."""
    level = (settings or StubSettings()).paper_heading_level or 3
    layout = shapes.Layout(template.layout, heading_level=level)
    return render_entry(template, paper, arxiv_id, layout, today)


def render_entry(
    template: PaperTemplate,
    paper: Paper,
    arxiv_id: ArxivId,
    layout: shapes.Layout,
    today: date | None = None,
) -> str:
    """The entry for one paper in ``layout``'s shape, ending in one newline."""
    day = layout.date_style.format(today or date.today())
    return _shape_entry(template.render(paper_fields(paper, arxiv_id, day)), template, layout)


def paper_year(paper: Paper, arxiv_id: ArxivId) -> int:
    """The year a paper is filed under: that of its first version."""
    return paper.published.year if paper.published else arxiv_id.year


# --- the paper already there ---------------------------------------------------------------

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


_NOTHING_MISSING = _Missing(False, False, None)


def _missing(
    doc: Document, existing: PaperSection, summary: tuple[str, str, str] | None
) -> _Missing:
    """What a paper section lacks of the template's; an entry that is not a section (a
    list item, a quote) is complete as the author wrote it."""
    section = existing.section
    if section is None or existing.entry.kind != HEADING:
        return _NOTHING_MISSING
    title = not section.title and bool(_EMPTY_ATX_HEADING.match(doc.line_text(section.line)))
    label = None
    if summary is not None:
        body = "\n".join(doc.lines[section.line - 1 : section.end_line])
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
    line: int  # 1-based line of the entry in the new text
    title: str
    detail: str = ""


@dataclass(frozen=True)
class StubPlan:
    text: str
    outcomes: tuple[Outcome, ...]
    layout: str = shapes.YEARS
    note: str = ""  # said once: the layout could not be inferred

    @property
    def changed(self) -> bool:
        return any(o.action in ("added", "completed") for o in self.outcomes)


NOT_INFERRED = (
    "the draft has no paper entries to infer its layout from: writing year sections "
    "(pass --layout NAME or set layout in [tool.blogtool.stub] to choose)"
)


def draft_layout(doc: Document, settings: StubSettings) -> tuple[shapes.Layout, str]:
    """The layout stub writes in, and the note to print when it had to fall back."""
    if settings.layout is not None:
        layout = shapes.layout_named(doc, settings.layout, settings.year_of)
        return _with_levels(layout, settings), ""
    found = shapes.infer_layout(doc, settings.year_of)
    if found is None:
        return _with_levels(shapes.Layout(shapes.YEARS, inferred=False), settings), NOT_INFERRED
    return _with_levels(found, settings), ""


def _with_levels(layout: shapes.Layout, settings: StubSettings) -> shapes.Layout:
    """The configured heading levels win over the draft's."""
    changes: dict[str, int] = {}
    if settings.paper_heading_level is not None:
        changes["heading_level"] = settings.paper_heading_level
    if settings.year_heading_level is not None:
        changes["year_level"] = settings.year_heading_level
    if layout.name == shapes.YEARS and layout.year_level >= (
        changes.get("heading_level", layout.heading_level)
    ):
        changes["heading_level"] = min(6, layout.year_level + 1)
    return replace(layout, **changes) if changes else layout


TemplateSource = PaperTemplate | Templates


def _template_for(source: TemplateSource, layout: str) -> PaperTemplate:
    """The template for ``layout``; one given for another layout must fit this one too."""
    if isinstance(source, Templates):
        return source.get(layout)
    if source.layout == layout:
        return source
    fitted = replace(source, layout=layout)
    _check_template(fitted)
    return fitted


def plan_stubs(
    text: str,
    requests: Sequence[StubRequest],
    template: TemplateSource,
    settings: StubSettings | None = None,
    update: bool = False,
    today: date | None = None,
) -> StubPlan:
    """Add an entry per request to a draft's LF text, or complete the one already there.

    ``template`` is one template for whatever layout the draft has, or :class:`Templates`
    to take each layout's own. A paper already in the draft is never added twice. Its
    section is completed (an empty heading gets the title, a missing paper link and
    summary block are added) when it is bare, or whatever it holds with ``update``;
    otherwise it is left alone.

    Raises :class:`StubError` if the result would not keep every line of ``text`` in order.
    """
    settings = settings or StubSettings()
    new = parsed = text
    doc = Document.from_text(new)  # parsed again only when the text changed: a parse is
    layout, note = draft_layout(doc, settings)  # most of a stub's time in a long draft
    chosen = _template_for(template, layout.name)
    pending: list[tuple[StubRequest, str, str]] = []
    for request in requests:
        if new is not parsed:
            doc, parsed = Document.from_text(new), new
            if layout.anchor is not None:  # the anchor moves as entries are added
                layout = replace(layout, anchor=_same_entry(doc, layout, settings))
        entry_text = render_entry(chosen, request.paper, request.arxiv_id, layout, today)
        existing = find_paper_section(doc, request.arxiv_id, 0, request.paper.title)
        if existing is None:
            new, detail = _insert(new, doc, request, entry_text, settings, layout)
            pending.append((request, "added", detail))
            continue
        missing = _missing(doc, existing, _summary_block(entry_text))
        if not missing:
            pending.append((request, "complete", ""))
        elif update or existing.bare:
            new = _complete(new, existing, missing, entry_text, request)
            pending.append((request, "completed", "added " + missing.describe()))
        else:
            pending.append((request, "skipped", missing.describe()))
    check_lines_kept(text, new)
    final = doc if new is parsed else Document.from_text(new)
    outcomes = []
    for request, action, detail in pending:
        where = find_paper_section(final, request.arxiv_id, 0, request.paper.title)
        line = where.line if where else 0
        title = where.title if where and where.title else request.paper.title
        outcomes.append(Outcome(request.arxiv_id.base, action, line, title, detail))
    return StubPlan(new, tuple(outcomes), layout.name, note)


def _same_entry(doc: Document, layout: shapes.Layout, settings: StubSettings) -> Entry | None:
    """The layout's anchor in the re-read draft: the last (or first) entry of its shape."""
    mine = [
        e
        for e in entries(doc)
        if not e.slipped and shapes.shape_of(e, settings.year_of) == layout.name
    ]
    if not mine:
        return layout.anchor
    return mine[0] if layout.order == "top" else mine[-1]


def outcome_without_metadata(
    text: str | Document,
    arxiv_id: ArxivId,
    template: TemplateSource,
    settings: StubSettings | None = None,
    update: bool = False,
) -> Outcome | None:
    """What :func:`plan_stubs` would do with a paper already in the draft, if that needs no
    metadata (the entry is complete, or holds the author's text and ``update`` is off);
    None when the paper has to be fetched. Lets a stub of a paper already there skip arXiv.
    ``text`` may be the draft already parsed (from its LF text), to ask for many papers.
    """
    settings = settings or StubSettings()
    doc = text if isinstance(text, Document) else Document.from_text(to_lf(text))
    existing = find_paper_section(doc, arxiv_id)
    if existing is None:
        return None
    layout, _ = draft_layout(doc, settings)
    chosen = _template_for(template, layout.name)
    sample = _shape_entry(chosen.render(_SAMPLE_FIELDS), chosen, replace(layout, anchor=None))
    missing = _missing(doc, existing, _summary_block(sample))
    if not missing:
        return Outcome(arxiv_id.base, "complete", existing.line, existing.title)
    if update or existing.bare:
        return None
    return Outcome(arxiv_id.base, "skipped", existing.line, existing.title, missing.describe())


# --- placement -----------------------------------------------------------------------------


def _insert(
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


def _splice_tight(text: str, pos: int, block: str) -> str:
    """Insert ``block`` at a line start with no blank line around it: the next row of a
    table, the next item of a tight list stays in the same table or list."""
    before, after = text[:pos], text[pos:]
    if before and not before.endswith("\n"):
        before += "\n"
    return before + block + after


def _complete(
    text: str,
    existing: PaperSection,
    missing: _Missing,
    rendered: str,
    request: StubRequest,
) -> str:
    """Give an existing section what it lacks; every line already there stays as it is."""
    line = existing.line
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
        link = next(
            (e.reference.link for e in entries(rendered_doc) if e.reference and e.reference.link),
            None,
        )
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


def _reference_lines(doc: Document, section: Section, arxiv_id: ArxivId) -> list[int]:
    """Lines of a section's opening that name this paper."""
    from blogtool.papers import references

    refs = references(doc)
    found: list[int] = []
    seen = 0
    for line in range(section.line + 1, section.body_end_line + 1):
        text = doc.line_text(line).strip()
        if not text or _COMMENT_LINE.match(text):
            continue
        if any(r.key == arxiv_id.base for r in refs.get(line, ())):
            found.append(line)
        seen += 1
        if seen == 2:
            break
    return found


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


# --- the draft on disk: blogtool.draftfile, as stub words it ------------------------------


def _titled_heading(old: str, new: str) -> bool:
    """The one line --update may change in place: an empty heading that got its title."""
    empty = _EMPTY_ATX_HEADING.match(old)
    return bool(empty) and new.lstrip(" ").startswith(empty.group(1) + " ")


STUB_WRITER = draftfile.Writer(
    name="stub",
    holder="another blogtool stub",
    waited="while stub waited for arXiv",
    again="Run the command again (the metadata is cached, so no new request is made).",
    may_change=_titled_heading,
    keeps_lines=True,
)


def check_lines_kept(old: str, new: str) -> None:
    """Raise :class:`StubError` unless every line of ``old`` is in ``new``, in order."""
    draftfile.check_lines_kept(old, new, _titled_heading)


def restore_line_endings(old_raw: str, new_lf: str) -> str:
    """``new_lf`` written the way ``old_raw`` was (see
    :func:`blogtool.draftfile.restore_line_endings`); raises :class:`StubError` if it would
    lose a line of the draft."""
    check_lines_kept(to_lf(old_raw), new_lf)
    return draftfile.restore_line_endings(old_raw, new_lf, _titled_heading)


class DraftLock(draftfile.DraftLock):
    """``<draft>.lock``, held by stub while it writes (:class:`blogtool.draftfile.DraftLock`)."""

    def __init__(self, draft: Path, timeout: float = 10.0, poll: float = 0.05) -> None:
        super().__init__(draft, timeout, poll, holder=STUB_WRITER.holder)


DraftUpdate = draftfile.DraftUpdate


def update_draft(
    path: Path,
    edit: Callable[[str], StubPlan],
    expected: str | None = None,
    *,
    lock_timeout: float = 10.0,
) -> draftfile.DraftUpdate[StubPlan]:
    """Apply ``edit`` (LF text in, plan out) to the draft on disk, all or nothing (see
    :func:`blogtool.draftfile.update_draft`); a plan that loses a line is not written."""
    return draftfile.update_draft(
        path, edit, expected, lock_timeout=lock_timeout, writer=STUB_WRITER
    )
