"""The lexicon remembers its answers for a long-lived process (server, watch): same answers."""

from __future__ import annotations

from blogtool.spelling.lexicon import Lexicon, load_lexicon

WORDS = ["teh", "recieve", "transfromer", "colour", "unlearnable", "qzxv", "attention"]


def test_remembered_answers_are_the_answers_of_a_fresh_lexicon() -> None:
    warm = load_lexicon()
    for _ in range(2):  # the second round is answered from the memo
        for word in WORDS:
            fresh = Lexicon(dict(warm.frequency))
            assert warm.known(word) == fresh.known(word)
            assert warm.known(word, either_dialect=False) == fresh.known(word, False)
            assert warm.suggestions(word) == fresh.suggestions(word)
            assert warm.suggestions(word, 1, False) == fresh.suggestions(word, 1, False)


def test_a_caller_changing_its_suggestions_does_not_change_the_next_answer() -> None:
    lexicon = Lexicon({"the": 100, "then": 10})
    first = lexicon.suggestions("teh")
    assert first == ["the"]
    first.append("spoiled")
    assert lexicon.suggestions("teh") == ["the"]
