"""The rule families stand alone: none imports another, and none reads markdown-it's tokens.

What two families share lives in a neutral module (``rules/_*.py`` or outside ``rules/``),
and the Document answers what the rules used to take from tokens, so that only the
markdown-it adapter knows the parser.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import blogtool

PACKAGE = Path(blogtool.__file__).parent
FAMILIES = sorted(p for p in (PACKAGE / "rules").glob("*.py") if not p.name.startswith("_"))


def _imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules a file imports, lazy imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parts = ["blogtool", "rules"][: 3 - node.level]
                base = ".".join(parts + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", FAMILIES, ids=lambda p: p.stem)
def test_a_rule_family_imports_no_other_family(path: Path) -> None:
    others = {f"blogtool.rules.{p.stem}" for p in FAMILIES} - {f"blogtool.rules.{path.stem}"}
    assert not _imported_modules(path) & others


@pytest.mark.parametrize("path", sorted((PACKAGE / "rules").glob("*.py")), ids=lambda p: p.stem)
def test_no_rule_module_reads_tokens_or_imports_the_parser(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    tokens = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "tokens"]
    assert not tokens
    parser = {m for m in _imported_modules(path) if m.startswith(("markdown_it", "mdit_py"))}
    assert not parser


def test_the_relative_import_resolution_sees_a_family_import() -> None:
    # the two checks above are only as good as _imported_modules: a sibling import counts
    probe = PACKAGE / "rules" / "structure.py"
    assert "blogtool.registry" in _imported_modules(probe)
    assert "blogtool.rules._util" in _imported_modules(probe)
