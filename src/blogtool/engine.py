"""Select rules from config, run them over Documents, apply suppressions, sort the results."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .config import DEFAULT_FLAVOR, Config, ConfigError, detect_flavor
from .document import Document
from .registry import Rule, RuleContext, RuleRegistry, RuleUnavailable, load_registry
from .ruledata import RuleData
from .sources import InputError, read_source
from .suppress import collect
from .violation import Severity, Violation
from .wip import relax

if TYPE_CHECKING:
    from .spelling.stage import SpellingResult

T = TypeVar("T")

INTERNAL_ERROR = "BT000"


@dataclass(frozen=True)
class ActiveRule:
    rule: Rule
    severity: Severity
    options: dict[str, Any]


@dataclass
class FileResult:
    path: str
    violations: list[Violation] = field(default_factory=list)
    error: str | None = None  # the file could not be linted at all
    lines: int = 0
    notices: list[str] = field(default_factory=list)  # rules that could not run (RuleUnavailable)
    warnings: list[str] = field(default_factory=list)  # worth saying, not worth an exit code
    derived: Any = None  # what lint_documents' ``after`` made of the draft


@dataclass
class LintPlan:
    """Everything needed to lint a file, picklable so a process pool can take it."""

    rules: list[ActiveRule]
    data: RuleData
    max_file_size: int
    links: Any = None  # blogtool.linkscan.LinkFindings for the network rules, when checked
    flavor: str | None = None  # the Markdown flavor set by CLI or config; None: per site
    project_root: str | None = None  # where detecting a draft's site stops walking up
    drafts: tuple[str, ...] = ()  # globs of work in progress, where TODOs warn (blogtool.wip)
    offline: bool = False  # no stage may use the network (lint --offline)


def select_rules(
    registry: RuleRegistry,
    config: Config,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    network: bool = False,
) -> list[ActiveRule]:
    """The rules to run, with severities and options from config; ConfigError if bad."""

    def ids(keys: Iterable[str], where: str) -> set[str]:
        try:
            return registry.resolve(keys)
        except KeyError as exc:
            raise ConfigError(f"{where}: unknown rule {exc.args[0]!r}") from None

    chosen_keys = list(select) or config.select
    chosen = ids(chosen_keys, "--select" if select else config.where("select"))
    dropped = ids(ignore, "--ignore") | ids(config.ignore, config.where("ignore"))

    settings: dict[str, dict[str, Any]] = {}
    spelled: dict[str, str] = {}  # rule id -> the key the config file wrote it as
    for key, values in config.rule_settings.items():
        found = registry.get(key)
        if found is None:
            raise ConfigError(f"{config.where(f'rules.{key}')}: unknown rule {key!r} in [rules]")
        settings[found.id] = values
        spelled[found.id] = key

    def where(rule_id: str, name: str) -> str:
        return config.where(f"rules.{spelled.get(rule_id, rule_id)}.{name}")

    # Settings of the whole project that rules take as options of their own, unless the
    # rule's own table says otherwise: the level of paper headings (BT207, BT402-BT404).
    shared: dict[str, Any] = {}
    if config.is_set("paper_heading_level"):
        shared["paper_level"] = config.paper_heading_level

    active = []
    for r in registry:
        if r.network and not network:
            continue
        if r.id in dropped or (chosen and r.id not in chosen):
            continue
        values = settings.get(r.id, {})
        severity = r.severity
        if "severity" in values:
            try:
                severity = Severity.parse(str(values["severity"]))
            except ValueError as exc:
                raise ConfigError(f"{where(r.id, 'severity')}: {r.id}: {exc}") from None
        if severity is Severity.OFF:
            if not chosen or r.id not in chosen:
                continue
            severity = Severity.WARNING
        options = {name: opt.default for name, opt in r.options.items()}
        options.update({k: v for k, v in shared.items() if k in r.options})
        if r.config_section:
            # already validated against config.SCHEMA; shared by the rules of a family
            options.update(config.section(r.config_section))
        for name, value in values.items():
            if name == "severity":
                continue
            if name not in r.options:
                known = ", ".join(["severity", *sorted(r.options)])
                raise ConfigError(
                    f"{where(r.id, name)}: unknown option {name!r} for {r.id} {r.name} "
                    f"(known: {known})"
                )
            options[name] = r.options[name].validate(
                value, f"{where(r.id, name)}: {r.id} option {name!r}"
            )
        active.append(ActiveRule(r, severity, options))
    return active


def make_plan(
    config: Config,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    network: bool = False,
    registry: RuleRegistry | None = None,
    flavor: str | None = None,
    offline: bool = False,
) -> LintPlan:
    registry = registry or load_registry()
    rules = select_rules(registry, config, select, ignore, network)
    return LintPlan(
        rules,
        RuleData(tuple(config.rules_dirs)).read_all(),  # the rules read no file
        config.max_file_size,
        flavor=flavor or config.flavor,
        project_root=str(config.root) if config.path else None,
        drafts=tuple(config.drafts),
        offline=offline,
    )


def site_flavor(plan: LintPlan, path: Path) -> str:
    """The flavor to lint ``path`` with: the plan's, else the one its site uses (I/O)."""
    if plan.flavor:
        return plan.flavor
    return detect_flavor(path, Path(plan.project_root) if plan.project_root else None)


def spelling_stage(doc: Document, plan: LintPlan) -> SpellingResult | None:
    """What the spelling rules of ``plan`` read for ``doc`` (cache and backend I/O), or None
    when none of them runs."""
    from .spelling.stage import RULE_KINDS, check_spelling  # not for a run without them

    active = [a for a in plan.rules if a.rule.id in RULE_KINDS]
    if not active:
        return None
    # the rules share the [spelling] table and take no options of their own
    kinds = {RULE_KINDS[a.rule.id] for a in active}
    return check_spelling(doc, active[0].options, plan.data.extra_dirs, kinds, plan.offline)


def lint_document(
    doc: Document,
    plan: LintPlan,
    notices: list[str] | None = None,
    flavor: str | None = None,
    warnings: list[str] | None = None,
) -> list[Violation]:
    """Run the stages and then the rules of ``plan`` over ``doc``.

    Rules that could not run are added to ``notices`` and what the stages want said (a cache
    that cannot be written) to ``warnings``, each once, when the caller passes a list.
    """
    spelling = spelling_stage(doc, plan)
    if spelling is not None and warnings is not None:
        warnings.extend(w for w in spelling.warnings if w not in warnings)
    return run_rules(doc, plan, spelling, notices, flavor)


def run_rules(
    doc: Document,
    plan: LintPlan,
    spelling: SpellingResult | None,
    notices: list[str] | None = None,
    flavor: str | None = None,
) -> list[Violation]:
    """The rules of ``plan`` over ``doc``, given what the stages found for it."""
    by_key: dict[str, str] = {}
    for active in plan.rules:
        by_key[active.rule.id.upper()] = active.rule.id
        by_key[active.rule.name.lower()] = active.rule.id

    def resolve(word: str) -> str | None:
        return by_key.get(word.upper()) or by_key.get(word.lower())

    suppressions = collect(doc, resolve)
    seen: set[tuple] = set()
    out: list[Violation] = []
    for active in plan.rules:
        r = active.rule
        ctx = RuleContext(
            active.options,
            plan.data,
            plan.links,
            flavor or plan.flavor or DEFAULT_FLAVOR,
            offline=plan.offline,
            spelling=spelling,
        )
        try:
            hits = list(r.check(doc, ctx))
        except RuleUnavailable as exc:
            if notices is not None and str(exc) not in notices:
                notices.append(str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the run
            out.append(
                Violation(
                    doc.path,
                    1,
                    1,
                    INTERNAL_ERROR,
                    f"rule {r.id} ({r.name}) crashed: {type(exc).__name__}: {exc}",
                    Severity.ERROR,
                    1,
                    1,
                    "internal-error",
                )
            )
            continue
        for hit in hits:
            line, col = doc.position(hit.start)
            end_line, end_col = doc.position(max(hit.end, hit.start))
            if suppressions.suppressed(r.id, line):
                continue
            key = (r.id, line, col, hit.message)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Violation(
                    doc.path,
                    line,
                    col,
                    r.id,
                    hit.message,
                    active.severity,
                    end_line,
                    end_col,
                    r.name,
                    hit.fix,
                )
            )
    out.sort(key=Violation.sort_key)
    return relax(doc, out, plan.drafts)


def load_document(path: Path, plan: LintPlan) -> Document | FileResult:
    """Read and parse one draft: the only place a draft on disk becomes a Document.

    A draft that cannot be read (missing, too large, not UTF-8) or parsed (nested too deep
    for the parser) is a :class:`FileResult` whose ``error`` says why, never an exception.
    """
    return read_document(path, plan.max_file_size)


def read_document(path: Path, max_file_size: int) -> Document | FileResult:
    """:func:`load_document` for a caller without a lint plan (the papers index)."""
    try:
        text = read_source(path, max_file_size)
    except InputError as exc:
        return FileResult(str(path), error=str(exc))
    return parse_document(text, str(path))


def parse_document(text: str, path: str) -> Document | FileResult:
    """Parse a draft's text (read from a file or stdin); a FileResult with ``error`` when it
    is nested too deeply for the parser."""
    try:
        return Document.from_text(text, path)
    except RecursionError:
        return _too_deep(path)


def _too_deep(path: str) -> FileResult:
    return FileResult(path, error=f"{path}: too deeply nested to parse; not linted")


def load_documents(
    paths: Iterable[Path], plan: LintPlan
) -> tuple[list[Document], list[FileResult]]:
    """The drafts a caller needs in its own process (to check their links first), and a
    FileResult with ``error`` for each that could not be loaded."""
    docs: list[Document] = []
    failed: list[FileResult] = []
    for path in paths:
        loaded = load_document(path, plan)
        if isinstance(loaded, FileResult):
            failed.append(loaded)
        else:
            docs.append(loaded)
    return docs, failed


# What a caller does with a draft after linting it, in the worker that linted it: its value
# becomes FileResult.derived (``blogtool report`` builds a draft's coverage report here).
# Must be picklable (a module-level function or a functools.partial of one).
AfterLint = Callable[[Document, "FileResult"], Any]


def _lint_loaded(
    doc: Document, plan: LintPlan, flavor: str | None, after: AfterLint | None = None
) -> FileResult:
    notices: list[str] = []
    warnings: list[str] = []
    try:
        violations = lint_document(doc, plan, notices, flavor, warnings)
    except RecursionError:
        return _too_deep(doc.path)
    result = FileResult(
        doc.path, violations, lines=len(doc.lines), notices=notices, warnings=warnings
    )
    if after is not None:
        result.derived = after(doc, result)
    return result


# A draft to lint: parsed already, a file for the worker to load, or one that failed to load
# (passed through, so that results keep the order of the drafts).
Draft = Document | Path | FileResult


def _lint_one(
    draft: Draft, plan: LintPlan, flavor: str | None, after: AfterLint | None
) -> FileResult:
    loaded = load_document(draft, plan) if isinstance(draft, Path) else draft
    if isinstance(loaded, FileResult):
        return loaded
    return _lint_loaded(loaded, plan, flavor, after)


def lint_documents(
    docs: Sequence[Draft],
    plan: LintPlan,
    jobs: int = 0,
    after: AfterLint | None = None,
) -> list[FileResult]:
    """Lint drafts, in a process pool when there are several and more than one core.

    Each item is a parsed Document, or a Path that the worker loads (:func:`load_document`)
    so that reading and parsing run in parallel too; a caller that needs the Documents
    itself (link checking) loads them first and hands them over, and no draft is parsed
    twice. A FileResult (a draft that failed to load) comes back as it is. Every draft is
    linted with the plan's flavor, else its site's. ``after`` runs on each linted draft in
    its worker. Results come back in the order of ``docs``.
    """
    # a site is looked for once per directory, not once per draft
    by_directory: dict[Path, str] = {}
    flavors = []
    for draft in docs:
        if isinstance(draft, FileResult):
            flavors.append(None)
            continue
        where = draft if isinstance(draft, Path) else Path(draft.path)
        if where.parent not in by_directory:
            by_directory[where.parent] = site_flavor(plan, where)
        flavors.append(by_directory[where.parent])
    n = len(docs)
    return in_pool(_lint_one, jobs, docs, [plan] * n, flavors, [after] * n)


def in_pool(fn: Callable[..., T], jobs: int, *columns: Sequence[Any]) -> list[T]:
    """``fn`` over the rows of ``columns`` (``fn(columns[0][i], columns[1][i], ...)``), in
    order; in a process pool of ``jobs`` workers (0: one per core) when there are at least
    four rows and more than one worker, else here. ``fn`` and every value must pickle."""
    rows = len(columns[0])
    workers = jobs or min(rows, os.cpu_count() or 1)
    if workers <= 1 or rows < 4:
        return [fn(*row) for row in zip(*columns, strict=True)]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, *columns, chunksize=1))


def lint_text(text: str, path: str, plan: LintPlan, flavor: str | None = None) -> FileResult:
    """Lint text in memory; ``flavor`` overrides the plan's (no site is looked for here)."""
    doc = parse_document(text, path)
    if isinstance(doc, FileResult):
        return doc
    return _lint_loaded(doc, plan, flavor)


def lint_file(path: Path, plan: LintPlan, flavor: str | None = None) -> FileResult:
    """Lint one file, with ``flavor`` or else the one its site uses."""
    loaded = load_document(path, plan)
    if isinstance(loaded, FileResult):
        return loaded
    return _lint_loaded(loaded, plan, flavor or site_flavor(plan, path))


def lint_files(paths: Sequence[Path], plan: LintPlan, jobs: int = 0) -> list[FileResult]:
    """Lint files, in a process pool when there are several and more than one core."""
    return lint_documents(list(paths), plan, jobs)
