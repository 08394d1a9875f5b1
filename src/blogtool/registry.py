"""Rule metadata and the registry that built-in and third-party rules join.

A rule is a function of a :class:`~blogtool.document.Document` decorated with
:func:`rule`. Its docstring is its documentation (``blogtool rules ID`` prints it).
Third-party packages add rules through the ``blogtool.rules`` entry-point group: the
entry point names a module (whose ``@rule`` functions are collected) or a :class:`Rule`.
A plugin that fails to load or reuses a rule's id or name is a :class:`PluginError`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from .config import DEFAULT_FLAVOR, ConfigError
from .violation import Fix, Severity

if TYPE_CHECKING:
    from .document import Document

ENTRY_POINT_GROUP = "blogtool.rules"

FIX_SAFE = "safe"
FIX_UNSAFE = "unsafe"
FIX_KINDS = (FIX_SAFE, FIX_UNSAFE, None)

BUILTIN_FAMILIES = (
    "blogtool.rules.placeholders",
    "blogtool.rules.prose",
    "blogtool.rules.links",
    "blogtool.rules.math",
    "blogtool.rules.structure",
    "blogtool.rules.html",
    "blogtool.rules.spelling",
    "blogtool.rules.deadlinks",
)


class PluginError(ConfigError):
    """A third-party rule plugin that cannot join the registry, in one line naming it.

    A ConfigError: the installed environment, not the drafts, is at fault, so the CLI
    exits 2 with the message and never shows the plugin's traceback.
    """


class RuleUnavailable(RuntimeError):
    """A rule cannot run here (a backend it needs is missing); the message says how to fix it.

    The engine reports it once per run, not per file, runs the other rules, and the CLI
    exits 2 so that a silently unchecked draft never looks clean.
    """


@dataclass(frozen=True)
class Hit:
    """What a rule reports: offsets into ``doc.text`` and a message."""

    start: int
    end: int
    message: str
    fix: Fix | None = None  # a mechanical repair, when the rule knows one


@dataclass(frozen=True)
class Option:
    default: Any
    type: type | tuple[type, ...]
    help: str = ""
    choices: tuple[Any, ...] = ()  # when set, the only values a config may give

    def validate(self, value: Any, where: str) -> Any:
        """``value`` if a config may give it for this option, else a ConfigError.

        ``where`` names the setting at the start of the message, with its place in the
        config file: ``blogtool.toml:4: BT408 option 'direction'``. A flag takes only
        true or false, and a number is never a flag: TOML keeps them apart, and so do we.
        """
        flag = isinstance(self.default, bool)
        if not isinstance(value, self.type) or isinstance(value, bool) != flag:
            raise ConfigError(f"{where} has the wrong type ({type(value).__name__})")
        if self.choices and value not in self.choices:
            raise ConfigError(
                f"{where} must be one of {', '.join(map(repr, self.choices))}, not {value!r}"
            )
        return value


@dataclass(frozen=True)
class RuleContext:
    """What a rule may read besides the document: its options, the rule data, the answers
    gathered by I/O for network rules (``links``: a blogtool.linkscan.LinkFindings, or None
    when links were not checked), the Markdown ``flavor`` the draft's blog renders with
    (one of blogtool.config.FLAVORS, resolved from config or the site before rules run),
    whether the run is ``offline`` (no stage it starts may use the network), and what the
    spelling stage found (``spelling``: a blogtool.spelling.stage.SpellingResult, or None
    when no spelling rule runs)."""

    options: dict[str, Any]
    data: Any  # blogtool.ruledata.RuleData
    links: Any = None
    flavor: str = DEFAULT_FLAVOR
    offline: bool = False
    spelling: Any = None


CheckFn = Callable[["Document", RuleContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    check: CheckFn
    options: dict[str, Option] = field(default_factory=dict)
    family: str = ""
    network: bool = False  # rules that need results from the network (dead links)
    config_section: str | None = None  # a [tool.blogtool.<section>] table merged into options
    fix: str | None = None  # FIX_SAFE, FIX_UNSAFE, or None for a rule that offers no fix

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or "(no documentation)")

    @property
    def summary(self) -> str:
        return self.doc.splitlines()[0].strip()


FIX_HELP = {
    "safe": "safe: `blogtool lint --fix` applies it",
    "unsafe": "unsafe: applied only with `blogtool lint --unsafe-fixes` (check the result)",
    None: "none: fix it by hand",
}


def rule_help(r: Rule) -> str:
    """A rule's documentation as ``blogtool rules ID`` prints it (the server's hover too)."""
    text = f"{r.id} {r.name} (default severity: {r.severity})\n\n{r.doc}"
    text += f"\n\nFix: {FIX_HELP[r.fix]}"
    if r.options:
        text += "\n\nOptions:"
        for name, opt in r.options.items():
            text += f"\n  {name} = {opt.default!r}  {opt.help}"
    return text


def rule(
    rule_id: str,
    name: str,
    severity: str = "error",
    options: dict[str, Option] | None = None,
    network: bool = False,
    config_section: str | None = None,
    fix: str | None = None,
) -> Callable[[CheckFn], CheckFn]:
    """Mark a check function as a rule; the module that defines it is its family.

    ``fix`` says whether its hits carry fixes: ``"safe"`` (``lint --fix`` applies them),
    ``"unsafe"`` (only with ``--unsafe-fixes``) or None.
    """
    if fix not in FIX_KINDS:
        raise ValueError(f"rule {rule_id}: fix must be one of {FIX_KINDS}, not {fix!r}")

    def mark(fn: CheckFn) -> CheckFn:
        fn.__blogtool_rule__ = Rule(  # type: ignore[attr-defined]
            id=rule_id,
            name=name,
            severity=Severity.parse(severity),
            check=fn,
            options=dict(options or {}),
            family=fn.__module__.rsplit(".", 1)[-1],
            network=network,
            config_section=config_section,
            fix=fix,
        )
        return fn

    return mark


def rules_in(module: ModuleType) -> Iterator[Rule]:
    for value in vars(module).values():
        found = getattr(value, "__blogtool_rule__", None)
        if isinstance(found, Rule):
            yield found
        elif isinstance(value, Rule):
            yield value


class RuleRegistry:
    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self._by_id: dict[str, Rule] = {}
        self._by_name: dict[str, Rule] = {}
        for r in rules:
            self.add(r)

    def add(self, r: Rule) -> None:
        if r.id in self._by_id or r.name in self._by_name:
            raise ValueError(f"rule {r.id} ({r.name}) is registered twice")
        self._by_id[r.id] = r
        self._by_name[r.name] = r

    def get(self, key: str) -> Rule | None:
        return self._by_id.get(key.upper()) or self._by_name.get(key.lower())

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._by_id.values(), key=lambda r: r.id))

    def __len__(self) -> int:
        return len(self._by_id)

    def resolve(self, keys: Iterable[str]) -> set[str]:
        """Rule IDs for ids, names or ID prefixes (``BT1`` selects BT101...BT199)."""
        ids: set[str] = set()
        for key in keys:
            key = key.strip()
            if not key:
                continue
            found = self.get(key)
            if found:
                ids.add(found.id)
                continue
            prefixed = {rid for rid in self._by_id if rid.startswith(key.upper())}
            if not prefixed:
                raise KeyError(key)
            ids |= prefixed
        return ids


def load_registry(entry_points: bool = True) -> RuleRegistry:
    registry = RuleRegistry()
    for module_name in BUILTIN_FAMILIES:
        module = importlib.import_module(module_name)
        for r in rules_in(module):
            registry.add(r)
    if entry_points:
        from importlib.metadata import entry_points as eps

        for ep in eps(group=ENTRY_POINT_GROUP):
            for r in _plugin_rules(ep):
                clash = registry.get(r.id) or registry.get(r.name)
                if clash is not None:
                    what = f"id {r.id}" if clash.id == r.id else f"name {r.name!r}"
                    raise PluginError(
                        f"{_plugin_name(ep)}: rule {r.id} ({r.name}) reuses the {what} of "
                        f"rule {clash.id} ({clash.name}) from {clash.check.__module__}"
                    )
                registry.add(r)
    return registry


def _plugin_name(ep: Any) -> str:
    """How an error names a plugin: its entry point, its target and its distribution."""
    dist = getattr(ep, "dist", None)
    source = f", from {dist.name} {dist.version}" if dist is not None else ""
    return f"rule plugin {ep.name!r} ({ep.value}{source})"


def _plugin_rules(ep: Any) -> list[Rule]:
    try:
        loaded = ep.load()
    except Exception as exc:  # noqa: BLE001 - any failure of third-party code at import
        # The first line of the message: a SyntaxError or an import-time error of the
        # plugin may span several, and the error must stay one line.
        detail = next((ln.strip() for ln in str(exc).splitlines() if ln.strip()), "")
        reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        raise PluginError(f"{_plugin_name(ep)} failed to load: {reason}") from None
    if isinstance(loaded, Rule):
        return [loaded]
    marked = getattr(loaded, "__blogtool_rule__", None)
    if isinstance(marked, Rule):
        return [marked]
    if isinstance(loaded, ModuleType):
        return list(rules_in(loaded))
    raise PluginError(f"{_plugin_name(ep)} names neither a module of rules nor a rule")
