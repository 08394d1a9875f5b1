"""The report of many drafts: which rules count, the lint plan, one process per draft."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from blogtool.config import Config, ConfigError
from blogtool.document import Document
from blogtool.engine import (
    INTERNAL_ERROR,
    FileResult,
    LintPlan,
    lint_documents,
    load_document,
    make_plan,
)
from blogtool.registry import RuleRegistry
from blogtool.report.coverage import report_document
from blogtool.report.model import (
    DEFAULT_TODO_RULES,
    KIND_OF_RULE,
    DraftError,
    DraftReport,
    Report,
)
from blogtool.sources import discover


def todo_rules_from_config(config: Config, registry: RuleRegistry) -> tuple[str, ...]:
    """``[report] todo_rules`` (ids, names or prefixes), or the defaults; ConfigError if bad."""
    keys = config.section("report").get("todo_rules")
    if keys is None:
        return DEFAULT_TODO_RULES
    ids: set[str] = set()
    for key in keys:
        if not isinstance(key, str):
            raise ConfigError(f"{config.where('todo_rules')}: todo_rules holds rule IDs (strings)")
        if key.strip().upper() in KIND_OF_RULE:  # known TODO rules, even before they land
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
    from blogtool.registry import load_registry

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
