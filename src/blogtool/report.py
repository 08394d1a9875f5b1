"""TODO coverage of drafts: what is left to write, per draft, per year and per section.

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

import dataclasses
import functools
import json
import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .config import Config, ConfigError
from .document import Document, Section
from .engine import (
    INTERNAL_ERROR,
    FileResult,
    LintPlan,
    lint_documents,
    load_document,
    make_plan,
)
from .papers import HEADING, Entry, entries
from .registry import RuleRegistry
from .rules._util import innermost_section, section_year
from .sources import discover
from .violation import Violation

VERSION = 1

# What counts as a TODO, as data: kind -> the rules that find it. BT701 (dead links) only
# reports anything when the network rules run; it is listed so that it counts once they do.
TODO_KINDS: dict[str, tuple[str, ...]] = {
    "placeholder": ("BT102", "BT103", "BT104"),
    "empty-summary": ("BT101",),
    "empty-section": ("BT401", "BT402"),
    "link": ("BT201", "BT204", "BT701"),
    "raw-notes": ("BT105",),
    "chatbot": ("BT106",),
    "note-to-self": ("BT107",),
}
DEFAULT_TODO_RULES: tuple[str, ...] = tuple(
    sorted(rule_id for rules in TODO_KINDS.values() for rule_id in rules)
)
_KIND_OF_RULE = {rule_id: kind for kind, rules in TODO_KINDS.items() for rule_id in rules}
# Lint's names of the default TODO rules: a report's kinds, even without the registry at hand.
_RULE_NAMES = {
    "BT101": "empty-quick-summary",
    "BT102": "placeholder-token",
    "BT103": "author-instruction",
    "BT104": "empty-brackets",
    "BT105": "raw-note-fence",
    "BT106": "chatbot-leftover",
    "BT107": "note-to-self",
    "BT201": "empty-link-target",
    "BT204": "empty-image-source",
    "BT401": "empty-section",
    "BT402": "paper-section-stub",
    "BT701": "dead-link",
}
# A paper stub's empty summary, and its empty section when the link is its heading, are
# part of the stub: one item to finish, not two or three.
_STUB_RULE, _FOLDED_INTO_STUB = "BT402", frozenset({"BT101", "BT401"})

BEFORE_FIRST_HEADING = "(before the first heading)"
WHOLE_DRAFT = "(whole draft)"


class ReportError(ValueError):
    """A problem with the report's input (a baseline file), worded for the user."""


# ---------------------------------------------------------------------- data


@dataclass(frozen=True)
class Coverage:
    finished: int
    total: int

    @property
    def percent(self) -> float | None:
        """Rounded *down* to one decimal, so an unfinished draft never shows 100."""
        if self.total == 0:
            return None
        return math.floor(1000 * self.finished / self.total) / 10

    def below(self, threshold: float) -> bool:
        return self.total > 0 and 100 * self.finished < threshold * self.total

    def label(self) -> str:
        """``72% (18/25)``, or ``n/a (0/0)``."""
        if self.total == 0:
            return "n/a (0/0)"
        return f"{100 * self.finished // self.total}% ({self.finished}/{self.total})"

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(self.finished + other.finished, self.total + other.total)

    def as_dict(self) -> dict[str, Any]:
        return {"finished": self.finished, "total": self.total, "percent": self.percent}


@dataclass(frozen=True)
class TodoGroup:
    """The TODOs of one rule in one section."""

    kind: str
    rule: str
    count: int
    first_line: int
    message: str
    lines: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "lines": list(self.lines)}


@dataclass(frozen=True)
class SectionReport:
    title: str
    level: int  # 0 for the pseudo-sections
    line: int
    end_line: int
    slug: str
    year: int | None
    counts: bool  # a content section, part of coverage
    finished: bool
    todos: tuple[TodoGroup, ...]

    @property
    def todo_count(self) -> int:
        return sum(g.count for g in self.todos)

    @property
    def display_title(self) -> str:
        return self.title or "(untitled)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "level": self.level,
            "line": self.line,
            "end_line": self.end_line,
            "slug": self.slug,
            "year": self.year,
            "counts": self.counts,
            "finished": self.finished,
            "todo_count": self.todo_count,
            "todos": [g.as_dict() for g in self.todos],
        }


@dataclass(frozen=True)
class YearReport:
    year: int
    title: str
    line: int
    slug: str
    coverage: Coverage
    todo_count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "title": self.title,
            "line": self.line,
            "slug": self.slug,
            "coverage": self.coverage.as_dict(),
            "todo_count": self.todo_count,
        }


@dataclass(frozen=True)
class EntryReport:
    """One paper entry of the draft, a unit of coverage (basis "paper")."""

    kind: str  # the locator's entry kind: heading, quote, bullet, numbered, row, line, title
    title: str
    line: int
    end_line: int
    paper: str | None  # the arXiv ID, when the entry names one
    notes: bool  # the entry holds something of the author's besides its link
    finished: bool  # notes, and no TODO inside
    todo_count: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DraftReport:
    path: str
    basis: str  # "paper", "leaf" or "draft"
    coverage: Coverage
    years: tuple[YearReport, ...]
    sections: tuple[SectionReport, ...]
    layout: str | None = None  # the draft's layout (see blogtool.layouts), None if it has none
    entries: tuple[EntryReport, ...] = ()

    @property
    def todo_count(self) -> int:
        return sum(s.todo_count for s in self.sections)

    def open_sections(self) -> list[SectionReport]:
        """Sections holding TODOs, worst first (most TODOs, then document order)."""
        return sorted((s for s in self.sections if s.todos), key=lambda s: (-s.todo_count, s.line))

    def kind_counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for s in self.sections:
            for g in s.todos:
                counts[g.kind] += g.count
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "basis": self.basis,
            "layout": self.layout,
            "coverage": self.coverage.as_dict(),
            "todo_count": self.todo_count,
            "years": [y.as_dict() for y in self.years],
            "sections": [s.as_dict() for s in self.sections],
            "entries": [e.as_dict() for e in self.entries],
        }


@dataclass(frozen=True)
class DraftError:
    path: str
    message: str


@dataclass(frozen=True)
class TodoChange:
    section: str
    slug: str
    kind: str
    rule: str
    count: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SectionRegression:
    """A section holding more TODOs, all rules together, than in the baseline."""

    section: str
    slug: str
    before: int
    after: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DraftDelta:
    path: str
    status: str  # "changed", "new" or "removed"
    before: Coverage | None
    after: Coverage | None
    new_todos: tuple[TodoChange, ...]
    resolved_todos: tuple[TodoChange, ...]
    regressions: tuple[SectionRegression, ...] = ()

    @property
    def finished_delta(self) -> int:
        return (self.after.finished if self.after else 0) - (
            self.before.finished if self.before else 0
        )

    @property
    def total_delta(self) -> int:
        return (self.after.total if self.after else 0) - (self.before.total if self.before else 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "before": self.before.as_dict() if self.before else None,
            "after": self.after.as_dict() if self.after else None,
            "finished_delta": self.finished_delta,
            "total_delta": self.total_delta,
            "new_todos": [c.as_dict() for c in self.new_todos],
            "resolved_todos": [c.as_dict() for c in self.resolved_todos],
            "regressions": [r.as_dict() for r in self.regressions],
        }


@dataclass(frozen=True)
class Comparison:
    baseline: str
    before: Coverage
    after: Coverage
    drafts: tuple[DraftDelta, ...]

    @property
    def new_count(self) -> int:
        return sum(c.count for d in self.drafts for c in d.new_todos)

    @property
    def resolved_count(self) -> int:
        return sum(c.count for d in self.drafts for c in d.resolved_todos)

    def regressions(self) -> list[tuple[str, SectionRegression]]:
        """(draft path, section) for every section that gained TODOs, in draft order."""
        return [(d.path, r) for d in self.drafts for r in d.regressions]

    def as_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "totals": {
                "before": self.before.as_dict(),
                "after": self.after.as_dict(),
                "finished_delta": self.after.finished - self.before.finished,
                "new_todos": self.new_count,
                "resolved_todos": self.resolved_count,
                "regressed_sections": len(self.regressions()),
            },
            "drafts": [d.as_dict() for d in self.drafts],
        }


@dataclass(frozen=True)
class Report:
    drafts: tuple[DraftReport, ...]
    errors: tuple[DraftError, ...] = ()
    todo_rules: tuple[str, ...] = DEFAULT_TODO_RULES
    comparison: Comparison | None = None

    @property
    def coverage(self) -> Coverage:
        return sum((d.coverage for d in self.drafts), Coverage(0, 0))

    @property
    def todo_count(self) -> int:
        return sum(d.todo_count for d in self.drafts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "todo_rules": list(self.todo_rules),
            "drafts": [d.as_dict() for d in self.drafts],
            "totals": {
                "drafts": len(self.drafts),
                "coverage": self.coverage.as_dict(),
                "todo_count": self.todo_count,
                "unfinished": sum(
                    1 for d in self.drafts for s in d.sections if s.counts and not s.finished
                ),
            },
            "errors": [{"path": e.path, "message": e.message} for e in self.errors],
            "comparison": self.comparison.as_dict() if self.comparison else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)


# ---------------------------------------------------------------------- which rules


def kind_of(rule_id: str, names: Mapping[str, str] | None = None) -> str:
    """The TODO kind of a rule: its name, as lint prints it (``names``, else the names of
    the built-in TODO rules), else its ID."""
    return (names or {}).get(rule_id) or _RULE_NAMES.get(rule_id) or rule_id


def todo_rules_from_config(config: Config, registry: RuleRegistry) -> tuple[str, ...]:
    """``[report] todo_rules`` (ids, names or prefixes), or the defaults; ConfigError if bad."""
    keys = config.section("report").get("todo_rules")
    if keys is None:
        return DEFAULT_TODO_RULES
    ids: set[str] = set()
    for key in keys:
        if not isinstance(key, str):
            raise ConfigError(f"{config.where('todo_rules')}: todo_rules holds rule IDs (strings)")
        if key.strip().upper() in _KIND_OF_RULE:  # known TODO rules, even before they land
            ids.add(key.strip().upper())
            continue
        try:
            ids |= registry.resolve([key])
        except KeyError:
            raise ConfigError(f"{config.where('todo_rules')}: unknown rule {key!r}") from None
    return tuple(sorted(ids))


def todo_plan(
    config: Config,
    todo_rules: Iterable[str],
    registry: RuleRegistry | None = None,
    network: bool = False,
) -> LintPlan:
    """Lint's plan for this config, narrowed to the TODO rules.

    Built from the same selection as ``blogtool lint`` and then filtered, never selected
    anew, so a rule the config switches off stays off here too. ``network`` adds the
    network rules (BT701), as ``lint --check-links`` does.
    """
    plan = make_plan(config, network=network, registry=registry)
    wanted = set(todo_rules)
    # the rest of lint's plan stays: its flavor, project root and drafts, as lint has them
    return dataclasses.replace(plan, rules=[a for a in plan.rules if a.rule.id in wanted])


# ---------------------------------------------------------------------- one draft


@dataclass(frozen=True)
class _Unit:
    """A unit of coverage: a paper entry, a heading not started yet, a leaf section or the
    whole draft."""

    line: int
    end_line: int
    notes: bool = True
    entry: Entry | None = None
    section: Section | None = None


def report_document(
    doc: Document,
    violations: Sequence[Violation],
    todo_rules: Iterable[str] = DEFAULT_TODO_RULES,
    paper_level: int = 3,
    names: Mapping[str, str] | None = None,
) -> DraftReport:
    """The coverage report of one parsed draft, given its lint violations (any rules).

    ``names`` maps rule IDs to names, the kind of a TODO. ``paper_level`` is the level of
    a heading not started yet when the draft's papers have no headings to go by.
    """
    wanted = set(todo_rules)
    units, basis, layout = _content_units(doc, paper_level)
    todos = _fold_stubs([v for v in violations if v.rule_id in wanted], units)
    nlines = len(doc.lines)
    todo_lines = sorted(v.line for v in todos)

    year_of = {id(s): _year_section(s) for s in doc.sections}
    owned: dict[int, list[Violation]] = {}  # id(section) or 0 -> attributed TODOs
    for v in todos:
        section = innermost_section(doc, v.line)
        owned.setdefault(id(section) if section else 0, []).append(v)

    def open_in(first: int, last: int) -> int:
        return bisect_right(todo_lines, last) - bisect_left(todo_lines, first)

    def done(unit: _Unit) -> bool:
        return unit.notes and not open_in(unit.line, unit.end_line)

    reports: list[SectionReport] = []
    first_heading = doc.sections[0].line if doc.sections else nlines + 1
    if basis == "draft" or owned.get(0):
        whole = basis == "draft"
        last = nlines if whole else first_heading - 1
        reports.append(
            SectionReport(
                title=WHOLE_DRAFT if whole else BEFORE_FIRST_HEADING,
                level=0,
                line=1,
                end_line=last,
                slug="",
                year=None,
                counts=whole,
                finished=not open_in(1, last),
                todos=_groups(owned.get(0, []), names),
            )
        )
    unit_of = {id(u.section): u for u in units if u.section is not None}
    for s in doc.sections:
        year_section = year_of[id(s)]
        unit = unit_of.get(id(s))
        reports.append(
            SectionReport(
                title=s.title,
                level=s.level,
                line=s.line,
                end_line=s.end_line,
                slug=s.slug,
                year=section_year(year_section) if year_section else None,
                counts=unit is not None,
                finished=done(unit) if unit is not None else not open_in(s.line, s.end_line),
                todos=_groups(owned.get(id(s), []), names),
            )
        )

    years = []
    for s in doc.sections:
        year = section_year(s)
        if year is None:
            continue
        inside = [u for u in units if s.line <= u.line <= s.end_line]
        years.append(
            YearReport(
                year=year,
                title=s.title,
                line=s.line,
                slug=s.slug,
                coverage=Coverage(sum(1 for u in inside if done(u)), len(inside)),
                todo_count=open_in(s.line, s.end_line),
            )
        )
    coverage = Coverage(sum(1 for u in units if done(u)), len(units))
    if basis == "draft":
        coverage = Coverage(int(not open_in(1, nlines)), 1)
    listed = tuple(
        EntryReport(
            kind=u.entry.kind,
            title=u.entry.title,
            line=u.line,
            end_line=u.end_line,
            paper=u.entry.arxiv_id.base if u.entry.arxiv_id else u.entry.key,
            notes=u.notes,
            finished=done(u),
            todo_count=open_in(u.line, u.end_line),
        )
        for u in units
        if u.entry is not None
    )
    return DraftReport(doc.path, basis, coverage, tuple(years), tuple(reports), layout, listed)


def _content_units(doc: Document, paper_level: int) -> tuple[list[_Unit], str, str | None]:
    """What coverage counts, by the draft's layout (so one more section does not change
    it): its paper entries, with the headings not started yet at their level; else its
    leaf sections (year sections aside); else the whole draft."""
    from .layouts import infer_layout

    found = entries(doc)
    layout = infer_layout(doc)
    if found:
        units = [
            _Unit(e.line, e.end_line, e.has_notes, e, e.section if e.kind == HEADING else None)
            for e in found
        ]
        levels = Counter(e.level for e in found if e.kind == HEADING)
        level = levels.most_common(1)[0][0] if levels else paper_level
        taken = {e.line for e in found}
        units += [
            _Unit(s.line, s.end_line, False, None, s)
            for s in doc.sections
            if s.level == level and s.line not in taken and _blank(doc, s)
        ]
        units.sort(key=lambda u: u.line)
        return units, "paper", layout.name if layout else None
    leaves = [s for s in doc.sections if not s.children and section_year(s) is None]
    if leaves:
        return [_Unit(s.line, s.end_line, True, None, s) for s in leaves], "leaf", None
    return [], "draft", None


def _fold_stubs(todos: list[Violation], units: Sequence[_Unit]) -> list[Violation]:
    """Drop the empty summary and section of a paper stub: the stub (BT402) is the one item
    to finish."""
    stubs = [v.line for v in todos if v.rule_id == _STUB_RULE]
    if not stubs:
        return todos
    spans = [(u.line, u.end_line) for u in units if u.entry is not None]
    starts = [start for start, _ in spans]
    folded: set[tuple[int, int]] = set()
    for line in stubs:
        i = bisect_right(starts, line) - 1
        if i >= 0 and spans[i][0] <= line <= spans[i][1]:
            folded.add(spans[i])

    def inside_stub(v: Violation) -> bool:
        i = bisect_right(starts, v.line) - 1
        return i >= 0 and spans[i] in folded and spans[i][0] <= v.line <= spans[i][1]

    return [v for v in todos if not (v.rule_id in _FOLDED_INTO_STUB and inside_stub(v))]


def _blank(doc: Document, section: Section) -> bool:
    """A heading with nothing under it: a section not started yet."""
    if section.children:
        return False
    return all(not doc.line_text(n).strip() for n in range(section.line + 1, section.end_line + 1))


def _year_section(section: Section) -> Section | None:
    node: Section | None = section
    while node is not None:
        if section_year(node) is not None:
            return node
        node = node.parent
    return None


def _groups(todos: Sequence[Violation], names: Mapping[str, str] | None) -> tuple[TodoGroup, ...]:
    by_rule: dict[str, list[Violation]] = {}
    for v in sorted(todos, key=Violation.sort_key):
        by_rule.setdefault(v.rule_id, []).append(v)
    groups = [
        TodoGroup(
            kind=kind_of(rule_id, names),
            rule=rule_id,
            count=len(hits),
            first_line=hits[0].line,
            message=hits[0].message,
            lines=tuple(v.line for v in hits),
        )
        for rule_id, hits in by_rule.items()
    ]
    return tuple(sorted(groups, key=lambda g: (g.first_line, g.rule)))


# ---------------------------------------------------------------------- many drafts


@dataclass(frozen=True)
class _FileOutcome:
    path: str
    draft: DraftReport | None = None
    error: str | None = None


def _report_of(
    doc: Document,
    result: FileResult,
    todo_rules: tuple[str, ...],
    paper_level: int,
    names: Mapping[str, str],
) -> _FileOutcome:
    """A linted draft's coverage report, made in the worker that linted it."""
    crashed = [v for v in result.violations if v.rule_id == INTERNAL_ERROR]
    if crashed:
        return _FileOutcome(doc.path, error=f"{doc.path}: {crashed[0].message}")
    draft = report_document(doc, result.violations, todo_rules, paper_level, names)
    return _FileOutcome(doc.path, draft)


LinkGatherer = Callable[[LintPlan, Sequence[Document]], Any]


def build_report(
    paths: Sequence[str],
    config: Config,
    registry: RuleRegistry | None = None,
    jobs: int = 0,
    check_links: LinkGatherer | None = None,
) -> Report:
    """Report on files and directories (every Markdown file below). ConfigError if bad.

    ``check_links(plan, files)``, when given, runs the network rules (dead links): it does
    the I/O and returns what the engine hands them (``plan.links``), as in ``lint
    --check-links``.
    """
    from .registry import load_registry

    registry = registry or load_registry()
    rules = todo_rules_from_config(config, registry)
    plan = todo_plan(config, rules, registry, network=check_links is not None)
    files, bad_paths = discover(paths, config.excludes)
    drafts_in: list[Document | Path | FileResult] = list(files)
    if check_links is not None:
        # loaded here, once: the link checks read the drafts and so do the rules
        drafts_in = [load_document(p, plan) for p in files]
        plan.links = check_links(plan, [d for d in drafts_in if isinstance(d, Document)])
    errors = [DraftError(m.split(":", 1)[0], m) for m in bad_paths]
    outcomes = _run(drafts_in, plan, rules, config.paper_heading_level, jobs)
    drafts = []
    for outcome in outcomes:
        if outcome.draft is not None:
            drafts.append(outcome.draft)
        else:
            errors.append(DraftError(outcome.path, outcome.error or "not reported"))
    return Report(tuple(drafts), tuple(errors), rules)


def _run(
    drafts: Sequence[Document | Path | FileResult],
    plan: LintPlan,
    rules: tuple[str, ...],
    level: int,
    jobs: int,
) -> list[_FileOutcome]:
    names = {a.rule.id: a.rule.name for a in plan.rules}
    after = functools.partial(_report_of, todo_rules=rules, paper_level=level, names=names)
    return [
        r.derived if r.derived is not None else _FileOutcome(r.path, error=r.error)
        for r in lint_documents(drafts, plan, jobs, after)
    ]


# ---------------------------------------------------------------------- baseline


def load_baseline(path: Path) -> dict[str, Any]:
    """A saved JSON report, checked enough to compare with; ReportError if not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReportError(f"{path}: baseline report not found") from None
    except IsADirectoryError:
        raise ReportError(f"{path}: is a directory, not a baseline report") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: cannot read baseline report: {exc}") from None
    except ValueError as exc:
        raise ReportError(f"{path}: not a JSON report ({exc})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ReportError(
            f"{path}: not a blogtool report of version {VERSION} "
            "(write one with `blogtool report --write-baseline FILE`)"
        )
    try:
        for draft in data["drafts"]:
            _coverage_from(draft["coverage"])
            str(draft["path"])
            for section in draft["sections"]:
                str(section["slug"])
                for todo in section["todos"]:
                    str(todo["rule"]), int(todo["count"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportError(f"{path}: not a blogtool report (bad or missing {exc})") from None
    return data


def baseline_data(report: Report) -> dict[str, Any]:
    """What ``--write-baseline`` saves: TODO counts per draft, section and rule, no lines."""
    return {
        "version": VERSION,
        "todo_rules": list(report.todo_rules),
        "drafts": [
            {
                "path": _norm(d.path),
                "coverage": d.coverage.as_dict(),
                "todo_count": d.todo_count,
                "sections": [
                    {
                        "title": s.title,
                        "level": s.level,
                        "slug": s.slug,
                        "todos": [
                            {"rule": g.rule, "kind": g.kind, "count": g.count} for g in s.todos
                        ],
                    }
                    for s in d.sections
                    if s.todos
                ],
            }
            for d in report.drafts
        ],
    }


def write_baseline(path: Path, report: Report) -> None:
    """Write :func:`baseline_data` as JSON, atomically (a crash leaves the old file or the new)."""
    from .atomic import atomic_write_text

    text = json.dumps(baseline_data(report), indent=2, ensure_ascii=False)
    atomic_write_text(path, text + "\n")


def compare(report: Report, baseline: Mapping[str, Any], name: str = "") -> Comparison:
    """How the report differs from a saved one (see the module docstring)."""
    old = {_norm(d["path"]): d for d in baseline["drafts"]}
    new = {_norm(d.path): d for d in report.drafts}
    deltas = []
    for key in dict.fromkeys([*new, *old]):
        now, then = new.get(key), old.get(key)
        after = now.coverage if now else None
        before = _coverage_from(then["coverage"]) if then else None
        now_counts = _todo_counts_of(now.as_dict()) if now else {}
        then_counts = _todo_counts_of(then) if then else {}
        added = _changes(now_counts, then_counts)
        resolved = _changes(then_counts, now_counts)
        status = "changed" if now and then else ("new" if now else "removed")
        path = now.path if now else str(then["path"])
        worse = _regressions(now_counts, then_counts)
        deltas.append(DraftDelta(path, status, before, after, added, resolved, worse))
    before_total = sum((_coverage_from(d["coverage"]) for d in baseline["drafts"]), Coverage(0, 0))
    return Comparison(name, before_total, report.coverage, tuple(deltas))


def with_comparison(report: Report, comparison: Comparison | None) -> Report:
    return Report(report.drafts, report.errors, report.todo_rules, comparison)


def _norm(path: str) -> str:
    return Path(path).as_posix()


def _coverage_from(data: Mapping[str, Any]) -> Coverage:
    return Coverage(int(data["finished"]), int(data["total"]))


_TodoKey = tuple[int, str, str]  # (level, slug, rule); level tells pseudo-sections apart


def _todo_counts_of(draft: Mapping[str, Any]) -> dict[_TodoKey, tuple[int, str, str]]:
    """(level, slug, rule) -> (count, section title, kind)."""
    counts: dict[_TodoKey, tuple[int, str, str]] = {}
    for section in draft["sections"]:
        for todo in section["todos"]:
            key = (int(section.get("level", 0)), str(section["slug"]), str(todo["rule"]))
            count = counts.get(key, (0, "", ""))[0] + int(todo["count"])
            title = str(section.get("title", "")) or "(untitled)"
            counts[key] = (count, title, str(todo.get("kind") or kind_of(key[2])))
    return counts


def _changes(
    mine: Mapping[_TodoKey, tuple[int, str, str]],
    theirs: Mapping[_TodoKey, tuple[int, str, str]],
) -> tuple[TodoChange, ...]:
    """What ``mine`` holds beyond ``theirs``."""
    out = []
    for key, (count, title, kind) in mine.items():
        _, slug, rule = key
        extra = count - theirs.get(key, (0, "", ""))[0]
        if extra > 0:
            out.append(TodoChange(title, slug, kind, rule, extra))
    return tuple(out)


def _regressions(
    now: Mapping[_TodoKey, tuple[int, str, str]],
    then: Mapping[_TodoKey, tuple[int, str, str]],
) -> tuple[SectionRegression, ...]:
    """Sections (level, slug) whose TODO count over all rules went up, in ``now``'s order."""

    def per_section(
        counts: Mapping[_TodoKey, tuple[int, str, str]],
    ) -> dict[tuple[int, str], tuple[int, str]]:
        out: dict[tuple[int, str], tuple[int, str]] = {}
        for (level, slug, _), (count, title, _) in counts.items():
            out[(level, slug)] = (out.get((level, slug), (0, ""))[0] + count, title)
        return out

    before = per_section(then)
    return tuple(
        SectionRegression(title, slug, before.get((level, slug), (0, ""))[0], count)
        for (level, slug), (count, title) in per_section(now).items()
        if count > before.get((level, slug), (0, ""))[0]
    )
