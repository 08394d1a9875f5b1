"""Placeholder and prose rules (BT102-BT107) beyond the fixtures: hostile inputs, rule
data from a project's rules_dirs, the data files themselves, and the sample draft."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from blogtool.config import Config
from blogtool.engine import lint_text, make_plan
from blogtool.registry import load_registry
from blogtool.ruledata import RuleData
from blogtool.rules._brackets import load_data
from blogtool.rules.prose import note_patterns, phrase_regex

REGISTRY = load_registry(entry_points=False)
FAMILY = ["BT102", "BT103", "BT104", "BT105", "BT106", "BT107"]
ROOT = Path(__file__).resolve().parents[2]
DRAFT = ROOT / "drafts" / "evolution.md"
PLANTED = ROOT / "tests" / "data" / "evolution_planted.tsv"


def lint(text: str, rules: list[str] = FAMILY, rules_dirs: tuple[Path, ...] = ()):
    config = Config()
    config.rules_dirs = list(rules_dirs)
    plan = make_plan(config, select=rules, registry=REGISTRY)
    return [(v.line, v.col, v.rule_id) for v in lint_text(text, "case.md", plan).violations]


# Each input would take minutes with a backtracking regex; here they must simply finish
# and give the right answer (no timing assertion: the suite's own run time guards it).
HOSTILE = [
    pytest.param("[" * 10_000 + "\n", [], id="unclosed-brackets"),
    pytest.param("{" * 10_000 + "\n", [], id="unclosed-braces"),
    pytest.param("<" * 10_000 + "\n", [], id="angle-brackets"),
    pytest.param("[add " * 20_000 + "\n", [], id="unclosed-instructions"),
    pytest.param("{maybe " * 20_000 + "\n", [], id="unclosed-braced-instructions"),
    pytest.param("[" + "a" * 1_000_000 + "]\n", [], id="one-megabyte-bracket"),
    pytest.param("word " * 200_000 + "\n", [], id="one-megabyte-line"),
    pytest.param("[" + "[a]" * 50_000 + "\n", [], id="nested-brackets"),
    pytest.param("[\n" * 5_000, [], id="bracket-lines"),
    pytest.param("A_" * 50_000 + "B\n", [], id="long-token"),
    pytest.param("Claude, " * 20_000 + "\n", [], id="assistant-names"),
    pytest.param("NOTE " * 20_000 + "\n", [], id="note-words"),
    pytest.param("read these " * 20_000 + "\n", [], id="unfinished-reminder"),
    pytest.param(
        "Would you like me to " * 20_000 + "\n",
        [(1, 1 + 21 * i, "BT106") for i in range(20_000)],
        id="one-line-of-leftovers",
    ),
    # the shapes of BT106 and BT107: frames without a sign of the asker, a plan label
    # above lines that never name a part of the post, sentences that never end
    pytest.param("I can help " * 20_000 + "\n", [], id="frames-without-asker"),
    pytest.param("Let me explain " * 20_000 + "this paper\n", [(1, 1, "BT106")], id="frames"),
    pytest.param("Plan:\n" + "- Add a the the\n" * 20_000, [], id="plan-without-parts"),
    pytest.param("Add the the the the the the the the\n" * 20_000, [], id="task-lines"),
    pytest.param("(do I " * 20_000 + "\n", [], id="unclosed-self-questions"),
    pytest.param("Read these papers " * 20_000 + "\n", [], id="reading-without-writing"),
    pytest.param("Is there. " * 50_000 + "\n", [], id="short-sentences"),
    pytest.param("would you " * 20_000 + "?\n", [], id="one-long-question"),
    pytest.param(
        "Read these papers then write:\n" + "https://a.com/x\n" * 20_000,
        [(1, 1, "BT107")],
        id="long-reading-list",
    ),
    pytest.param('"' * 100_000 + "\n", [], id="quotes"),
    pytest.param(
        "x[]" * 10_000 + "\n", [(1, 2 + 3 * i, "BT104") for i in range(10_000)], id="empties"
    ),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE)
def test_hostile_input_finishes_with_the_right_answer(text: str, expected: list) -> None:
    assert lint(text) == expected


def test_a_long_note_is_quoted_in_full_enough() -> None:
    text = "Read these blogs and papers and books and talks, then explain the idea.\n"
    config = Config()
    plan = make_plan(config, select=["BT107"], registry=REGISTRY)
    (found,) = lint_text(text, "case.md", plan).violations
    assert (found.line, found.col) == (1, 1)
    assert "Read these blogs and papers and books and talks, then explain" in found.message


def test_many_fences_are_each_reported() -> None:
    text = '"""\nnotes\n"""\n' * 2_000
    assert lint(text, ["BT105"]) == [(1 + 3 * i, 1, "BT105") for i in range(2_000)]


def test_many_todos_in_brackets_are_reported_once_each() -> None:
    text = "Text [TODO] and TODO.\n" * 2_000
    found = lint(text, ["BT102", "BT107"])
    assert found == [
        hit for i in range(2_000) for hit in ((i + 1, 6, "BT102"), (i + 1, 17, "BT107"))
    ]


def test_a_project_adds_special_tokens_and_phrases_through_rules_dirs(tmp_path: Path) -> None:
    text = "LaViT marks the slot with [IMG_SLOT].\nOver to you, dear reader.\n"
    assert lint(text, ["BT102", "BT106"]) == [(1, 27, "BT102")]
    (tmp_path / "placeholders.toml").write_text('special_tokens = ["[IMG_SLOT]"]\n', "utf-8")
    (tmp_path / "chatbot.txt").write_text("# ours\nover to you\n", "utf-8")
    assert lint(text, ["BT102", "BT106"], rules_dirs=(tmp_path,)) == [(2, 1, "BT106")]


def test_a_project_adds_instruction_verbs_that_notes_use_too(tmp_path: Path) -> None:
    text = "[Benchmark the 7B model on MMLU]\nNOTE benchmark this\n"
    assert lint(text, ["BT103", "BT107"]) == []
    (tmp_path / "placeholders.toml").write_text('instruction_verbs = ["benchmark"]\n', "utf-8")
    assert lint(text, ["BT103", "BT107"], rules_dirs=(tmp_path,)) == [
        (1, 1, "BT103"),
        (2, 1, "BT107"),
    ]


def test_builtin_data_loads_and_every_note_pattern_compiles() -> None:
    data = RuleData()
    pdata = load_data(data)
    assert "[CLS]" in pdata.special and "<|endoftext|>" in pdata.special
    assert pdata.verb.match("talk about it") and not pdata.verb.match("Explaining it")
    patterns = note_patterns(data, pdata.verb_source)
    assert len(data.lines("notes")) > len(patterns) > 3
    assert all(isinstance(p, re.Pattern) for p in patterns)
    for phrase in data.lines("chatbot"):
        re.compile(phrase_regex(phrase.lstrip("^")), re.I)


@pytest.mark.parametrize(
    ("phrase", "text", "matches"),
    [
        ("I'll be your guide", "I’ll  be\nyour guide", True),
        ("I'll be your guide", "I'll be your guidebook", False),
        ("Sure! Here is", "Sure ! Here is", True),
        ("Sure! Here is", "Sure, here is", False),
        ("let me know if you", "LET ME KNOW IF YOU", True),
    ],
)
def test_phrases_tolerate_spacing_case_and_apostrophes(phrase, text, matches) -> None:
    assert bool(re.match(phrase_regex(phrase), text, re.I)) is matches


@pytest.mark.skipif(not (DRAFT.exists() and PLANTED.exists()), reason="sample draft missing")
def test_sample_draft_placeholder_and_prose_problems_without_false_alarms() -> None:
    planted = set()
    for row in PLANTED.read_text(encoding="utf-8").splitlines():
        if row.strip() and not row.startswith("#"):
            line, rule_id = row.split("\t")[:2]
            if rule_id in FAMILY:
                planted.add((int(line), rule_id))
    found = {(line, rule_id) for line, _, rule_id in lint(DRAFT.read_text("utf-8"))}
    assert found == planted


@pytest.mark.parametrize(
    ("filename", "content", "rule_id", "message"),
    [
        ("notes.txt", "(unclosed\n", "BT107", "notes.txt: bad pattern '(unclosed'"),
        ("assistant_voice.toml", 'frames = "let me"\n', "BT106", "frames must be a list"),
        ("author_tasks.toml", 'plan_labels = ["{nope}"]\n', "BT107", "names no list 'nope'"),
    ],
)
def test_broken_project_data_is_reported_not_crashed_on(
    tmp_path: Path, filename: str, content: str, rule_id: str, message: str
) -> None:
    (tmp_path / filename).write_text(content, "utf-8")
    config = Config()
    config.rules_dirs = [tmp_path]
    plan = make_plan(config, select=[rule_id], registry=REGISTRY)
    (found,) = lint_text("TODO\n", "case.md", plan).violations
    assert found.rule_id == "BT000" and message in found.message
