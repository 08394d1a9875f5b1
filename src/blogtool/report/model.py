"""What a report holds: coverage, TODO groups, sections, years, entries, drafts, and the
comparison with a baseline; and which rules count as TODOs."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

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
KIND_OF_RULE = {rule_id: kind for kind, rules in TODO_KINDS.items() for rule_id in rules}
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
