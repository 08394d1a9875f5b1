"""The planner, text in and text out: which papers to add or complete, and the new text.

The draft's shape comes from :mod:`blogtool.layouts`, its entries from
:mod:`blogtool.papers`; where an entry goes is :mod:`blogtool.stub.place`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from blogtool import layouts as shapes
from blogtool.arxiv_id import ArxivId
from blogtool.document import Document
from blogtool.draftfile import to_lf
from blogtool.papers import Entry, entries
from blogtool.stub.errors import StubError
from blogtool.stub.lines import check_lines_kept
from blogtool.stub.locate import find_paper_section, missing_parts, summary_block
from blogtool.stub.place import complete, insert
from blogtool.stub.settings import StubSettings
from blogtool.stub.template import (
    SAMPLE_FIELDS,
    PaperTemplate,
    StubRequest,
    Templates,
    check_template,
    render_entry,
    shape_entry,
)


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
    check_template(fitted)
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
            new, detail = insert(new, doc, request, entry_text, settings, layout)
            pending.append((request, "added", detail))
            continue
        missing = missing_parts(doc, existing, summary_block(entry_text))
        if not missing:
            pending.append((request, "complete", ""))
        elif update or existing.bare:
            new = complete(new, existing, missing, entry_text, request)
            pending.append((request, "completed", "added " + missing.describe()))
        else:
            pending.append((request, "skipped", missing.describe()))
    check_lines_kept(text, new)
    final = doc if new is parsed else Document.from_text(new)
    outcomes = []
    for request, action, detail in pending:
        where = find_paper_section(final, request.arxiv_id, 0, request.paper.title)
        if where is None and action == "added":
            # Written where the locator would not see it (inside another entry's notes), the
            # next stub would add it again: better no write and a reason.
            raise StubError(
                f"{request.arxiv_id.base}: the new {layout.name} entry would land inside "
                f"another entry ({detail}), where it would not count as listed and a later "
                "stub would add it again; nothing written (try --layout with the draft's "
                "own layout, or add it by hand)"
            )
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
    sample = shape_entry(chosen.render(SAMPLE_FIELDS), chosen, replace(layout, anchor=None))
    missing = missing_parts(doc, existing, summary_block(sample))
    if not missing:
        return Outcome(arxiv_id.base, "complete", existing.line, existing.title)
    if update or existing.bare:
        return None
    return Outcome(arxiv_id.base, "skipped", existing.line, existing.title, missing.describe())
