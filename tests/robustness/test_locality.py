"""A slip in one place stays in that place: edits that do not change how a draft renders
change no finding of any rule but the one that reports the edit itself.

* ``\"\"\"`` lines mean nothing to Markdown. Blanking every quote-fence line, or turning blank
  lines into stray ``\"\"\"`` lines, may change BT105's findings and no other rule's.
* A post wrapped whole in ``<!-- ... -->`` is linted as the post itself: only BT504 (the
  wrapping comment) is added.

Checked over every draft the tests hold (rule fixtures, golden stub drafts, the author's real
drafts, the sample draft) and over generated hostile drafts.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from blogtool.config import Config
from blogtool.document import normalize_text
from blogtool.engine import LintPlan, lint_text, make_plan
from rules.fixtures import FIXTURES, parse_fixture

from .drafts import drafts
from .test_properties import PROPERTY

ROOT = Path(__file__).resolve().parents[2]
QUOTE_FENCE = re.compile(r"^((?:[ \t]{0,3}>)*[ \t]{0,3})(?:\"{3,12}|'{3,12})([ \t]*)$", re.M)
BLANK_LINE = re.compile(r"^[ \t]*$", re.M)


def corpus() -> list[tuple[str, str]]:
    """(name, text) of every draft in the repository's tests, and the sample draft."""
    found = [("drafts/evolution.md", (ROOT / "drafts" / "evolution.md").read_text("utf-8"))]
    data = ROOT / "tests" / "data"
    for path in sorted(data.rglob("*.md")):
        if path.name != "README.md":
            found.append((str(path.relative_to(ROOT)), path.read_text("utf-8")))
    for path in sorted(FIXTURES.glob("*.txt")):
        for case in parse_fixture(path):
            found.append((case.id, case.source))
    return found


CORPUS = corpus()


@cache
def plan() -> LintPlan:
    return make_plan(Config())


# All three tests lint each draft as it is, and blanking quote fences leaves most drafts as
# they are: linting each distinct text once halves this module's cost.
@lru_cache(maxsize=4096)
def findings(text: str, *, without: frozenset[str]) -> tuple[tuple, ...]:
    result = lint_text(text, "draft.md", plan())
    return tuple(
        (v.rule_id, v.line, v.col, v.end_line, v.end_col, v.message)
        for v in result.violations
        if v.rule_id not in without
    )


NOT_BT105 = frozenset({"BT105"})


def blank_quote_fences(text: str) -> str:
    """Every quote-fence line with its quotes gone (blockquote markers kept)."""
    return QUOTE_FENCE.sub(lambda m: m.group(1) + m.group(2), normalize_text(text))


def quote_blank_lines(text: str) -> str:
    """Every blank line turned into a stray ``\"\"\"`` line."""
    return BLANK_LINE.sub('"""', normalize_text(text))


def assert_same_findings(text: str, edited: str, without: frozenset[str]) -> None:
    assert findings(edited, without=without) == findings(text, without=without)


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_blanking_quote_fences_changes_only_bt105(name: str, text: str) -> None:
    assert_same_findings(text, blank_quote_fences(text), NOT_BT105)


@pytest.mark.parametrize(("name", "text"), CORPUS, ids=[name for name, _ in CORPUS])
def test_stray_quote_lines_change_only_bt105(name: str, text: str) -> None:
    assert_same_findings(text, quote_blank_lines(text), NOT_BT105)


@PROPERTY
@given(drafts())
def test_blanking_quote_fences_changes_only_bt105_on_any_draft(text: str) -> None:
    assert_same_findings(text, blank_quote_fences(text), NOT_BT105)


@PROPERTY
@given(drafts(), st.randoms(use_true_random=False))
def test_stray_quote_lines_change_only_bt105_on_any_draft(text: str, random) -> None:
    text = normalize_text(text)
    lines = text.split("\n")
    blank = [i for i, line in enumerate(lines) if not line.strip()]
    for i in random.sample(blank, random.randint(0, len(blank))):
        lines[i] = random.choice(['"""', '""""', "'''", '"""  '])
    assert_same_findings(text, "\n".join(lines), NOT_BT105)


def _places(text: str, without: frozenset[str]) -> list[tuple[str, int, int]]:
    return [(rule, line, col) for rule, line, col, *_ in findings(text, without=without)]


WRAPPABLE = [
    (name, text)
    for name, text in CORPUS
    if "<!--" not in text and "-->" not in text and not text.startswith("---")
]


@pytest.mark.parametrize(("name", "text"), WRAPPABLE, ids=[name for name, _ in WRAPPABLE])
def test_a_post_wrapped_in_one_comment_is_linted_as_the_post(name: str, text: str) -> None:
    """Only BT504 is added; every other finding moves down the one line the ``<!--`` took."""
    wrapped = "<!--\n" + normalize_text(text) + "\n-->\n"
    moved = [(rule, line - 1, col) for rule, line, col in _places(wrapped, NOT_BT105)]
    assert ("BT504", 0, 1) in moved
    moved.remove(("BT504", 0, 1))
    assert moved == _places(text, NOT_BT105)
