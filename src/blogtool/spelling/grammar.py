"""The two commonest grammar slips, found without a grammar engine: a/an and repeated words.

They are most of BT602's findings, and checking them here means Harper (whose start-up
alone takes about a second) only runs for paragraphs where one of its other rules could
fire. Findings use the backend rule names (``AnA``, ``RepeatedWords``) so that the same
filters and configuration apply whichever found them.

Whether a word starts with a vowel *sound* is decided from its letters, with the usual
exceptions: a silent h (``an hour``, ``an honest``) and a vowel letter read as a consonant
(``a unit``, ``a user``, ``a European``, ``a one-hot``). Acronyms, single letters and
symbols are left alone by the rule, since how they are read is not in their letters.

``GRAMMAR_RULES`` lists the rules BT602 reports by default, each with the text a paragraph
must hold for it to fire; :func:`grammar_trigger` turns a selection into the test that keeps
every other paragraph away from Harper.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from .backends import Finding

__all__ = [
    "BUILT_IN_GRAMMAR",
    "GRAMMAR_RULES",
    "article_findings",
    "grammar_trigger",
    "repeated_word_findings",
]

_ARTICLE = re.compile(r"(?<![\w'\u2019-])(a|an|A|An)[ \t]+(?=(\S+))")
_REPEATED = re.compile(
    r"(?<![\w'\u2019-])([A-Za-z]+)([ \t]+|[ \t]*\n[ \t]*)(\1)(?![\w'\u2019-])", re.I
)
_WORD_AFTER_ARTICLE = re.compile(r"([A-Za-z]+)(?:-[A-Za-z]+)*")
_OPENERS = "[(*_\"'\u201c\u2018"
_SILENT_H = ("hour", "honest", "honor", "honour", "heir", "herb")
# Vowel letters read as a consonant: "a unit", "a user", "a European", "a one-off".
# ("uni" only where it is the prefix "one": "an uninformative", "a unimodal".)
_CONSONANT_VOWELS = (
    "unic", "unidir", "unif", "unil", "unimod", "unio", "uniq", "unis", "unit", "univ", "unan",
    "use", "usa", "usu", "uti", "ubiq", "ura", "ure", "uri", "uro", "ukr", "ufo",
    "eu", "ewe", "one", "once", "ouija",
)  # fmt: skip
# Words an article never stands before: before them, "a" is a variable.
_NEVER_AFTER_ARTICLE = frozenset(
    {"and", "or", "is", "are", "was", "were", "of", "in", "on", "to", "with", "from", "as"}
)
# Repeats that are grammatical: "had had", "that that".
_ALLOWED_REPEATS = frozenset({"had", "that"})


def starts_with_vowel_sound(word: str) -> bool:
    lower = word.lower()
    if lower.startswith(_SILENT_H):
        return True
    if lower.startswith(_CONSONANT_VOWELS):
        return False
    return lower[:1] in "aeiou"


def article_findings(text: str) -> Iterator[Finding]:
    """``a`` before a vowel sound and ``an`` before a consonant sound, in prose ``text``."""
    for m in _ARTICLE.finditer(text):
        article, following = m.group(1), m.group(2).lstrip(_OPENERS)
        word = _WORD_AFTER_ARTICLE.match(following)
        if word is None or len(word.group(1)) < 2:
            continue  # a symbol, a number or a single letter: read aloud, not spelt
        w = word.group(1)
        if w.lower() in _NEVER_AFTER_ARTICLE:
            continue  # "matrices A and B", "from a and b": a variable, not an article
        if sum(c.isupper() for c in w) >= 2:
            continue  # an acronym (an MoE, a LLM): its sound is its letters'
        # sounded as a whole: "a uni-directional" is a "unidirectional"
        wants_an = starts_with_vowel_sound(word.group(0).replace("-", ""))
        if wants_an == (article.lower() == "an"):
            continue
        right = ("An" if article[0] == "A" else "an") if wants_an else article[0]
        yield Finding(
            start=m.start(1),
            end=m.end(1),
            word=article,
            kind="grammar",
            message=f"use '{right}' before '{w}'",
            suggestions=(right,),
            backend_rule="AnA",
        )


def repeated_word_findings(text: str) -> Iterator[Finding]:
    """A word written twice in a row (``the the``), across a line break too."""
    for m in _REPEATED.finditer(text):
        word = m.group(1)
        if word.lower() in _ALLOWED_REPEATS or len(word) == 1:
            continue
        yield Finding(
            start=m.start(1),
            end=m.end(3),
            word=m.group(0),
            kind="grammar",
            message="a word is repeated",
            suggestions=(word,),
            backend_rule="RepeatedWords",
        )


# The Harper rules BT602 reports: those that were right on the tuning half of the
# spelling-quality corpus (bench/QUALITY-spelling.md), and a few classic confusions.
# Others misread ML prose: ToTwoToo, NounVerbConfusion ("we weight the scores"),
# MissingDeterminer, TheirToThere ("to their right"), ThisTypeOfThing.
_COMPARATIVE = (
    r"\b(?:more|less|better|worse|rather|larger|smaller|higher|lower|greater|fewer|faster"
    r"|slower|bigger|longer|shorter|easier|harder|\w+ier)"
)
BUILT_IN_GRAMMAR = frozenset({"AnA", "RepeatedWords", "ToTo"})
_ALWAYS = ("",)
GRAMMAR_RULES: dict[str, tuple[tuple[str, ...], str]] = {
    # rule: (text one of which a paragraph must hold, pattern it must match), so that a
    # paragraph where the rule cannot fire never reaches Harper. The text is a cheap test
    # (lower case) before the pattern; "" means always run the pattern.
    "AllowTo": (("allow",), r"\ballow(?:s|ed|ing)?\s+to\b"),
    "AnA": ((), ""),  # checked here (article_findings), without Harper
    "AnAnother": (("another",), r"\ban\s+another\b"),
    "AnotherAn": (("another",), r"\banother\s+an\b"),
    "BoarderBorder": (("boarder",), r"\bboarders?\b"),
    "DidPast": (_ALWAYS, r"\b(?:did|does|do)(?:n't)?\s+(?:not\s+)?\w+ed\b"),
    "DoesOrDose": (("dose",), r"\bdoses?\b"),
    "ExtendOrExtent": (("extend",), r"\bextend\b"),
    "HomeInOn": (("hon",), r"\bhon(?:e|es|ed|ing)\s+in\b"),
    # "lets" for "let's" (a sentence's first word, or before a verb), "let's us"
    "LetsConfusion": (
        ("let",),
        r"(?:^|[.!?:]\s+)Lets\b|\blets\s+(?:go|see|try|look|say|assume|consider|start|"
        r"begin|take|execute|call|run|make|get|now|slip|collect|write|check)\b"
        r"|\b[Ll]et(?:'|\u2019)s\s+us\b",
    ),
    "RepeatedWords": ((), ""),  # checked here (repeated_word_findings), without Harper
    "SeamToSeem": (("seam",), r"\bseam(?:s|ed|ing)?\b"),
    "SingleBe": (_ALWAYS, r"\b(?:is|are|was|were|be|been|am)\s+(?:is|are|was|were|be|been|am)\b"),
    "ThatThan": (("that",), _COMPARATIVE + r"\s+that\b"),
    "TheMy": (_ALWAYS, r"(?i:\bthe\s+(?:my|your|his|her|its|our|their)\b)"),
    "ThenThan": (
        ("then",),
        _COMPARATIVE + r"\s+then\b|\b(?:more|less|rather)\b[^.]{0,40}\bthen\b",
    ),
    "ThoughThought": (("though",), r"\b(?:I|we|you|they|he|she|had|have|has)\s+though\b"),
    "ToLoseTooLoose": (("lose", "loose"), r"\b(?:loose|lose)\b"),
    "ToTo": ((), ""),  # a repeated word, checked here
    "WorseOrWorst": (("wors",), r"\b(?:worse|worst)\b"),
}


@lru_cache(maxsize=8)
def grammar_trigger(rules: tuple[str, ...]) -> Callable[[str], bool] | None:
    """Whether a paragraph is worth Harper's time for ``rules``; None: every one is."""
    if any(not GRAMMAR_RULES.get(rule, ((), ""))[1] for rule in rules):
        return None
    tests = [(GRAMMAR_RULES[rule][0], re.compile(GRAMMAR_RULES[rule][1])) for rule in rules]

    def needed(text: str) -> bool:
        lower = text.lower()
        return any(
            any(word in lower for word in words) and pattern.search(text)
            for words, pattern in tests
        )

    return needed
