"""Scaffold a paper entry from arXiv metadata and put it where the draft keeps its papers.

The package has these parts:

- :mod:`~blogtool.stub.settings`: where entries go, from ``[tool.blogtool.stub]``;
- :mod:`~blogtool.stub.template`: one template per layout (``rules/templates/<layout>.md``),
  each checked before any request: it must render to an entry the locator recognises as
  this paper, in the layout's shape, or a later stub would add the paper twice;
- :mod:`~blogtool.stub.locate`: the entry already holding a paper and what it lacks (which
  entries are papers comes from :mod:`blogtool.papers`, the one paper locator);
- :mod:`~blogtool.stub.plan`, text in and text out (:func:`plan_stubs`), with
  :mod:`~blogtool.stub.place` for where an entry goes (the draft's shape comes from
  :mod:`blogtool.layouts`);
- :mod:`~blogtool.stub.lines`: the writer, :mod:`blogtool.draftfile` in stub's words (it
  reads the draft, holds a lock file while it writes, writes atomically).

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

from blogtool.draftfile import DraftChanged, check_writable, read_draft, to_lf, unified_diff
from blogtool.stub.errors import StubError, TemplateError
from blogtool.stub.lines import (
    DraftLock,
    DraftUpdate,
    check_lines_kept,
    restore_line_endings,
    update_draft,
)
from blogtool.stub.locate import PaperSection, find_paper_section
from blogtool.stub.plan import (
    Outcome,
    StubPlan,
    draft_layout,
    outcome_without_metadata,
    plan_stubs,
)
from blogtool.stub.settings import StubSettings, settings_from_config
from blogtool.stub.sources import fetch_papers, templates_from_config
from blogtool.stub.template import (
    BUILTIN_TEMPLATE,
    PLACEHOLDERS,
    TEMPLATE_FILES,
    PaperTemplate,
    StubRequest,
    Templates,
    load_template,
    paper_fields,
    paper_year,
    render_entry,
    render_section,
)

__all__ = [
    "fetch_papers",
    "templates_from_config",
    "BUILTIN_TEMPLATE",
    "PLACEHOLDERS",
    "TEMPLATE_FILES",
    "DraftChanged",
    "DraftLock",
    "DraftUpdate",
    "Outcome",
    "PaperSection",
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
    "find_paper_section",
    "load_template",
    "outcome_without_metadata",
    "paper_fields",
    "paper_year",
    "plan_stubs",
    "read_draft",
    "render_entry",
    "render_section",
    "restore_line_endings",
    "settings_from_config",
    "to_lf",
    "unified_diff",
    "update_draft",
]
