"""Select rules from config, run them over Documents, apply suppressions, sort the results."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
            if not isinstance(value, r.options[name].type) or isinstance(value, bool) != (
                isinstance(r.options[name].default, bool)
            ):
                raise ConfigError(
                    f"{where(r.id, name)}: {r.id} option {name!r} has the wrong type "
                    f"({type(value).__name__})"
                )
            choices = r.options[name].choices
            if choices and value not in choices:
                raise ConfigError(
                    f"{where(r.id, name)}: {r.id} option {name!r} must be one of "
                    f"{', '.join(map(repr, choices))}, not {value!r}"
                )
            options[name] = value
        active.append(ActiveRule(r, severity, options))
    return active


def make_plan(
    config: Config,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    network: bool = False,
    registry: RuleRegistry | None = None,
    flavor: str | None = None,
) -> LintPlan:
    registry = registry or load_registry()
    rules = select_rules(registry, config, select, ignore, network)
    return LintPlan(
        rules,
        RuleData(tuple(config.rules_dirs)),
        config.max_file_size,
        flavor=flavor or config.flavor,
        project_root=str(config.root) if config.path else None,
        drafts=tuple(config.drafts),
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
    return check_spelling(doc, active[0].options, plan.data.extra_dirs, kinds)


def lint_document(
    doc: Document,
    plan: LintPlan,
    notices: list[str] | None = None,
    flavor: str | None = None,
) -> list[Violation]:
    return run_rules(doc, plan, spelling_stage(doc, plan), notices, flavor)


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
            spelling,
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


def lint_text(text: str, path: str, plan: LintPlan, flavor: str | None = None) -> FileResult:
    """Lint text in memory; ``flavor`` overrides the plan's (no site is looked for here)."""
    doc = Document.from_text(text, path)
    notices: list[str] = []
    spelling = spelling_stage(doc, plan)
    violations = run_rules(doc, plan, spelling, notices, flavor)
    warnings = list(spelling.warnings) if spelling else []
    return FileResult(path, violations, lines=len(doc.lines), notices=notices, warnings=warnings)


def lint_file(path: Path, plan: LintPlan, flavor: str | None = None) -> FileResult:
    """Lint one file, with ``flavor`` or else the one its site uses."""
    try:
        text = read_source(path, plan.max_file_size)
    except InputError as exc:
        return FileResult(str(path), error=str(exc))
    try:
        return lint_text(text, str(path), plan, flavor or site_flavor(plan, path))
    except RecursionError:
        return FileResult(str(path), error=f"{path}: too deeply nested to parse; not linted")


def lint_files(paths: Sequence[Path], plan: LintPlan, jobs: int = 0) -> list[FileResult]:
    """Lint files, in a process pool when there are several and more than one core."""
    # a site is looked for once per directory, not once per draft
    by_directory: dict[Path, str] = {}
    for p in paths:
        if p.parent not in by_directory:
            by_directory[p.parent] = site_flavor(plan, p)
    flavors = [by_directory[p.parent] for p in paths]
    workers = jobs or min(len(paths), os.cpu_count() or 1)
    if workers <= 1 or len(paths) < 4:
        return [lint_file(p, plan, f) for p, f in zip(paths, flavors, strict=True)]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lint_file, paths, [plan] * len(paths), flavors, chunksize=1))
