"""The shapes behind BT106 (an assistant speaking to the asker) and BT107 (tasks the
author left to themselves): the tuning cases, the phrase and sentence helpers, and the
vocabulary a project adds."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from blogtool.config import Config
from blogtool.engine import lint_text, make_plan
from blogtool.registry import load_registry
from blogtool.ruledata import RuleDataError
from blogtool.rules._text import phrases, sentences

REGISTRY = load_registry(entry_points=False)
ROOT = Path(__file__).resolve().parents[2]
QUALITY = ROOT / "tests" / "data" / "quality"
BENCH = ROOT / "bench" / "prose_quality.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_prose_quality", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return sys.modules[spec.name]


def lint(text: str, rules=("BT103", "BT106", "BT107"), rules_dirs=()):
    config = Config()
    config.rules_dirs = list(rules_dirs)
    plan = make_plan(config, select=list(rules), registry=REGISTRY)
    return [(v.line, v.col, v.rule_id) for v in lint_text(text, "case.md", plan).violations]


TUNING = _bench().read_cases(QUALITY / "prose_tuning.txt")


@pytest.mark.parametrize(
    "case", TUNING, ids=[f"line{c.line}-{'flag' if c.expect else 'clean'}" for c in TUNING]
)
def test_tuning_case(case) -> None:
    found = {rule for _, _, rule in lint(case.text)}
    if case.expect:
        assert found & case.expect, case.text
    else:
        assert not found, case.text


def test_the_held_out_set_is_large_enough_to_measure_on() -> None:
    # Its results are measured by bench/prose_quality.py, never asserted: a test would
    # invite tuning on it.
    cases = _bench().read_cases(QUALITY / "prose_heldout.txt")
    assert sum(1 for c in cases if c.expect) >= 20
    assert sum(1 for c in cases if not c.expect) >= 20


def test_the_bench_measures_a_corpus(tmp_path: Path) -> None:
    (tmp_path / "post.md").write_text("# Post\n\nLet me show you the loss.\n", "utf-8")
    (tmp_path / "draft.md").write_text("Would you like me to expand on it?\n", "utf-8")
    done = subprocess.run(
        [sys.executable, str(BENCH), "corpus", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "2 files, 6 lines (all)" in done.stdout
    assert "BT106 1 " in done.stdout and "BT107 0 " in done.stdout


# ------------------------------------------------------------------ phrases


def _match(table: dict, text: str, key: str = "a", word_start: bool = False) -> list[str]:
    source = phrases(table, key, "test.toml", word_start=word_start)
    flags = 0 if word_start else re.I  # a word_start regex carries its own case rule
    return [m.group(0) for m in re.finditer(source, text, flags)]


@pytest.mark.parametrize("word_start", [False, True])
def test_phrases_share_starts_and_prefer_the_longer_phrase(word_start: bool) -> None:
    table = {"a": ["I will", "I will now", "I'll", "I", "let me"]}
    text = "I will now go. I’ll  go.\nLet\nme go. I go."
    assert _match(table, text, word_start=word_start) == [
        "I will now",
        "I’ll",
        "Let\nme",
        "I",
    ]


def test_phrases_fill_slots_from_other_lists() -> None:
    table = {
        "a": ["the {doc} you {verb}", "{doc}, please"],
        "doc": ["paper", "PDF"],
        "verb": ["sent"],
    }
    assert _match(table, "See the pdf you sent. Paper , please") == [
        "the pdf you sent",
        "Paper , please",
    ]


def test_a_word_start_phrase_does_not_match_inside_a_word() -> None:
    table = {"a": ["I'll", "let me", "it"]}
    assert _match(table, "Bill'll outlet me, bit it", word_start=True) == ["it"]


def test_slots_may_hold_slots_but_not_themselves() -> None:
    table = {
        "a": ["I hope {hoped} helps"],
        "hoped": ["this", "{answers}"],
        "answers": ["my answer"],
    }
    assert _match(table, "I hope my answer helps. I hope this helps.") == [
        "I hope my answer helps",
        "I hope this helps",
    ]
    with pytest.raises(RuleDataError, match="nest too deep"):
        phrases({"a": ["{a} again"]}, "a", "test.toml")


def test_a_slot_that_names_no_list_is_a_data_error() -> None:
    with pytest.raises(RuleDataError, match="names no list 'nope'"):
        phrases({"a": ["the {nope}"]}, "a", "test.toml")


def test_an_empty_list_never_matches() -> None:
    assert re.search(phrases({"a": []}, "a", "t"), "anything") is None
    assert re.search(phrases({}, "a", "t", word_start=True), "anything") is None


# ------------------------------------------------------------------ sentences


def _sentences(prose: str) -> list[str]:
    return [prose[s.start : s.end] for s in sentences(prose)]


def test_sentences_end_at_punctuation_blank_lines_items_and_labels() -> None:
    prose = (
        "First one. Second one?\nstill second, e.g. here! Third\n\n- item one\n- item two\n"
        "Plan:\nInsert a table\n> quoted line.\n"
    )
    assert _sentences(prose) == [
        "First one.",
        "Second one?",
        "still second, e.g.",  # abbreviations cut a sentence short
        "here!",
        "Third",
        "item one",
        "item two\nPlan:",  # a lazy continuation of the item, as Markdown reads it
        "Insert a table\n> quoted line.",  # a new block after a label
    ]


def test_a_sentence_knows_whether_it_ends_its_block() -> None:
    found = list(sentences("Is it? Yes.\n\nIs it?\n"))
    assert [s.last_in_block for s in found] == [False, True, True]
    assert [s.line_start for s in found] == [True, False, True]


# ------------------------------------------------------------------ precision


def test_narration_in_quotes_or_a_transcript_is_left_alone() -> None:
    text = (
        'The model answers "Let me walk you through this part of the paper" to anything.\n'
        "\n"
        "> Assistant: I'd be glad to act as your guide to diffusion.\n"
    )
    assert lint(text, ["BT106"]) == []


def test_the_same_narration_pasted_is_reported() -> None:
    text = "Let me walk you through this part of the paper.\n"
    assert lint(text, ["BT106"]) == [(1, 1, "BT106")]


def test_an_offer_and_a_phrase_in_one_sentence_are_reported_once() -> None:
    assert lint("Great question! Would you like me to explain it?\n", ["BT106"]) == [
        (1, 1, "BT106"),
        (1, 17, "BT106"),
    ]
    assert lint("I hope this helps, and I'm happy to clarify for you.\n", ["BT106"]) == [
        (1, 1, "BT106")
    ]


def test_a_label_with_its_task_on_the_same_line_is_one_note() -> None:
    assert lint("TODO: write a section on the data mixture\n", ["BT107"]) == [(1, 1, "BT107")]


# ------------------------------------------------------------------ project data


def test_a_project_adds_verbs_and_signs_of_the_asker(tmp_path: Path) -> None:
    text = "Let me demystify the proof, as you wanted.\n"
    assert lint(text, ["BT106"]) == []
    (tmp_path / "assistant_voice.toml").write_text(
        'verbs = ["demystify"]\nasker = ["as you wanted"]\n', "utf-8"
    )
    assert lint(text, ["BT106"], rules_dirs=(tmp_path,)) == [(1, 1, "BT106")]


def test_a_project_adds_parts_of_a_post_and_labels(tmp_path: Path) -> None:
    text = "Backlog:\n- Add a quiz on attention\n"
    assert lint(text, ["BT107"]) == []
    (tmp_path / "author_tasks.toml").write_text(
        'list_labels = ["backlog"]\npost_parts = ["quiz"]\n', "utf-8"
    )
    assert lint(text, ["BT107"], rules_dirs=(tmp_path,)) == [(2, 3, "BT107")]
