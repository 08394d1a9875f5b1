"""One runner for the fix fixtures: what each fix makes of a draft, and what it leaves alone."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from blogtool.config import config_from_table
from blogtool.engine import lint_document, make_plan
from blogtool.fixes import eligible, fix_text
from blogtool.registry import load_registry

FIXTURES = Path(__file__).parent / "fixtures"
REGISTRY = load_registry(entry_points=False)


@dataclass(frozen=True)
class FixCase:
    file: str
    title: str
    source: str
    expected: str
    rule_id: str
    config: dict = field(default_factory=dict)
    unsafe: bool = False
    path: str = "case.md"

    @property
    def id(self) -> str:
        return f"{self.file}: {self.title}"


def parse(path: Path) -> list[FixCase]:
    rule_id = re.match(r"BT\d{3}", path.stem).group(0)
    lines = path.read_text(encoding="utf-8").split("\n")
    cases: list[FixCase] = []
    i = 0

    def block() -> str:
        nonlocal i
        body: list[str] = []
        while lines[i] != ".":
            body.append(lines[i])
            i += 1
        i += 1
        return "\n".join(body) + "\n"

    while i < len(lines):
        if not lines[i].strip() or lines[i].startswith("#"):
            i += 1
            continue
        title = lines[i].strip()
        i += 1
        settings: dict = {}
        while lines[i] != ".":
            key, _, value = lines[i].partition(":")
            settings[key.strip()] = value.strip()
            i += 1
        i += 1
        source = block()
        expected = block()
        cases.append(
            FixCase(
                path.name,
                title,
                source,
                source if expected == "(unchanged)\n" else expected,
                rule_id,
                json.loads(settings.get("config", "{}")),
                settings.get("unsafe") == "true",
                settings.get("path", "case.md"),
            )
        )
    return cases


CASES = [case for path in sorted(FIXTURES.glob("*.txt")) for case in parse(path)]


def fix(case: FixCase, text: str):
    plan = make_plan(config_from_table(case.config), select=[case.rule_id], registry=REGISTRY)
    return fix_text(text, case.path, lambda doc: lint_document(doc, plan), case.unsafe)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fix_case(case: FixCase) -> None:
    outcome = fix(case, case.source)
    assert outcome.text == case.expected
    assert not outcome.refused, outcome.refused
    # nothing the fixes could do is left, and a second run changes nothing
    assert not [v for v in outcome.remaining if eligible(v, case.unsafe)]
    assert fix(case, outcome.text).text == outcome.text


def test_every_rule_with_a_fix_has_fix_fixtures() -> None:
    fixable = {r.id for r in REGISTRY if r.fix is not None and not r.network}
    covered = {c.rule_id for c in CASES if c.expected != c.source}
    left_alone = {c.rule_id for c in CASES if c.expected == c.source}
    assert fixable <= covered, sorted(fixable - covered)
    assert fixable <= left_alone, sorted(fixable - left_alone)


def test_a_rule_offers_only_the_fixes_it_declares() -> None:
    """Every fix in the fixtures comes from a rule that says it fixes, and is as safe as said."""
    for case in CASES:
        plan = make_plan(config_from_table(case.config), select=[case.rule_id], registry=REGISTRY)
        from blogtool.document import Document

        for v in lint_document(Document.from_text(case.source, case.path), plan):
            if v.fix is not None:
                declared = REGISTRY.get(v.rule_id).fix
                assert declared == ("safe" if v.fix.safe else "unsafe"), (case.id, v)
