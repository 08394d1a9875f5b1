"""BT105 reports pasted notes; every other rule still checks the text inside them."""

from __future__ import annotations

from blogtool.config import Config
from blogtool.engine import lint_text, make_plan

PLAN = make_plan(Config(), ignore=["BT601", "BT602", "BT603"])


def found(text: str) -> list[tuple[int, int, str]]:
    # kramdown: a bare URL is plain text there, so BT205 reports it
    result = lint_text(text, "draft.md", PLAN, flavor="kramdown")
    return [(v.line, v.col, v.rule_id) for v in result.violations]


def messages(text: str, rule_id: str) -> list[str]:
    result = lint_text(text, "draft.md", PLAN)
    return [v.message for v in result.violations if v.rule_id == rule_id]


NOTES = """\
### Direct Preference Optimization

\"\"\"
<details>
<summary>Quick Summary</summary>

</details>

[ADD_IMAGE_OF_DPO]

see https://arxiv.org/abs/2305.18290 for more
\"\"\"
"""


def test_the_text_between_fences_is_checked_as_what_it_renders() -> None:
    assert found(NOTES) == [(3, 1, "BT105"), (4, 1, "BT101"), (9, 1, "BT102"), (11, 5, "BT205")]


def test_a_mistyped_fence_before_the_notes_hides_nothing_after_it() -> None:
    text = '## 2023\n\n""""\nnotes\n\n' + NOTES
    assert [f for f in found(text) if f[2] != "BT105"] == [
        (f[0] + 5, f[1], f[2]) for f in found(NOTES) if f[2] != "BT105"
    ]


def test_a_fence_alone_says_whether_it_opens_or_closes() -> None:
    opener = messages('Text.\n\n"""\nnotes that go on\nto the end\n', "BT105")
    assert len(opener) == 1 and "never closed" in opener[0]
    closer = messages("Text.\nmore text\n'''\n\nText.\n", "BT105")
    assert len(closer) == 1 and "never opened" in closer[0] and "'''" in closer[0]


def test_an_empty_block_is_named_as_empty() -> None:
    assert messages('### Paper\n\n"""\n\n"""\n', "BT105") == [
        'empty block of pasted notes: remove the two """ lines'
    ]


def test_a_heading_whose_only_content_is_an_empty_block_is_an_empty_section() -> None:
    assert (1, 1, "BT401") in found('### Paper\n\n"""\n"""\n\n### Next\n\nText.\n')
