"""One draft's report: its units of coverage (from its layout), the TODOs in each."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from blogtool.document import Document, Section
from blogtool.papers import HEADING, Entry, entries
from blogtool.report.model import (
    BEFORE_FIRST_HEADING,
    DEFAULT_TODO_RULES,
    WHOLE_DRAFT,
    Coverage,
    DraftReport,
    EntryReport,
    SectionReport,
    TodoGroup,
    YearReport,
    kind_of,
)
from blogtool.rules._util import innermost_section, section_year
from blogtool.violation import Violation

# A paper stub's empty summary, and its empty section when the link is its heading, are
# part of the stub: one item to finish, not two or three.
_STUB_RULE, _FOLDED_INTO_STUB = "BT402", frozenset({"BT101", "BT401"})


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
    from blogtool.layouts import infer_layout

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
