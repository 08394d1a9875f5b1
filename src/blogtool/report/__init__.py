"""TODO coverage of drafts: what is left to write, per draft, per year and per section.

The package: :mod:`~blogtool.report.model` (what a report holds),
:mod:`~blogtool.report.coverage` (one draft), :mod:`~blogtool.report.run` (many drafts),
:mod:`~blogtool.report.baseline` (saving and comparing) and
:mod:`~blogtool.report.render` (text, Markdown, JSON, HTML).

The report runs the same rule engine as ``blogtool lint`` (same config, same suppression
comments) and keeps the violations of the *TODO rules* (see :data:`TODO_KINDS`; the
``[tool.blogtool.report] todo_rules`` setting replaces the set). It never disagrees with
lint about what is left to do: its TODOs are exactly lint's violations of those rules.

Coverage
--------
What coverage counts comes from the draft's layout (see :mod:`blogtool.layouts`), so it
does not change when one section is added:

* the draft's *paper entries*, in any layout (see :mod:`blogtool.papers`): paper sections
  (a heading with the paper's link in it or right under it), blockquote entries, list
  items, table rows, pasted notes' title lines; with the headings at the paper sections'
  level that have nothing under them yet (a paper section not started);
* if it has none: every leaf section (a section without subsections) that is not a year
  section (``## 2019``);
* if it has none of those either: the whole draft, as one unit.

An entry is *finished* when it has notes (anything of the author's besides its link) and
no TODO lies inside it (subsections included); a leaf section when no TODO lies inside
it. In a list, coverage is therefore the entries with notes out of the entries. Coverage
is finished units / units, given as a percent rounded down with the counts beside it,
``72% (18/25)``, per draft, per year section (the units inside it) and in total (the sums
over all drafts). Every TODO is attributed to the innermost section holding its line; a
TODO outside every unit (in a year's introduction, before the first heading) does not
lower coverage but still counts in the draft's and the run's number of open TODOs.

A TODO's *kind* is its rule's name, as lint prints it. The TODOs are lint's violations of
the TODO rules, with one exception: a fresh paper stub is one item to finish, so the empty
Quick Summary (BT101) or empty section (BT401) of a paper entry that holds only its link
(BT402) is left out.

JSON format (``--format json``)
-------------------------------
Keys are stable; new keys may be added, none will be renamed while ``version`` is 1::

    {
      "version": 1,
      "todo_rules": ["BT101", ...],          # rule IDs counted as TODOs
      "drafts": [{
        "path": "drafts/evolution.md",       # as given on the command line
        "basis": "paper",                    # units: "paper" (entries), "leaf" or "draft"
        "layout": "years",                   # the draft's layout, null if it has no entries
        "coverage": {"finished": 18, "total": 25, "percent": 72.0},   # percent: null if total 0
        "todo_count": 31,                    # open TODOs in the whole draft
        "years": [{"year": 2019, "title": "2019", "line": 269, "slug": "2019",
                   "coverage": {...}, "todo_count": 4}],
        "sections": [{                       # every section in document order
          "title": "...", "level": 3, "line": 303, "end_line": 315, "slug": "...",
          "year": 2019,                      # the enclosing year section's year, or null
          "counts": true,                    # a content section (part of coverage)
          "finished": false,                 # no TODO anywhere inside it
          "todo_count": 2,                   # TODOs attributed to this section itself
          "todos": [{"kind": "empty-quick-summary", "rule": "BT101", "count": 1,
                     "first_line": 307, "message": "...", "lines": [307]}]
        }],
        "entries": [{                        # every paper entry (basis "paper"), in order
          "kind": "heading",                 # heading, quote, bullet, numbered, row, line, title
          "title": "...", "line": 303, "end_line": 315,
          "paper": "1901.02860",             # the arXiv ID, or null
          "notes": true, "finished": false, "todo_count": 2
        }]
      }],
      "totals": {"drafts": 1, "coverage": {...}, "todo_count": 31, "unfinished": 7},
      "errors": [{"path": "...", "message": "..."}],      # drafts that could not be read
      "comparison": null                     # or the comparison with --baseline, below
    }

TODOs before the first heading are listed under a pseudo-section with ``level`` 0,
``slug`` "" and title "(before the first heading)"; a draft with no content sections has a
pseudo-section "(whole draft)" spanning every line, with ``counts`` true.

Baseline file (``--write-baseline``)
------------------------------------
TODO *counts* per draft, section and rule, without line numbers, so the file survives
edits and its diffs show only what changed; the same keys as the JSON report, fewer of
them, and only the sections holding TODOs::

    {"version": 1, "todo_rules": [...],
     "drafts": [{"path": "drafts/evolution.md", "coverage": {...}, "todo_count": 31,
                 "sections": [{"title": "...", "level": 3, "slug": "...",
                               "todos": [{"rule": "BT101", "kind": "empty-quick-summary",
                                          "count": 1}]}]}]}

``--baseline`` reads that file or a whole JSON report (``--format json``, or a file from
the ``--save-baseline`` of earlier versions).

``comparison`` (only with ``--baseline``)::

    {"baseline": "path/to/baseline.json",
     "totals": {"before": {...coverage}, "after": {...coverage}, "finished_delta": 3,
                "new_todos": 1, "resolved_todos": 4, "regressed_sections": 1},
     "drafts": [{"path": "...", "status": "changed" | "new" | "removed",
                 "before": {...coverage} | null, "after": {...coverage} | null,
                 "finished_delta": 3, "total_delta": 0,
                 "new_todos": [{"section": "...", "slug": "...", "kind": "...",
                                "rule": "BT102", "count": 1}],
                 "resolved_todos": [...],
                 "regressions": [{"section": "...", "slug": "...", "before": 0, "after": 1}]}]}

TODOs are matched across the two reports by draft path, section (level and slug) and
rule, with counts, so lines shifting after an edit do not make old TODOs look new. A
*regression* is a section holding more TODOs in all than in the baseline (a draft or a
section the baseline does not know starts from zero); ``--fail-on-regression`` exits 1
on any.
"""

from __future__ import annotations

from blogtool.report.baseline import (
    baseline_data,
    compare,
    load_baseline,
    with_comparison,
    write_baseline,
)
from blogtool.report.coverage import (
    report_document,
)
from blogtool.report.model import (
    BEFORE_FIRST_HEADING,
    DEFAULT_TODO_RULES,
    TODO_KINDS,
    VERSION,
    WHOLE_DRAFT,
    Comparison,
    Coverage,
    DraftDelta,
    DraftError,
    DraftReport,
    EntryReport,
    Report,
    ReportError,
    SectionRegression,
    SectionReport,
    TodoChange,
    TodoGroup,
    YearReport,
    kind_of,
)
from blogtool.report.run import (
    LinkGatherer,
    build_report,
    todo_plan,
    todo_rules_from_config,
)

__all__ = [
    "BEFORE_FIRST_HEADING",
    "Comparison",
    "Coverage",
    "DEFAULT_TODO_RULES",
    "DraftDelta",
    "DraftError",
    "DraftReport",
    "EntryReport",
    "LinkGatherer",
    "Report",
    "ReportError",
    "SectionRegression",
    "SectionReport",
    "TODO_KINDS",
    "TodoChange",
    "TodoGroup",
    "VERSION",
    "WHOLE_DRAFT",
    "YearReport",
    "baseline_data",
    "build_report",
    "compare",
    "kind_of",
    "load_baseline",
    "report_document",
    "todo_plan",
    "todo_rules_from_config",
    "with_comparison",
    "write_baseline",
]
