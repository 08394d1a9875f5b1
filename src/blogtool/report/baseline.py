"""A report saved as a baseline (``--write-baseline``) and the comparison with one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from blogtool.report.model import (
    VERSION,
    Comparison,
    Coverage,
    DraftDelta,
    Report,
    ReportError,
    SectionRegression,
    TodoChange,
    kind_of,
)

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
    from blogtool.atomic import atomic_write_text

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
