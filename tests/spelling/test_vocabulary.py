from __future__ import annotations

from pathlib import Path

import pytest

from blogtool.spelling import (
    Dialect,
    Vocabulary,
    VocabularyError,
    builtin_vocabulary_paths,
    parse_words_comment,
    vocabulary_paths,
)


def write(tmp_path: Path, text: str, name: str = "words.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_lowercase_entry_accepts_any_casing() -> None:
    vocabulary = Vocabulary().extended(["softmax"])
    assert all(vocabulary.accepts(w) for w in ("softmax", "Softmax", "SOFTMAX"))
    assert not vocabulary.accepts("softmix")


def test_entry_with_capitals_accepts_only_that_spelling() -> None:
    vocabulary = Vocabulary().extended(["LLaMA"])
    assert vocabulary.accepts("LLaMA")
    assert not vocabulary.accepts("Llama")
    assert not vocabulary.accepts("LLAMA")
    assert not vocabulary.accepts("llama")


def test_plural_and_possessive_forms() -> None:
    vocabulary = Vocabulary().extended(["LLM", "BERT", "softmax"])
    for word in ("LLMs", "BERT's", "BERT\u2019s", "softmaxes", "LLMs'"):
        assert vocabulary.accepts(word), word
    assert not vocabulary.accepts("LLMz")


def test_regex_entry_matches_whole_word(tmp_path: Path) -> None:
    path = write(tmp_path, "# nets\n/[A-Z][a-z]+Net/\n")
    vocabulary = Vocabulary.load([path])
    assert vocabulary.accepts("FooNet")
    assert not vocabulary.accepts("Foonet")  # case-sensitive
    assert not vocabulary.accepts("FooNetwork")  # fullmatch, not search
    assert len(vocabulary) == 1


def test_case_insensitive_regex_by_inline_flag() -> None:
    vocabulary = Vocabulary().extended(["/(?i)foonet/"])
    assert vocabulary.accepts("FOONET")


def test_comments_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "# a comment\n\n  vLLM  \n#notaword\n")
    vocabulary = Vocabulary.load([path])
    assert vocabulary.literal_words() == ["vLLM"]
    assert not vocabulary.accepts("notaword")


def test_malformed_regex_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "softmax\n# fine\n/[unclosed/\n")
    with pytest.raises(VocabularyError) as caught:
        Vocabulary.load([path])
    assert str(caught.value).startswith(f"{path}:3: invalid regular expression /[unclosed/")


def test_unterminated_regex_and_spaces_are_errors(tmp_path: Path) -> None:
    with pytest.raises(VocabularyError, match=r":1: .*does not end with one"):
        Vocabulary.load([write(tmp_path, "/abc\n")])
    with pytest.raises(VocabularyError, match=r":2: .*one word per entry"):
        Vocabulary.load([write(tmp_path, "ok\nHugging Face\n")])


def test_extra_words_errors_name_their_source() -> None:
    with pytest.raises(VocabularyError, match=r"^draft\.md:7: invalid regular expression"):
        Vocabulary().extended(["/(/"], source="draft.md:7")


def test_unreadable_file_is_a_vocabulary_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("caf\xe9\n".encode("latin-1"))
    with pytest.raises(VocabularyError, match="cannot read vocabulary"):
        Vocabulary.load([path])
    with pytest.raises(VocabularyError, match="cannot read vocabulary"):
        Vocabulary.load([tmp_path / "missing.txt"])


def test_load_combines_files_and_extra_words(tmp_path: Path) -> None:
    first = write(tmp_path, "alpha\n", "a.txt")
    second = write(tmp_path, "Beta\n", "b.txt")
    vocabulary = Vocabulary.load([first, second], ["gammaNet"])
    assert [vocabulary.accepts(w) for w in ("ALPHA", "Beta", "beta", "gammaNet")] == [
        True,
        True,
        False,
        True,
    ]


def test_parse_words_comment() -> None:
    assert parse_words_comment(" blogtool-words: foo bar ") == ["foo", "bar"]
    assert parse_words_comment("<!-- blogtool-words: a,b  c /x,y/ -->") == ["a", "b", "c", "/x,y/"]
    assert parse_words_comment("blogtool-words:\n  multi\n  line\n") == ["multi", "line"]
    assert parse_words_comment("blogtool-words:") == []
    assert parse_words_comment(" blogtool-disable-next-line BT601 ") is None
    assert parse_words_comment("TODO: blogtool-words: x") is None


def test_builtin_vocabulary_depends_on_dialect() -> None:
    american = [p.name for p in builtin_vocabulary_paths(Dialect.AMERICAN)]
    british = [p.name for p in builtin_vocabulary_paths(Dialect.BRITISH)]
    assert american == ["ml.txt", "tech.txt"]
    assert british == ["ml.txt", "tech.txt", "ml-ise.txt"]


def test_builtin_vocabulary_parses_and_is_large(ml_vocabulary: Vocabulary) -> None:
    assert len(ml_vocabulary) > 500
    for word in ("LLaMA", "Mixtral", "softmax", "RLHF", "RoBERTa", "QLoRA", "arXiv", "vLLM"):
        assert ml_vocabulary.accepts(word), word
    assert not ml_vocabulary.accepts("tokenisation")


def test_rules_dirs_extend_builtin_files(tmp_path: Path) -> None:
    (tmp_path / "vocabulary").mkdir()
    extra = write(tmp_path / "vocabulary", "OurNet\n", "ml.txt")
    write(tmp_path / "vocabulary", "ignored\n", "other.txt")
    paths = vocabulary_paths(Dialect.AMERICAN, [tmp_path])
    assert paths[-1] == extra
    assert len(paths) == 3
