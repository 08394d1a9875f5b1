"""Inputs built to make a parser or a regex blow up: each must be linted within a budget.

The budget is Hypothesis' ``deadline`` for one example, generous enough for a slow CI
machine and far below what a quadratic (or worse) scan of these inputs costs: before the
fixes that came with these tests, spelling took 40 s on a 100 KB line of ``( ( (``, and a
100,000-letter word made the spelling backend abort the process. Spelling is left out of
the large runs (``ignore=["BT6"]``) and checked once on its own 100 KB line.

Known limit, not tested here: markdown-it-py scans ahead from every ``[`` for its ``]``,
so a run of unclosed ``[`` costs time quadratic in its length: 10,000 take under a second,
100,000 some 10 to 30 seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import cache

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from blogtool.config import Config
from blogtool.engine import LintPlan, lint_text, make_plan

from .drafts import problems_with

BUDGET = settings(
    max_examples=2,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=30),
    phases=[Phase.explicit, Phase.generate],  # shrinking a 1 MB input only wastes minutes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MEGABYTE = 1_000_000


def _nested_lists(n: int) -> str:
    return "".join("  " * i + "- item\n" for i in range(n))


def _nested_quotes(n: int) -> str:
    return "".join(">" * i + " quoted\n" for i in range(1, n + 1))


def _lists_in_quotes(n: int) -> str:
    return "".join("> " * (i % 10) + "  " * i + "1. item\n" for i in range(n))


# name -> input of about the given size (count of repeated units, or bytes for the big ones)
PATHOLOGICAL: dict[str, tuple[Callable[[int], str], int]] = {
    "unclosed [": (lambda n: "[" * n, 10_000),
    "unclosed [ between words": (lambda n: "[a " * n, 10_000),
    "unclosed ![": (lambda n: "![" * n, 10_000),
    "$": (lambda n: "$" * n, 10_000),
    "$ between spaces": (lambda n: "$ " * n, 10_000),
    "$$ on their own lines": (lambda n: "$$\n" * n, 10_000),
    "{ in math": (lambda n: "$" + "{" * n + "$", 10_000),
    "\\left( in math": (lambda n: "$$\n" + "\\left(" * n + "\n$$\n", 10_000),
    "\\begin{a} in math": (lambda n: "$$\n" + "\\begin{a}" * n + "\n$$\n", 10_000),
    "x^ in math": (lambda n: "$" + "x^" * n + "$", 10_000),
    "<!--": (lambda n: "<!--" * n, 10_000),
    "<details> lines": (lambda n: "<details>\n" * n, 10_000),
    "< without a tag": (lambda n: "<a " * n, 10_000),
    "backticks": (lambda n: "`" * n, 10_000),
    "unclosed fences": (lambda n: "~~~a\n" * n, 10_000),
    "emphasis markers": (lambda n: "*a _b " * n, 10_000),
    "( in a link target": (lambda n: "[a](" + "(" * n, 10_000),
    "nested link text": (lambda n: "[" * n + "x" + "](u)" * n, 10_000),
    "reference definitions": (lambda n: "[a]: " * n, 10_000),
    '""" note fences': (lambda n: '"""\n' * n, 10_000),
    "bare URLs": (lambda n: "http://" * n, 10_000),
    "backslashes": (lambda n: "\\" * n, 10_000),
    "table pipes": (lambda n: "|" * n + "\n" + "|-" * n + "\n", 10_000),
    "headings": (lambda n: "## 2019\n\n" * n, 5_000),
    "100 nested lists": (_nested_lists, 100),
    "100 nested blockquotes": (_nested_quotes, 100),
    "lists inside quotes, 100 deep": (_lists_in_quotes, 100),
    "1 MB line of words": (lambda n: ("a word or two " * (n // 14 + 1))[:n], MEGABYTE),
    "200 KB line of $x$": (lambda n: "$x$ " * (n // 4), 200_000),
}


@cache
def plan_without_spelling() -> LintPlan:
    return make_plan(Config(), ignore=["BT6"])


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
@BUDGET
@given(
    shrink=st.integers(0, 10),
    context=st.sampled_from(
        ["{}", "# Title\n\nSome prose.\n\n{}\n\nMore prose.\n", "> {}", "- {}"]
    ),
)
def test_pathological_input_is_linted_within_the_budget(
    name: str, shrink: int, context: str
) -> None:
    make, size = PATHOLOGICAL[name]
    text = context.format(make(size - shrink))
    result = lint_text(text, "draft.md", plan_without_spelling())
    assert problems_with(result, text) == []


def test_the_pathological_inputs_are_as_large_as_promised() -> None:
    assert PATHOLOGICAL["unclosed ["][0](10_000).count("[") == 10_000
    assert PATHOLOGICAL["$"][0](10_000).count("$") == 10_000
    assert len(PATHOLOGICAL["1 MB line of words"][0](MEGABYTE)) == MEGABYTE
    assert PATHOLOGICAL["100 nested lists"][0](100).splitlines()[-1].startswith("  " * 99 + "- ")
    assert PATHOLOGICAL["100 nested blockquotes"][0](100).splitlines()[-1].startswith(">" * 100)


# --- spelling, once, on a 100 KB line ----------------------------------------------------------

_HOSTILE_SPELLING = [
    "The model learns teh policy from preference pairs. ",
    "( " * 2_000,  # letterless tokens: quadratic in the backend
    "a-" * 5_000 + " ",  # one 10,000-character hyphenated token
    "a" * 20_000 + " ",  # one 20,000-letter "word": the backend aborted the process
    "$ " * 2_000,
    "[" * 5_000 + " ",
]


@settings(BUDGET, max_examples=1, deadline=timedelta(seconds=120))
@given(st.just(None))
def test_spelling_finishes_on_a_100_kb_line_and_still_checks_its_end(_: None) -> None:
    line = ""
    while len(line) < 100_000:
        line += "".join(_HOSTILE_SPELLING)
    line += "Last we chekc the end."
    result = lint_text(line + "\n", "draft.md", make_plan(Config(), select=["BT6"]))
    assert problems_with(result, line + "\n") == []
    spelling = [(v.line, v.col) for v in result.violations if v.rule_id == "BT601"]
    assert (1, len(line) - len("chekc the end.") + 1) in spelling
    assert (1, 1 + len("The model learns ")) in spelling
