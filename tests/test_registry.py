"""The rule registry: built-in families and third-party rules from the entry-point group."""

from __future__ import annotations

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


@pytest.fixture()
def plugin_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package installed the way pip would: a module and a dist-info with entry points."""
    (tmp_path / "lorem_rules.py").write_text(PLUGIN, encoding="utf-8")
    info = tmp_path / "lorem_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lorem-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\nlorem = lorem_rules\n")
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
