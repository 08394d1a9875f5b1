from __future__ import annotations

import pytest

from blogtool.spelling import (
    BackendUnavailable,
    Dialect,
    Finding,
    Vocabulary,
    create_backend,
    filter_findings,
)
from blogtool.spelling.backends import word_bounds
from blogtool.spelling.harper_backend import HarperBackend


def finding(text: str, word: str, kind: str = "spelling", after: str = "") -> Finding:
    start = text.index(word, text.index(after) + len(after) if after else 0)
    return Finding(start, start + len(word), word, kind, "m", (), "R")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "dialect"),
    [
        ("american", Dialect.AMERICAN),
        ("British", Dialect.BRITISH),
        ("en-GB", Dialect.BRITISH),
        ("en_au", Dialect.AUSTRALIAN),
        ("en-CA", Dialect.CANADIAN),
    ],
)
def test_dialect_parse(value: str, dialect: Dialect) -> None:
    assert Dialect.parse(value) is dialect


def test_dialect_parse_rejects_unknown_values() -> None:
    with pytest.raises(ValueError, match="unknown dialect 'klingon'; expected one of: american"):
        Dialect.parse("klingon")


def test_create_backend() -> None:
    backend = create_backend("harper", dialect=Dialect.BRITISH)
    assert isinstance(backend, HarperBackend)
    assert backend.dialect is Dialect.BRITISH
    with pytest.raises(BackendUnavailable, match="unknown spelling backend 'aspell'"):
        create_backend("aspell")


def test_word_bounds_strip_wrapping_punctuation() -> None:
    text = 'See ("GPT-4o"), then stop.'
    start = text.index("4o") + 1
    left, right = word_bounds(text, start, start + 1)
    assert text[left:right] == "GPT-4o"


def test_filter_drops_findings_inside_words_with_digits() -> None:
    text = "Compare GPT-4o with tset."
    findings = [finding(text, "o", "style", after="GPT-4"), finding(text, "tset")]
    assert [f.word for f in filter_findings(text, findings, None)] == ["tset"]
    kept = filter_findings(text, findings, None, ignore_words_with_digits=False)
    assert [f.word for f in kept] == ["o", "tset"]


def test_filter_uses_the_whole_hyphenated_word() -> None:
    text = "Unlike Transformer-XL and Foo-XL."
    vocabulary = Vocabulary().extended(["Transformer-XL"])
    first = Finding(text.index("XL"), text.index("XL") + 2, "XL", "spelling", "m", (), "R")
    second_at = text.rindex("XL")
    second = Finding(second_at, second_at + 2, "XL", "spelling", "m", (), "R")
    assert filter_findings(text, [first, second], vocabulary) == [second]


def test_filter_never_silences_grammar_or_multi_word_findings() -> None:
    text = "We use softmax softmax here."
    vocabulary = Vocabulary().extended(["softmax"])
    repeated = finding(text, "softmax softmax", "grammar")
    confusion = finding(text, "softmax", "grammar")
    assert filter_findings(text, [repeated, confusion], vocabulary) == [confusion, repeated]
