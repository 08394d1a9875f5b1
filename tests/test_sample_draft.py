"""The sample draft: every planted problem is reported at its line, and nothing else.

tests/data/evolution_planted.tsv lists each planted problem as line, rule id, description.
"""

from __future__ import annotations

from pathlib import Path

from blogtool.config import Config
from blogtool.engine import lint_file, make_plan

ROOT = Path(__file__).resolve().parents[1]
DRAFT = ROOT / "drafts" / "evolution.md"
PLANTED = ROOT / "tests" / "data" / "evolution_planted.tsv"


def planted() -> set[tuple[int, str]]:
    found = set()
    for row in PLANTED.read_text(encoding="utf-8").splitlines():
        if row.strip() and not row.startswith("#"):
            line, rule_id, _ = row.split("\t", 2)
            found.add((int(line), rule_id))
    return found


def test_sample_draft_reports_exactly_the_planted_problems() -> None:
    # the draft is a post of a Jekyll blog (layout: post), rendered by kramdown
    plan = make_plan(Config(flavor="kramdown"))
    result = lint_file(DRAFT, plan)
    assert result.error is None
    reported = {(v.line, v.rule_id) for v in result.violations}
    expected = {p for p in planted() if p[1] in {a.rule.id for a in plan.rules}}
    missed = sorted(expected - reported)
    false_alarms = sorted(
        f"{v.line}:{v.col} {v.rule_id} {v.message}"
        for v in result.violations
        if (v.line, v.rule_id) not in expected
    )
    assert not missed and not false_alarms, f"missed={missed}\nfalse alarms={false_alarms}"
