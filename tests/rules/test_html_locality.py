"""A slipped ``<details>``/``<summary>`` tag stays where it is.

Drafts are built from realistic paper sections (``### Title``, an arXiv link, a Quick
Summary block filled or empty, tight, loose or on one line, sometimes a collapsible code
block). One slip goes into one Quick Summary block: its ``</details>`` dropped, its
``</summary>`` dropped, or its ``</summary>`` typed as ``<summary>``. Lint must then
report exactly one BT501 inside that block, and every other finding of every rule must
stay as it was, except BT101 on the slipped block itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from blogtool.config import Config
from blogtool.details import details_layout
from blogtool.document import Document
from blogtool.engine import LintPlan, lint_text, make_plan

PROPERTY = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,  # the first example builds the spelling dictionary
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TITLES = [
    "Attention Is All You Need",
    "Deep Residual Learning for Image Recognition",
    "Language Models are Few-Shot Learners",
    "Direct Preference Optimization",
    "Training Compute-Optimal Large Language Models",
    "LoRA: Low-Rank Adaptation of Large Language Models",
    "Switch Transformers",
]
IDS = ["1706.03762", "1512.03385", "2005.14165", "2305.18290", "2203.15556", "2106.09685"]
SENTENCES = [
    "The model drops recurrence and relies on attention alone.",
    "Residual connections let very deep networks train without degrading.",
    "Scaling the model makes it learn new tasks from a few examples in the prompt.",
    "The policy is trained directly on preference pairs, with no reward model.",
    "Parameters and tokens should grow in equal proportion for a fixed budget.",
]
CODE = "```python\nloss = model(batch).loss\nloss.backward()\n```"


@dataclass(frozen=True)
class Draft:
    text: str
    details: int  # offset of the Quick Summary's <details> in the chosen section
    summary_close: int  # offset of its </summary>
    details_close: int  # offset of its </details>


def quick_summary(form: str, body: str) -> str:
    if form == "one line":
        return f"<details><summary>Quick Summary</summary>{body}</details>"
    if form == "tight":
        inside = f"{body}\n" if body else ""
        return f"<details>\n<summary>Quick Summary</summary>\n{inside}</details>"
    inside = f"{body}\n\n" if body else ""
    return f"<details>\n<summary>Quick Summary</summary>\n\n{inside}</details>"


@st.composite
def sections(draw: st.DrawFn, title: str, arxiv_id: str) -> tuple[str, str]:
    """One paper section, and its Quick Summary block (a substring of it)."""
    form = draw(st.sampled_from(["tight", "loose", "one line"]))
    filled = draw(st.booleans())
    body = " ".join(draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3)))
    block = quick_summary(form, body if filled else "")
    parts = [f"### {title}", f"[arXiv](https://arxiv.org/abs/{arxiv_id})"]
    if draw(st.booleans()):
        parts.append("**Authors:** Ada Example, Bruno Placeholder")
    parts.append(block)
    if draw(st.booleans()):
        parts.append(draw(st.sampled_from(SENTENCES)))
    if draw(st.booleans()):
        parts.append(f"<details>\n<summary>Show the code</summary>\n\n{CODE}\n\n</details>")
    return "\n\n".join(parts), block


@st.composite
def drafts(draw: st.DrawFn) -> Draft:
    count = draw(st.integers(2, 5))
    order = draw(st.permutations(range(len(IDS))))[:count]
    chosen = draw(st.integers(0, count - 1))
    years = draw(st.booleans())
    text = "# Reading notes\n\nPapers I read this year.\n\n"
    details = summary_close = details_close = -1
    for i, k in enumerate(order):
        if years and i % 2 == 0:
            text += f"## {2017 + i}\n\n"
        section, block = draw(sections(TITLES[k], IDS[k]))
        if i == chosen:
            at = len(text) + section.index(block)
            details = at
            summary_close = at + block.index("</summary>")
            details_close = at + block.rindex("</details>")
        text += section + "\n\n"
    return Draft(text, details, summary_close, details_close)


@cache
def default_plan() -> LintPlan:
    return make_plan(Config())


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def apply_slip(draft: Draft, slip: str) -> tuple[str, int, int]:
    """The slipped text, the line of the slip, and the line removed (0 if none)."""
    text = draft.text
    if slip == "drop </details>":
        at, end = draft.details_close, draft.details_close + len("</details>")
        line_start = text.rfind("\n", 0, at) + 1
        if text[line_start:at].strip() == "" and text[end : end + 1] == "\n":
            return text[:line_start] + text[end + 1 :], line_of(text, at), line_of(text, at)
        return text[:at] + text[end:], line_of(text, at), 0
    at = draft.summary_close
    new = "<summary>" if slip == "</summary> typed as <summary>" else ""
    return text[:at] + new + text[at + len("</summary>") :], line_of(text, at), 0


def findings(text: str, removed: int = 0, slip_line: int = 0) -> Counter:
    """(line, column, rule) of every finding, lines mapped back to the draft before a line
    was removed; columns on the slip's own line are dropped (the slip moved them)."""
    found: Counter = Counter()
    for v in lint_text(text, "draft.md", default_plan()).violations:
        line = v.line + 1 if removed and v.line >= removed else v.line
        found[(line, None if line == slip_line else v.col, v.rule_id)] += 1
    return found


SLIPS = ["drop </details>", "drop </summary>", "</summary> typed as <summary>"]


@PROPERTY
@given(drafts(), st.sampled_from(SLIPS))
def test_one_slip_changes_only_its_own_block(draft: Draft, slip: str) -> None:
    first = line_of(draft.text, draft.details)
    last = line_of(draft.text, draft.details_close)
    slipped, slip_line, removed = apply_slip(draft, slip)
    before = findings(draft.text, slip_line=slip_line)
    after = findings(slipped, removed, slip_line)
    assert not [key for key in before if key[2] == "BT501"], "the draft itself is well formed"
    new_501 = [key for key in after.elements() if key[2] == "BT501"]
    assert len(new_501) == 1, f"{slip}: {new_501}"
    assert first <= new_501[0][0] <= last, f"{slip}: BT501 outside lines {first}-{last}"
    changed = (before - after) + (after - before)
    outside = [
        key
        for key in changed.elements()
        if key[2] != "BT501" and not (key[2] == "BT101" and first <= key[0] <= last)
    ]
    assert outside == [], f"{slip} at line {slip_line} changed {outside}"


@PROPERTY
@given(drafts(), st.sampled_from(SLIPS))
def test_an_empty_summary_stays_reported_whatever_slipped(draft: Draft, slip: str) -> None:
    """The empty Quick Summary is a defect of its own: a slipped tag in the same block
    does not hide it, and does not invent it in a filled block either, as long as the
    slip leaves the block's text where it was (the section holds nothing after it)."""
    slipped, _, _ = apply_slip(draft, slip)
    tail = draft.text[draft.details_close + len("</details>") :]
    ends = [at for at in (tail.find("\n#"), tail.find("<details")) if at >= 0]
    # a missing </details> takes in what follows the block, as a browser does
    assume(slip != "drop </details>" or not tail[: min(ends, default=len(tail))].strip())

    def empty_here(text: str) -> bool:
        doc = Document.from_text(text)
        return any(
            block.start == draft.details and block.empty for block in details_layout(doc).blocks
        )

    assert empty_here(slipped) == empty_here(draft.text)


def messages(text: str) -> list[tuple[int, str]]:
    plan = make_plan(Config(), select=["BT501"])
    return [(v.line, v.message) for v in lint_text(text, "draft.md", plan).violations]


def test_each_slip_says_what_was_probably_meant() -> None:
    cases = {
        "<details>\n<summary>Quick Summary<summary>\n\nText.\n\n</details>\n": (
            2,
            "a second <summary> where </summary> was meant: write </summary> after 'Quick Summary'",
        ),
        "<details>\n<summary>Quick Summary</details>\n\nText.\n\n</details>\n": (
            2,
            "this </details> ends the summary 'Quick Summary' (the </details> on line 6 "
            "closes the block): write </summary> here",
        ),
        "<details>\n<summary>Quick Summary\n\nDPO has no reward model. It is simple.\n"
        "</summary>\n</details>\n": (
            2,
            "the <summary> holds the whole text and the block opens onto nothing: close "
            "</summary> after 'Quick Summary'",
        ),
        "### A\n\n<details>\n<summary>Quick Summary</summary>\n\nText.\n\n### B\n": (
            3,
            "<details> is never closed: add </details> before the heading on line 8",
        ),
        "<details>\n<summary>Quick Summary</summary>\nText.\n<details>\n<summary>Code"
        "</summary>\nx\n</details>\n": (
            1,
            "<details> is never closed: add </details> before the next <details> on line 4",
        ),
        "Text.</summary>\n": (
            1,
            "</summary> closes nothing: remove it or add the missing <summary> before it",
        ),
    }
    for text, expected in cases.items():
        assert messages(text) == [expected], text
