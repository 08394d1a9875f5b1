"""blogtool.fixes: edits on the file's own characters, overlap, refusal, and the passes."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from blogtool.config import config_from_table
from blogtool.document import Document, normalize_text
from blogtool.engine import lint_document, make_plan
from blogtool.fixes import (
    FileOffsets,
    apply_edits,
    choose,
    eligible,
    fix_text,
    shift_back,
)
from blogtool.registry import load_registry
from blogtool.violation import Edit, Fix, Violation

REGISTRY = load_registry(entry_points=False)


def violation(
    rule_id: str, *edits: Edit, safe: bool = True, doc: Document | None = None
) -> Violation:
    """A finding with a fix; with ``doc``, placed where its first edit starts."""
    line, col = doc.position(min(e.start for e in edits)) if doc is not None else (1, 1)
    return Violation("d.md", line, col, rule_id, "m", fix=Fix(tuple(edits), "t", safe))


# ------------------------------------------------------------------ the file's own characters


@pytest.mark.parametrize(
    "raw",
    [
        "ab \ncd  \nef\n",
        "\ufeffab \r\ncd  \r\nef\r\n",
        "ab \rcd  \ref",
        "\ufeffab \r\ncd  \nef\r\r\n",
    ],
    ids=["lf", "bom-crlf", "lone-cr", "mixed"],
)
def test_offsets_map_each_text_character_onto_the_same_file_character(raw: str) -> None:
    text = normalize_text(raw)
    where = FileOffsets(raw)
    for i, ch in enumerate(text):
        assert raw[where(i)] == ("\r" if ch == "\n" and raw[where(i)] == "\r" else ch)
        if ch != "\n":
            assert raw[where(i)] == ch


def test_an_edit_changes_only_its_span_bom_crlf_and_trailing_spaces_stay() -> None:
    raw = "\ufeff# Title  \r\n\r\nSee https://x.org now.   \r\nLast line\rno end"
    text = normalize_text(raw)
    start = text.index("https")
    end = start + len("https://x.org")
    out = apply_edits(raw, [Edit(start, end, "<https://x.org>")])
    assert out == "\ufeff# Title  \r\n\r\nSee <https://x.org> now.   \r\nLast line\rno end"


def test_a_new_line_in_a_replacement_gets_the_files_line_ending() -> None:
    raw = "a\r\nb\r\nc\n"
    text = normalize_text(raw)
    out = apply_edits(raw, [Edit(text.index("b"), text.index("b") + 1, "b1\nb2")])
    assert out == "a\r\nb1\r\nb2\r\nc\n"


def test_an_edit_that_spans_a_crlf_removes_both_characters() -> None:
    raw = "one\r\ntwo\r\n"
    out = apply_edits(raw, [Edit(3, 4, " ")])  # the first line ending becomes a space
    assert out == "one two\r\n"


def test_shift_back_undoes_the_offsets_of_earlier_edits() -> None:
    edits = [Edit(2, 4, "XYZW"), Edit(10, 12, "")]
    assert shift_back(1, edits) == 1
    assert shift_back(3, edits) == 3  # inside the first replacement: as far into the old span
    assert shift_back(5, edits) == 4  # ... but no further than its end
    assert shift_back(8, edits) == 6
    assert shift_back(13, edits) == 13  # after both: +2 then -2


# ------------------------------------------------------------------ choosing


def test_overlapping_fixes_first_wins_and_the_rest_wait() -> None:
    a = violation("BT1", Edit(5, 10, "x"))
    b = violation("BT2", Edit(8, 12, "y"))
    c = violation("BT3", Edit(10, 11, "z"))  # touches a's end only: no overlap
    chosen, left = choose([b, c, a], 100)
    assert chosen == [a, c]
    assert left == [b]


def test_two_insertions_at_one_place_conflict_and_one_repair_is_made_once() -> None:
    a = violation("BT1", Edit(5, 5, "x"))
    b = violation("BT2", Edit(5, 5, "y"))
    same = violation("BT3", Edit(5, 5, "x"))
    chosen, left = choose([a, b, same], 100)
    assert chosen == [a, same]
    assert left == [b]


def test_unsafe_fixes_and_malformed_fixes_are_not_chosen_unasked() -> None:
    unsafe = violation("BT1", Edit(1, 2, ""), safe=False)
    outside = violation("BT2", Edit(5, 500, ""))
    crossing = violation("BT3", Edit(1, 4, ""), Edit(3, 6, ""))
    assert choose([unsafe, outside, crossing], 100) == ([], [])
    assert choose([unsafe], 100, unsafe=True) == ([unsafe], [])


# ------------------------------------------------------------------ refusing


def _lint_with(check) -> callable:  # noqa: ANN001
    """A lint whose only rule is ``check(doc) -> [Violation]``."""
    return lambda doc: list(check(doc))


def _todo(doc: Document, replacement: str) -> list[Violation]:
    """A toy rule: each TODO is a finding, with a fix that writes ``replacement``."""
    out = []
    at = doc.text.find("TODO")
    while at >= 0:
        out.append(violation("BT900", Edit(at, at + 4, replacement), doc=doc))
        at = doc.text.find("TODO", at + 1)
    return out


def test_a_fix_that_opens_a_code_fence_is_refused_and_the_draft_kept() -> None:
    raw = "# T\n\nSome TODO here.\n\n## Next\n\nText.\n"
    outcome = fix_text(raw, "d.md", _lint_with(lambda doc: _todo(doc, "\n```\n")))
    assert outcome.text == raw
    (refused,) = outcome.refused
    assert (refused.rule_id, refused.line, refused.col) == ("BT900", 3, 6)
    assert "parse" in refused.reason
    assert not outcome.applied


def test_a_fix_after_which_the_finding_is_still_there_is_refused() -> None:
    raw = "Some TODO here.\n"
    outcome = fix_text(raw, "d.md", _lint_with(lambda doc: _todo(doc, "TODO")))
    assert outcome.text == raw
    assert outcome.refused[0].reason == "BT900 still reports it after the fix"


def test_a_fix_that_adds_another_rules_finding_is_refused() -> None:
    def lint(doc: Document) -> Sequence[Violation]:
        found = _todo(doc, "FIXME")
        at = doc.text.find("FIXME")
        if at >= 0:
            found.append(Violation("d.md", 1, 1, "BT901", "a FIXME"))
        return found

    outcome = fix_text("a TODO\n", "d.md", lint)
    assert outcome.text == "a TODO\n"
    assert outcome.refused[0].reason == "it would add a BT901 finding: a FIXME"


def test_only_the_bad_fix_of_a_pass_is_refused() -> None:
    def lint(doc: Document) -> list[Violation]:
        found = _todo(doc, "done")
        at = doc.text.find("BAD")
        if at >= 0:
            found.append(violation("BT902", Edit(at, at + 3, "\n```\n"), doc=doc))
        return found

    outcome = fix_text("x TODO y BAD z TODO\n", "d.md", lint)
    assert outcome.text == "x done y BAD z done\n"
    assert [n.rule_id for n in outcome.applied] == ["BT900", "BT900"]
    assert [(n.rule_id, n.col) for n in outcome.refused] == [("BT902", 10)]


def test_notes_give_places_in_the_file_as_read_across_passes() -> None:
    # a fix that overlaps another waits for the next pass; its note still names column 1
    def lint(doc: Document) -> list[Violation]:
        found = []
        if doc.text.startswith("ab"):
            found.append(violation("BT903", Edit(0, 2, "ABCDEF"), doc=doc))
            found.append(violation("BT904", Edit(1, 3, ""), doc=doc))
        if "xy" in doc.text:
            at = doc.text.index("xy")
            found.append(violation("BT905", Edit(at, at + 2, "XY"), doc=doc))
        return found

    outcome = fix_text("abc xy\n", "d.md", lint)
    assert outcome.text == "ABCDEFc XY\n"
    assert [(n.rule_id, n.line, n.col) for n in outcome.applied] == [
        ("BT903", 1, 1),
        ("BT905", 1, 5),
    ]


def test_passes_are_bounded_and_what_is_left_is_reported() -> None:
    def lint(doc: Document) -> list[Violation]:
        # each "a" is a finding whose fix also covers the next character: neighbours overlap,
        # so a pass fixes every other one
        text = doc.text
        return [
            violation("BT906", Edit(i, i + 2, "b" + text[i + 1]), doc=doc)
            for i, ch in enumerate(text)
            if ch == "a"
        ]

    outcome = fix_text("aaaa\n", "d.md", lint, max_passes=1)
    assert outcome.text == "baba\n"
    assert [(n.rule_id, n.col) for n in outcome.skipped] == [("BT906", 2), ("BT906", 4)]
    assert fix_text("aaaa\n", "d.md", lint).text == "bbbb\n"


# ------------------------------------------------------------------ properties on real rules

FIXABLE = ["BT205", "BT306", "BT602", "BT405", "BT104", "BT408", "BT301", "BT502", "BT505"]
PLAN = make_plan(config_from_table({"flavor": "kramdown"}), select=FIXABLE, registry=REGISTRY)

PIECES = [
    "See https://example.com/a for the code.",
    "Also www.example.org, and http://example.net/x?y=1.",
    "The loss $\\mathcal{L}(θ) = -\\log σ(βx)$ is small.",
    "$$\nαβ + γ_i\n$$",
    "We train the the model for a hour on an model.",
    "An idea, a idea, an unit.",
    "Serving with vLLM[] is fast.",
    "`https://example.com/in/code` and `the the`",
    "```\nhttps://example.com/fence α\n```",
    "> Quoted https://example.com/q and the the quote.",
    "- item with https://example.com/i",
    "Plain prose with trailing spaces.   ",
    "<!-- a comment with https://example.com/c -->",
]
HEADINGS = [
    "# Title",
    "## Section",
    "#### Deep",
    "### Mid",
    "###### Deepest",
    "## 2017",
    "## 2019",
    "## 2018",
    "### 2016",
]


@st.composite
def drafts(draw) -> str:  # noqa: ANN001
    blocks = draw(st.lists(st.sampled_from(PIECES + HEADINGS), min_size=1, max_size=8))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    final = draw(st.booleans())
    text = "\n\n".join(blocks) + ("\n" if final else "")
    return bom + text.replace("\n", ending)


def _fix(raw: str, unsafe: bool = False):
    return fix_text(raw, "d.md", lambda doc: lint_document(doc, PLAN), unsafe)


def test_a_heading_fix_that_reveals_the_next_skip_is_kept_and_the_next_pass_fixes_it() -> None:
    # Found by the property below: h6 -> h3 makes the second h6 a skip from h3, a new BT405
    # finding; the first fix is still right, and the second pass fixes the second heading.
    once = _fix("## Section\n\n###### Deepest\n\n###### Deepest\n", unsafe=True)
    assert not once.refused
    assert once.text == "## Section\n\n### Deepest\n\n#### Deepest\n"
    assert [n.line for n in once.applied] == [3, 5]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example("## Section\n\n###### Deepest\n\n###### Deepest", True)
@given(drafts(), st.booleans())
def test_fixing_twice_is_fixing_once_and_no_fix_is_left(raw: str, unsafe: bool) -> None:
    once = _fix(raw, unsafe)
    assert not once.refused, once.refused
    assert not [v for v in once.remaining if eligible(v, unsafe)]
    twice = _fix(once.text, unsafe)
    assert twice.text == once.text
    assert not twice.applied


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts())
def test_line_endings_and_bom_do_not_change_what_is_fixed(raw: str) -> None:
    """Fixing a CRLF or BOM file is fixing its LF text, with the file's bytes kept around it."""
    plain = normalize_text(raw)
    fixed = _fix(raw).text
    assert normalize_text(fixed) == _fix(plain).text
    assert fixed.startswith("\ufeff") == raw.startswith("\ufeff")
    # no generated fix adds or removes a line: every line ending is kept as it was
    assert re.findall("\r\n|\r|\n", fixed) == re.findall("\r\n|\r|\n", raw)
    # and the trailing spaces of a line no fix touched
    assert ("   " + raw[-1:] in raw) == ("   " + fixed[-1:] in fixed) or not raw


def test_moving_a_year_from_or_to_the_end_of_a_draft_with_no_final_line_break() -> None:
    plan = make_plan(config_from_table({}), select=["BT408"], registry=REGISTRY)
    raw = "## 2018\n\nB\n\n## 2019\n\nC\n\n## 2017\n\nA"
    outcome = fix_text(raw, "d.md", lambda doc: lint_document(doc, plan), unsafe=True)
    assert outcome.text == "## 2017\n\nA\n\n## 2018\n\nB\n\n## 2019\n\nC"
    # to the end: the block takes no final line break where the draft had none
    raw = "## 2019\n\nC\n\n## 2017\n\nA\n\n## 2018\n\nB"
    outcome = fix_text(raw, "d.md", lambda doc: lint_document(doc, plan), unsafe=True)
    assert outcome.text == "## 2017\n\nA\n\n## 2018\n\nB\n\n## 2019\n\nC"


def test_a_fix_inside_a_moved_section_is_named_where_the_reader_left_it() -> None:
    plan = make_plan(config_from_table({}), select=["BT408", "BT306"], registry=REGISTRY)
    raw = "## 2017\n\nA\n\n## 2019\n\nC\n\n## 2018\n\nLet $α = 1$.\n"
    outcome = fix_text(raw, "d.md", lambda doc: lint_document(doc, plan), unsafe=True)
    assert outcome.text == "## 2017\n\nA\n\n## 2018\n\nLet $\\alpha = 1$.\n\n## 2019\n\nC\n"
    assert sorted((n.rule_id, n.line, n.col) for n in outcome.applied) == [
        ("BT306", 11, 6),
        ("BT408", 9, 1),
    ]
