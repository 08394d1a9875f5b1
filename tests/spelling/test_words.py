"""BT601's word decisions (lexicon, vocabulary, terms of the draft) and BT602's own checks."""

from __future__ import annotations

import pytest

from blogtool.spelling import Vocabulary
from blogtool.spelling.grammar import article_findings, repeated_word_findings
from blogtool.spelling.lexicon import dialect_variants, load_lexicon
from blogtool.spelling.words import WordChecker, document_terms, prose_words


@pytest.fixture(scope="module")
def checker(ml_vocabulary: Vocabulary) -> WordChecker:
    return WordChecker(load_lexicon(), ml_vocabulary.accepts)


def flagged(checker: WordChecker, text: str) -> list[str]:
    return [w.word for w in checker.unknown(text)]


def test_english_with_inflections_and_both_dialects_is_known(checker: WordChecker) -> None:
    text = (
        "Afterwards, distilling piecewise spectrograms and waveforms with equivariance; "
        "a recognisable minimiser parameterising the colour of labelled neighbours."
    )
    assert flagged(checker, text) == []


def test_misspellings_are_flagged_with_suggestions(checker: WordChecker) -> None:
    found = checker.unknown("We recieve teh logits.")
    assert [(w.word, w.suggestions[0]) for w in found] == [("recieve", "receive"), ("teh", "the")]


def test_glued_prefix_is_known_unless_one_letter_from_a_common_word(checker: WordChecker) -> None:
    assert flagged(checker, "A misconfigured, nonsymmetric, subsampled run.") == []
    # "un" + "sufficient" would explain it, but "insufficient" is one letter away
    assert flagged(checker, "An unsufficient budget.") == ["unsufficient"]


def test_vocabulary_words_take_inflections(checker: WordChecker) -> None:
    assert flagged(checker, "The softmaxed logits were tokenized.") == []
    assert flagged(checker, "We pretrainning it.") == ["pretrainning"]


@pytest.mark.parametrize("word", ["Procesing", "Artifical", "Patern", "Transfomers", "Survery"])
def test_capitalised_slips_on_common_words_are_flagged(checker: WordChecker, word: str) -> None:
    assert flagged(checker, f"See {word} here.") == [word]


@pytest.mark.parametrize("word", ["Vaswani", "Hutter", "Mellor", "Zhang", "Alexandre", "Sumit"])
def test_names_are_not_flagged(checker: WordChecker, word: str) -> None:
    assert flagged(checker, f"Work by {word} here.") == []


def test_run_together_function_word_is_flagged(checker: WordChecker) -> None:
    assert flagged(checker, "Infact it works.") == ["Infact"]


def test_capitalised_words_can_be_left_alone(ml_vocabulary: Vocabulary) -> None:
    quiet = WordChecker(load_lexicon(), ml_vocabulary.accepts, check_capitalized=False)
    assert flagged(quiet, "See Artifical here, and recieve.") == ["recieve"]


def test_terms_of_the_draft(ml_vocabulary: Vocabulary) -> None:
    terms = document_terms(["`frobnify(x)`", "https://example.com/grokkify"])
    assert {"frobnify", "grokkify"} <= terms
    c = WordChecker(load_lexicon(), ml_vocabulary.accepts, terms)
    assert flagged(c, "We frobnify and grokkify; we zorblax.") == ["zorblax"]


def test_repeated_use_makes_a_term_but_not_of_a_slip(checker: WordChecker) -> None:
    assert flagged(checker, "A zorblax, the zorblax, each zorblax.") == []
    found = flagged(checker, "Immitation. Immitation helps. Immitation again.")
    assert found == ["Immitation"] * 3


def test_other_occurrences_are_given(checker: WordChecker) -> None:
    found = checker.unknown("We zorp.\nWe zorp again.")
    assert [w.others for w in found] == [(12,), (3,)]


def test_markup_is_not_read_as_words() -> None:
    text = "The **Ro**tary **P**ositional[^note] &mdash; image_1.png \\mathbf e.g. Müller"
    words = [w.word for w in prose_words(text)]
    assert words == ["The", "Rotary", "Positional"]


def test_hyphenated_prefix_is_not_reported_twice(checker: WordChecker) -> None:
    assert flagged(checker, "A uni-directional, non-causal pass; take-aways.") == []
    assert flagged(checker, "A pre-trainning pass.") == ["trainning"]


def test_one_dialect_flags_the_other(ml_vocabulary: Vocabulary) -> None:
    strict = WordChecker(load_lexicon(), ml_vocabulary.accepts, either_dialect=False)
    assert flagged(strict, "The labelled colour.") == ["labelled", "colour"]


def test_dialect_variants() -> None:
    assert "color" in dialect_variants("colour")
    assert "minimizer" in dialect_variants("minimiser")
    assert "meager" in dialect_variants("meagre")


def test_articles() -> None:
    found = list(article_findings("a input, an model, a hour, an unit, a European, a union"))
    assert [(f.word, f.suggestions[0]) for f in found] == [
        ("a", "an"),
        ("an", "a"),
        ("a", "an"),
        ("an", "a"),
    ]
    assert list(article_findings("an MoE, a LLM, a $x$, matrices A and B, an uninformative")) == []


def test_repeated_words() -> None:
    found = list(repeated_word_findings("the the model had had enough, to\nto go"))
    assert [f.word for f in found] == ["the the", "to\nto"]
