"""BT401 beyond the fixtures: raw-note fences are markers, bold-line headings are local."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from blogtool.config import Config
from blogtool.engine import lint_text, make_plan

PLAN = make_plan(Config(), select=["BT401"])
BODIES = [
    "",
    "Loss falls as a power law in compute.",
    '"""\n"""',
    '"""\n\n"""',
    '"""\nwin rate 64% against SFT\n"""',
    "<!-- write this later -->",
    "**Part 1: Data**",
    "**Part 1: Data**\n\nFiltered web text.",
    "- **Equal scaling**",
]


def empty_sections(text: str) -> list[tuple[int, int]]:
    return [(v.line, v.col) for v in lint_text(text, "draft.md", PLAN).violations]


@settings(max_examples=80, derandomize=True, database=None, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["##", "###"]), st.sampled_from(BODIES)), max_size=6))
def test_blanking_raw_note_fences_changes_no_empty_section(sections: list[tuple[str, str]]) -> None:
    """A \"\"\" fence renders as nothing to worry about for structure: removing the fence
    lines (keeping the line count) must not change what BT401 reports."""
    text = "".join(f"{level} Part {i}\n\n{body}\n\n" for i, (level, body) in enumerate(sections))
    blanked = "\n".join("" if line == '"""' else line for line in text.split("\n"))
    assert empty_sections(text) == empty_sections(blanked)


def test_text_under_one_bold_heading_changes_only_its_finding() -> None:
    parts = ["## Method", "**Part 1: Data**", "**Part 2: Model**", "**Part 3: Results**"]
    text = "\n\n".join(parts) + "\n\n## Next\n\nText.\n"
    assert empty_sections(text) == [(3, 1), (5, 1), (7, 1)]
    filled = text.replace("**Part 2: Model**\n", "**Part 2: Model**\n\nA decoder-only model.\n")
    assert empty_sections(filled) == [(3, 1), (9, 1)]
