"""One runner for every rule fixture: the expected (line, col, rule) list, exactly."""

from __future__ import annotations

import pytest

from blogtool.config import config_from_table
from blogtool.engine import lint_text, make_plan
from blogtool.registry import load_registry

from .fixtures import all_cases

REGISTRY = load_registry(entry_points=False)
CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fixture_case(case) -> None:
    config = config_from_table(case.config)
    for rid in case.rules if case.options else ():
        section = REGISTRY.get(rid).config_section
        if section:  # options of a rule family's shared [tool.blogtool.<section>] table
            config.sections[section] = dict(case.options)
        else:
            config.rule_settings[rid] = dict(case.options)
    plan = make_plan(config, select=list(case.rules), registry=REGISTRY)
    result = lint_text(case.source, "case.md", plan)
    found = [(v.line, v.col, v.rule_id) for v in result.violations]
    assert found == list(case.expected), "\n".join(
        f"{v.line}:{v.col} {v.rule_id} {v.message}" for v in result.violations
    )


def test_every_rule_has_fixtures_that_flag_and_pass() -> None:
    covered_flag: set[str] = set()
    covered_pass: set[str] = set()
    for case in CASES:
        for rid in case.rules:
            (covered_flag if case.expected else covered_pass).add(rid)
    offline = {r.id for r in REGISTRY if not r.network and r.id != "BT000"}
    assert offline <= covered_flag, f"rules with no failing case: {sorted(offline - covered_flag)}"
    assert offline <= covered_pass, f"rules with no passing case: {sorted(offline - covered_pass)}"
