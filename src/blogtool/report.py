"""TODO coverage of drafts: what is left to write, per draft, per year and per section.

The report runs the same rule engine as ``blogtool lint`` (same config, same suppression
comments) and keeps the violations of the *TODO rules* (see :data:`TODO_KINDS`; the
``[tool.blogtool.report] todo_rules`` setting replaces the set). It never disagrees with
lint about what is left to do: its TODOs are exactly lint's violations of those rules.

Coverage
--------
A draft's *content sections* are the sections that should hold writing:

* its paper sections (a heading at ``paper_heading_level``, ``###`` by default, whose own
  body links an arXiv paper), together with headings at that level that have nothing under
  them yet (a paper section not started);
* if it has none: every leaf section (a section without subsections) that is not a year
  section (``## 2019``);
* if it has none of those either: the whole draft, as one unit.

A content section is *finished* when no TODO lies anywhere inside it (subsections
included). Coverage is finished content sections / content sections, given as a percent
rounded down with the counts beside it, ``72% (18/25)``, per draft, per year section
(the content sections inside it) and in total (the sums over all drafts). Every TODO is
attributed to the innermost section holding its line; a TODO outside every content
section (in a year's introduction, before the first heading) does not lower coverage but
still counts in the draft's and the run's number of open TODOs.

JSON format (``--format json``)
-------------------------------
Keys are stable; new keys may be added, none will be renamed while ``version`` is 1::

    {
      "version": 1,
      "todo_rules": ["BT101", ...],          # rule IDs counted as TODOs
      "drafts": [{
        "path": "drafts/evolution.md",       # as given on the command line
        "basis": "paper",                    # content sections: "paper", "leaf" or "draft"
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
          "todos": [{"kind": "empty-summary", "rule": "BT101", "count": 1,
                     "first_line": 307, "message": "...", "lines": [307]}]
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
                               "todos": [{"rule": "BT101", "kind": "empty-summary",
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

import json
import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .config import Config, ConfigError
from .document import Document, Section
from .engine import INTERNAL_ERROR, LintPlan, lint_document, make_plan
from .registry import RuleRegistry
from .rules._util import is_paper_section, section_year
from .sources import InputError, discover, read_source
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
class DraftReport:
    path: str
    basis: str  # "paper", "leaf" or "draft"
    coverage: Coverage
    years: tuple[YearReport, ...]
    sections: tuple[SectionReport, ...]

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
            "coverage": self.coverage.as_dict(),
            "todo_count": self.todo_count,
            "years": [y.as_dict() for y in self.years],
            "sections": [s.as_dict() for s in self.sections],
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
    """The TODO kind of a rule: from :data:`TODO_KINDS`, else its name in ``names``."""
    return _KIND_OF_RULE.get(rule_id) or (names or {}).get(rule_id) or rule_id


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
    return LintPlan([a for a in plan.rules if a.rule.id in wanted], plan.data, plan.max_file_size)


# ---------------------------------------------------------------------- one draft


def report_document(
    doc: Document,
    violations: Sequence[Violation],
    todo_rules: Iterable[str] = DEFAULT_TODO_RULES,
    paper_level: int = 3,
    names: Mapping[str, str] | None = None,
) -> DraftReport:
    """The coverage report of one parsed draft, given its lint violations (any rules).

    ``names`` maps rule IDs to names, the kind of a TODO rule outside :data:`TODO_KINDS`.
    """
    wanted = set(todo_rules)
    todos = [v for v in violations if v.rule_id in wanted]
    nlines = len(doc.lines)

    content, basis = _content_sections(doc, paper_level)
    year_of = {id(s): _year_section(s) for s in doc.sections}
    owned: dict[int, list[Violation]] = {}  # id(section) or 0 -> attributed TODOs
    for v in todos:
        section = doc.section_at(v.line)
        owned.setdefault(id(section) if section else 0, []).append(v)

    def finished(first: int, last: int) -> bool:
        return not any(first <= v.line <= last for v in todos)

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
                finished=finished(1, last),
                todos=_groups(owned.get(0, []), names),
            )
        )
    content_ids = {id(s) for s in content}
    for s in doc.sections:
        year_section = year_of[id(s)]
        reports.append(
            SectionReport(
                title=s.title,
                level=s.level,
                line=s.line,
                end_line=s.end_line,
                slug=s.slug,
                year=section_year(year_section) if year_section else None,
                counts=id(s) in content_ids,
                finished=finished(s.line, s.end_line),
                todos=_groups(owned.get(id(s), []), names),
            )
        )

    years = []
    for s in doc.sections:
        year = section_year(s)
        if year is None:
            continue
        inside = [c for c in content if year_of[id(c)] is s]
        done = sum(1 for c in inside if finished(c.line, c.end_line))
        years.append(
            YearReport(
                year=year,
                title=s.title,
                line=s.line,
                slug=s.slug,
                coverage=Coverage(done, len(inside)),
                todo_count=sum(1 for v in todos if s.line <= v.line <= s.end_line),
            )
        )
    counted = [r for r in reports if r.counts]
    coverage = Coverage(sum(1 for r in counted if r.finished), len(counted))
    return DraftReport(doc.path, basis, coverage, tuple(years), tuple(reports))


def _content_sections(doc: Document, paper_level: int) -> tuple[list[Section], str]:
    papers = [
        s
        for s in doc.sections
        if is_paper_section(doc, s, paper_level) or (s.level == paper_level and _blank(doc, s))
    ]
    if any(is_paper_section(doc, s, paper_level) for s in papers):
        return papers, "paper"
    leaves = [s for s in doc.sections if not s.children and section_year(s) is None]
    if leaves:
        return leaves, "leaf"
    return [], "draft"


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


def _report_file(
    path: Path, plan: LintPlan, todo_rules: tuple[str, ...], paper_level: int
) -> _FileOutcome:
    try:
        text = read_source(path, plan.max_file_size)
    except InputError as exc:
        return _FileOutcome(str(path), error=str(exc))
    try:
        doc = Document.from_text(text, str(path))
        violations = lint_document(doc, plan)
    except RecursionError:
        return _FileOutcome(str(path), error=f"{path}: too deeply nested to parse; not reported")
    crashed = [v for v in violations if v.rule_id == INTERNAL_ERROR]
    if crashed:
        return _FileOutcome(str(path), error=f"{path}: {crashed[0].message}")
    names = {a.rule.id: a.rule.name for a in plan.rules}
    draft = report_document(doc, violations, todo_rules, paper_level, names)
    return _FileOutcome(str(path), draft)


LinkGatherer = Callable[[LintPlan, Sequence[Path]], Any]


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
    files, bad_paths = discover(paths, config.exclude)
    if check_links is not None:
        plan.links = check_links(plan, files)
    errors = [DraftError(m.split(":", 1)[0], m) for m in bad_paths]
    outcomes = _run(files, plan, rules, config.paper_heading_level, jobs)
    drafts = []
    for outcome in outcomes:
        if outcome.draft is not None:
            drafts.append(outcome.draft)
        else:
            errors.append(DraftError(outcome.path, outcome.error or "not reported"))
    return Report(tuple(drafts), tuple(errors), rules)


def _run(
    files: Sequence[Path], plan: LintPlan, rules: tuple[str, ...], level: int, jobs: int
) -> list[_FileOutcome]:
    workers = jobs or min(len(files), os.cpu_count() or 1)
    if workers <= 1 or len(files) < 4:
        return [_report_file(p, plan, rules, level) for p in files]
    from concurrent.futures import ProcessPoolExecutor

    n = len(files)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_report_file, files, [plan] * n, [rules] * n, [level] * n))


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
