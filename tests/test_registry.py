"""The rule registry: built-in families and third-party rules from the entry-point group."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from blogtool.config import Config
from blogtool.engine import lint_text, make_plan
from blogtool.registry import ENTRY_POINT_GROUP, load_registry

PLUGIN = '''
from blogtool.registry import Hit, rule


@rule("XT001", "no-lorem", "warning")
def no_lorem(doc, ctx):
    """Placeholder Latin left in the prose.

    Bad:

        Lorem ipsum dolor.

    Good:

        Attention weighs every token.
    """
    at = doc.prose_text.find("Lorem ipsum")
    if at >= 0:
        yield Hit(at, at + 11, "placeholder Latin: write the paragraph")
'''


def install_plugin(where: Path, source: str) -> None:
    """A package laid out the way pip installs it: a module and a dist-info whose entry
    point joins the group. importlib.metadata finds it on sys.path like any other."""
    (where / "lorem_rules.py").write_text(source, encoding="utf-8")
    info = where / "lorem_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lorem-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nlorem = lorem_rules\n")


@pytest.fixture()
def plugin_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_plugin(tmp_path, PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("lorem_rules", None)


def test_third_party_rules_join_through_the_entry_point_group(plugin_on_path) -> None:
    registry = load_registry()
    plugin = registry.get("XT001")
    assert plugin is not None and registry.get("no-lorem") is plugin
    assert plugin.summary == "Placeholder Latin left in the prose."
    plan = make_plan(Config(), select=["XT001"], registry=registry)
    result = lint_text("# T\n\nLorem ipsum dolor.\n", "d.md", plan)
    assert [(v.line, v.col, v.rule_id) for v in result.violations] == [(3, 1, "XT001")]


def test_builtin_rules_have_unique_ids_docs_and_examples() -> None:
    registry = load_registry(entry_points=False)
    assert len(registry) >= 40
    for r in registry:
        assert r.id.startswith("BT") and r.name == r.name.lower()
        if r.id != "BT000":
            assert "Bad" in r.doc and "Good" in r.doc, r.id


BROKEN_PLUGINS = {
    "fails to import": (
        "import lorem_rules_helpers  # a dependency that is not installed\n",
        "failed to load: ModuleNotFoundError: No module named 'lorem_rules_helpers'",
    ),
    "reuses a built-in id": (
        PLUGIN.replace('"XT001", "no-lorem"', '"BT101", "no-lorem"'),
        "rule BT101 (no-lorem) reuses the id BT101 of rule BT101 (empty-quick-summary)",
    ),
    "reuses a built-in name": (
        PLUGIN.replace('"no-lorem"', '"empty-section"'),
        "rule XT001 (empty-section) reuses the name 'empty-section' of rule BT401",
    ),
}


@pytest.mark.parametrize("command", [["lint", "draft.md"], ["rules"]], ids=["lint", "rules"])
@pytest.mark.parametrize("broken", list(BROKEN_PLUGINS))
def test_a_broken_plugin_is_one_line_naming_it_and_exit_2(
    tmp_path: Path, broken: str, command: list[str]
) -> None:
    source, reason = BROKEN_PLUGINS[broken]
    site = tmp_path / "site-packages"
    site.mkdir()
    install_plugin(site, source)
    (tmp_path / "draft.md").write_text("# T\n\nLorem ipsum dolor.\n", encoding="utf-8")
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
    )
    proc = subprocess.run(
        [sys.executable, "-m", "blogtool.cli", *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith(
        "blogtool: error: rule plugin 'lorem' (lorem_rules, from lorem-rules 1.0)"
    )
    assert reason in line
