"""The two commonest grammar slips, found without a grammar engine: a/an and repeated words.

They are most of BT602's findings, and checking them here means Harper (whose start-up
alone takes about a second) only runs for paragraphs where one of its other rules could
fire. Findings use the backend rule names (``AnA``, ``RepeatedWords``) so that the same
filters and configuration apply whichever found them.

Whether a word starts with a vowel *sound* is decided from its letters, with the usual
exceptions: a silent h (``an hour``, ``an honest``) and a vowel letter read as a consonant
(``a unit``, ``a user``, ``a European``, ``a one-hot``). Acronyms, single letters and
symbols are left alone by the rule, since how they are read is not in their letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .backends import Finding

__all__ = ["article_findings", "repeated_word_findings"]

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
