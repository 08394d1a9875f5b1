"""The import graph reads one way: click only at the edge (cli.py, commands/), and no circle
through the run layer. Link orchestration (blogtool.linkrun) is a library: it raises
ConfigError and hands messages back instead of printing them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import blogtool
from blogtool.config import Config, ConfigError, config_from_table
from blogtool.engine import make_plan
from blogtool.linkrun import (
    OFFLINE_SKIP_NOTICE,
    Notices,
    link_check_settings,
    lint_findings,
    site_root,
)

PACKAGE = Path(blogtool.__file__).parent

# Modules of the run layer and its edges: none may sit on an import circle.
RUN_LAYER = (
    "blogtool.cli",
    "blogtool.commands.",
    "blogtool.engine",
    "blogtool.linkrun",
    "blogtool.linkscan",
    "blogtool.net.",
    "blogtool.sources",
    "blogtool.config",
    "blogtool.registry",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each module of blogtool and what it imports (anywhere in it, lazily too)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([node.module] if node.module else [])])
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    found.add(full if full in modules else base)
        graph[name] = {m for m in found if m in modules or m == "click"} - {name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next((c for c in children if c in graph), None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(group)
    return groups


def test_click_is_imported_only_at_the_edge() -> None:
    users = sorted(name for name, found in _imports().items() if "click" in found)
    assert users, "the graph finds no click import at all: the scan is broken"
    assert [
        n for n in users if n != "blogtool.cli" and not n.startswith("blogtool.commands.")
    ] == []


def test_no_import_circle_runs_through_the_run_layer() -> None:
    touching = [
        sorted(group)
        for group in _cycles(_imports())
        if any(member.startswith(RUN_LAYER) for member in group)
    ]
    assert touching == []


def test_no_import_circle_anywhere() -> None:
    assert [sorted(group) for group in _cycles(_imports())] == []


# Modules and calls a rule must not use: rules are functions of a Document (and the answers
# the engine gathered before them), so reading files or the network belongs to the edges.
IO_MODULES = (
    "blogtool.net",
    "blogtool.sources",
    "blogtool.atomic",
    "blogtool.draftfile",
    "blogtool.lockfile",
    "blogtool.gitdiff",
    "blogtool.resultcache",
    "blogtool.linkrun",
    # the spelling stage and what it drives (word lists, backends, the cache); the rules read
    # its results from the RuleContext
    "blogtool.spelling.stage",
    "blogtool.spelling.service",
    "blogtool.spelling.backends",
    "blogtool.spelling.harper_backend",
    "blogtool.spelling.languagetool_backend",
    "blogtool.spelling.lexicon",
    "blogtool.spelling.vocabulary",
    "httpx",
    "sqlite3",
    "socket",
    "subprocess",
    "urllib.request",
)
IO_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "urlopen"}
RULE_MODULES = sorted(n for n in _imports() if n.startswith("blogtool.rules."))


@pytest.mark.parametrize("module", RULE_MODULES)
def test_a_rule_module_does_no_io(module: str) -> None:
    reached = _imports()[module] | {
        name for name in _plain_imports(module) if not name.startswith("blogtool")
    }
    assert sorted(m for m in reached if m.startswith(IO_MODULES)) == []
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    calls = [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in IO_CALLS
    ]
    assert calls == [], f"{module} reads or writes files at lines {calls}"


def _plain_imports(module: str) -> set[str]:
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def test_the_io_check_sees_an_io_import() -> None:
    # guards the check above: the link orchestration does reach the network
    assert any(m.startswith("blogtool.net") for m in _imports()["blogtool.linkrun"])


def test_the_cycle_finder_finds_a_circle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


# --- linkrun is a library ------------------------------------------------------------------------


def test_bad_link_settings_are_config_errors(tmp_path: Path) -> None:
    config = config_from_table({"links": {"headers": {"example.org": "token"}}})
    with pytest.raises(ConfigError, match="links.headers.example.org: expected a table"):
        link_check_settings(config)
    missing = Config(root=tmp_path, sections={"links": {"site_root": "site"}})
    with pytest.raises(ConfigError, match="links.site_root: .* is not a directory"):
        site_root(missing)


def test_lint_findings_hands_its_messages_back(capsys: pytest.CaptureFixture[str]) -> None:
    config = Config()
    plan = make_plan(config, select=["BT701"], network=True)
    notices = Notices()
    findings = lint_findings(plan, config, [], notices, offline=True)
    assert notices.lines == [OFFLINE_SKIP_NOTICE]
    assert findings.remote == {} and findings.missing_files == {}
    assert capsys.readouterr() == ("", "")
