"""What every spelling/grammar backend shares: findings, errors and the filter.

A backend checks plain text and returns :class:`Finding` objects whose ``start``/``end``
are ``str`` indices into exactly the text it was given, so a caller can pass either one
prose chunk or a whole ``Document.prose_text`` (non-prose characters blanked to spaces)
and map ``start`` back with ``doc.position``.

The backends themselves (Harper, LanguageTool) build on :class:`BackendBase`;
:func:`blogtool.spelling.factory.create_backend` picks one by name. Both drop findings the
vocabulary accepts and findings inside words with digits (``GPT-4o``, ``Llama-3.1-8B``)
before returning; see :func:`filter_findings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from blogtool.spelling.dialect import Dialect

if TYPE_CHECKING:
    from blogtool.spelling.vocabulary import Vocabulary

__all__ = [
    "Backend",
    "BackendBase",
    "BackendUnavailable",
    "Dialect",
    "Finding",
    "FindingKind",
    "filter_findings",
    "word_bounds",
]

FindingKind = Literal["spelling", "grammar", "style"]

# Rules that complain about a word's case because of where it stands, not how it is spelt.
# A vocabulary word keeps such a finding when the suggested casing is acceptable too
# ("dropout is ..." -> "Dropout"), and loses it when not ("vLLM is ..." -> "VLLM").
_POSITIONAL_CASE_RULES = frozenset({"SentenceCapitalization", "UPPERCASE_SENTENCE_START"})
# Punctuation that wraps a word without being part of it: "(GPT-4o)," is the word GPT-4o.
_WRAPPING = "\"'()[]{}<>.,;:!?\u201c\u201d\u2018\u2019\u00ab\u00bb*_`~"


class BackendUnavailable(RuntimeError):
    """The backend cannot run (not configured, server unreachable ...); one line for the user."""


@dataclass(frozen=True)
class Finding:
    """One problem a backend found, located by ``str`` indices into the checked text.

    ``suggestions`` are replacements for ``text[start:end]`` ("" means delete it).
    ``backend_rule`` is the backend's own rule name (``SpellCheck``, ``MORFOLOGIK_RULE_EN_US``).
    """

    start: int
    end: int
    word: str
    kind: FindingKind
    message: str
    suggestions: tuple[str, ...]
    backend_rule: str


class Backend(Protocol):
    """A spelling/grammar checker. Construct once, call :meth:`check` per text."""

    name: str

    def check(self, text: str, vocabulary: Vocabulary | None = None) -> list[Finding]:
        """Findings in ``text``, sorted by position, offsets being ``str`` indices.

        ``vocabulary`` replaces the backend's own accept list for this call (for instance
        the built-in list extended with a draft's ``blogtool-words`` comment).
        Raises :class:`BackendUnavailable` when the backend cannot run.
        """
        ...

    def close(self) -> None:
        """Release what the backend holds (a LanguageTool server it started)."""
        ...


class BackendBase:
    """What the built-in backends share: settings, the empty-text shortcut, the filter."""

    name = "base"

    def __init__(
        self,
        dialect: Dialect,
        vocabulary: Vocabulary | None,
        disabled_rules: frozenset[str],
        ignore_words_with_digits: bool,
    ) -> None:
        self.dialect = dialect
        self.vocabulary = vocabulary
        self.disabled_rules = disabled_rules
        self.ignore_words_with_digits = ignore_words_with_digits

    def check(self, text: str, vocabulary: Vocabulary | None = None) -> list[Finding]:
        if not text.strip():
            return []
        return filter_findings(
            text,
            self._findings(text),
            self.vocabulary if vocabulary is None else vocabulary,
            ignore_words_with_digits=self.ignore_words_with_digits,
        )

    def close(self) -> None:
        pass

    def __enter__(self) -> BackendBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _findings(self, text: str) -> Iterable[Finding]:
        """Everything the backend reports for ``text`` (not blank), before filtering."""
        raise NotImplementedError


def word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The whitespace-delimited word around ``text[start:end]``, without wrapping punctuation."""
    left, right = start, end
    while left > 0 and not text[left - 1].isspace():
        left -= 1
    while right < len(text) and not text[right].isspace():
        right += 1
    while left < start and text[left] in _WRAPPING:
        left += 1
    while right > end and text[right - 1] in _WRAPPING:
        right -= 1
    return left, right


def filter_findings(
    text: str,
    findings: Iterable[Finding],
    vocabulary: Vocabulary | None,
    *,
    ignore_words_with_digits: bool = True,
) -> list[Finding]:
    """Drop what the vocabulary accepts and what sits inside a word with a digit; sort.

    A finding inside one word (no whitespace in it) is dropped when

    - that word contains a digit and ``ignore_words_with_digits`` is on: model names
      such as ``GPT-4o`` or ``Llama-3.1-8B`` get split by backends into odd pieces;
    - it is a spelling finding on a single letter: in ML prose that is a variable
      (``with rank r = 16``), not a typo;
    - it is not a grammar finding and the vocabulary accepts the flagged text or the
      whole word around it (``XL`` inside ``Transformer-XL``), except that a
      sentence-start capitalisation finding survives when its suggested casing is also
      accepted.

    Findings spanning several words (``the the``) are kept.
    """
    kept = []
    for finding in findings:
        if finding.end > finding.start and not _spans_whitespace(text, finding):
            left, right = word_bounds(text, finding.start, finding.end)
            word = text[left:right]
            if ignore_words_with_digits and any(char.isdigit() for char in word):
                continue
            if finding.kind == "spelling" and len(finding.word) == 1 and finding.word.isalpha():
                continue
            if vocabulary is not None and _vocabulary_silences(finding, word, vocabulary):
                continue
        kept.append(finding)
    # Stable output across runs: by position, then kind and rule.
    return sorted(kept, key=lambda f: (f.start, f.end, f.kind, f.backend_rule, f.message))


def _spans_whitespace(text: str, finding: Finding) -> bool:
    return any(char.isspace() for char in text[finding.start : finding.end])


def _vocabulary_silences(finding: Finding, word: str, vocabulary: Vocabulary) -> bool:
    if finding.kind == "grammar":
        return False
    if not (vocabulary.accepts(finding.word) or vocabulary.accepts(word)):
        return False
    if finding.backend_rule in _POSITIONAL_CASE_RULES:
        return not any(vocabulary.accepts(suggestion) for suggestion in finding.suggestions)
    return True
