"""Entry templates, one per layout (``rules/templates/<layout>.md``), and one paper's entry.

Each template is checked before any request: it must render to an entry the locator
(:mod:`blogtool.papers`) recognises as this paper, in the layout's shape, or a later stub
would add the paper twice.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from string import Formatter
from typing import TYPE_CHECKING

from blogtool import draftfile
from blogtool import layouts as shapes
from blogtool.arxiv_id import ArxivId
from blogtool.document import Document
from blogtool.draftfile import to_lf
from blogtool.papers import HEADING, entries
from blogtool.safetext import markdown_inline
from blogtool.stub.errors import TemplateError
from blogtool.stub.settings import StubSettings

if TYPE_CHECKING:
    from blogtool.net.arxiv import Paper

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


_ATX_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")


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


SAMPLE_FIELDS = {name: f"sample {name}" for name in PLACEHOLDERS} | {
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
    check_template(template)
    return template


def check_template(template: PaperTemplate) -> None:
    layout = template.layout
    missing = [name for name in REQUIRED.get(layout, ()) if name not in template.fields()]
    if missing:
        wanted = ", ".join(f"{{{name}}}" for name in missing)
        raise TemplateError(
            f"{template.origin}: a template for the {layout} layout must use {wanted} "
            f"({PLACEHOLDERS[missing[0]]})"
        )
    sample = shape_entry(template.render(SAMPLE_FIELDS), template, _sample_layout(layout))
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


def shape_entry(rendered: str, template: PaperTemplate, layout: shapes.Layout) -> str:
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


@dataclass(frozen=True)
class StubRequest:
    """One paper to stub: the ID as asked for and its metadata."""

    arxiv_id: ArxivId
    paper: Paper


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
    return shape_entry(template.render(paper_fields(paper, arxiv_id, day)), template, layout)


def paper_year(paper: Paper, arxiv_id: ArxivId) -> int:
    """The year a paper is filed under: that of its first version."""
    return paper.published.year if paper.published else arxiv_id.year
