"""Which words of a draft's prose are misspelt: BT601's decisions, without a spelling engine.

Each distinct word is decided once, by set lookups:

1. Not a word to check: shorter than three letters, not ASCII (``économique``), all
   capitals (``MMLU``), capitals inside (``PyTorch``), or part of something that is not a
   word (``image_1``, ``a/b/c``, ``\\mathbf``, ``&mdash;``, ``[^note]``, ``e.g.``).
2. Known: in the English lexicon (either dialect), in the ML vocabulary or its inflections
   (``softmaxed``), or a *term of the draft*: it also appears in the draft's code, URLs,
   link targets, HTML attributes or math, or it is used three times or more in the prose
   (five, and more often than that word, when it is one letter from a common word).
3. Unknown and lowercase: a misspelling (``recieve``).
4. Unknown and capitalised: a name, unless it is one edit from a common word and at least
   five letters long (``Procesing``, ``Transfomers``): a name is rarely that close to an
   ordinary word, a typo nearly always is.

Bold letters inside a word (``**Ro**tary``) are read as one word, and a hyphenated word
(``uni-directional``) is checked part by part, each unknown part reported once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .lexicon import ALPHABET as _LETTERS
from .lexicon import PREFIXES, Lexicon, dialect_variants

__all__ = ["UnknownWord", "WordChecker", "document_terms", "prose_words"]

# Chunks holding one of these are identifiers, paths, math or markup, not words.
_NOT_PROSE_CHARS = re.compile(r"[\d_/\\=@#{}<>|~^+%$&\[\]]")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_CHUNK = re.compile(r"\S+")
_WRAPPING = "\"'()[]{}<>.,;:!?\u201c\u201d\u2018\u2019\u00ab\u00bb*_`~"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})
_INNER_DOT = re.compile(r"[A-Za-z]\.[A-Za-z]")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]{1,80}\]")
_ENTITY = re.compile(r"&#?[A-Za-z0-9]{1,10};")
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")

_TOKEN = re.compile(r"[A-Za-z]{3,}")
_ROMAN = re.compile(r"(?=[ivxlc]{2,}$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})")
_CONTRACTIONS = ("n't", "'s", "'re", "'ve", "'ll", "'d", "'m", "'")
# Endings a vocabulary word takes in prose: (ending, what to put back on the stem).
_VOCABULARY_ENDINGS = (
    ("ing", ("", "e")),
    ("ed", ("", "e")),
    ("d", ("",)),
    ("er", ("", "e")),
    ("ers", ("", "e")),
    ("ally", ("",)),
    ("ly", ("", "e")),
    ("ation", ("e", "")),
    ("ations", ("e", "")),
    ("ability", ("e", "")),
    ("ness", ("",)),
    ("ize", ("",)),
    ("ized", ("",)),
    ("ise", ("",)),
    ("ised", ("",)),
)
MIN_REPEATS = 3  # uses in prose that make an unknown word a term of the draft
MIN_REPEATS_NEAR = 5  # ... when it is one letter from a common word
# Short words that a slip glues to the next one: "Inthe", "Infact", "Ofthe".
_GLUE_WORDS = frozenset({"in", "of", "on", "the", "and", "to", "for", "is", "at", "by", "as"})
COMMON = 100  # lexicon count of a "common" word (pattern: 22,693; simplified: 578)
MIN_CAPITAL_TYPO = 6  # letters of the shortest capitalised word checked as a typo


@dataclass(frozen=True)
class ProseWord:
    """One word of the prose: where it is and how it reads with markup removed."""

    start: int
    end: int
    word: str
    hyphen_prefix: bool  # the part before a hyphen (``uni`` in ``uni-directional``)
    compound: str  # the hyphenated word it is part of, without hyphens ("" if none)


@dataclass(frozen=True)
class UnknownWord:
    start: int
    end: int
    word: str
    suggestions: tuple[str, ...]
    others: tuple[int, ...]  # offsets of the same word elsewhere in the prose


def clean_prose(text: str) -> str:
    """``text`` with footnote labels, HTML entities and LaTeX commands blanked."""
    for pattern in (_FOOTNOTE, _ENTITY, _LATEX_COMMAND):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def prose_words(text: str, glued: Callable[[int], bool] | None = None) -> Iterator[ProseWord]:
    """The words of prose ``text`` (offsets are into ``text``), markup chunks skipped.

    ``glued(offset)`` says whether the character at ``offset`` was markup that joins the
    chunk next to it to more letters (``<span>E</span>nt``): such a chunk is a piece of a
    word, not a word, and is skipped.
    """
    text = clean_prose(text)
    # A draft repeats its chunks ("the", "model,"): each distinct one is read once.
    seen: dict[str, tuple[tuple[int, int, str, bool, str], ...]] = {}
    for chunk in _CHUNK.finditer(text):
        raw = chunk.group(0)
        words = seen.get(raw)
        if words is None:
            words = seen[raw] = _chunk_words(raw)
        if not words:
            continue
        if glued is not None and (glued(chunk.start() - 1) or glued(chunk.end())):
            continue
        base = chunk.start()
        for a, b, word, hyphen_prefix, compound in words:
            yield ProseWord(base + a, base + b, word, hyphen_prefix, compound)


def _chunk_words(raw: str) -> tuple[tuple[int, int, str, bool, str], ...]:
    """The words of one whitespace-delimited chunk: (start, end, word, hyphen prefix, compound)."""
    start, end = 0, len(raw)
    while start < end and raw[start] in _WRAPPING:
        start += 1
    while end > start and raw[end - 1] in _WRAPPING:
        end -= 1
    body = raw[start:end]
    if not body or _NOT_PROSE_CHARS.search(body) or _INNER_DOT.search(body):
        return ()
    if not body.isascii() and any(c.isalpha() and not c.isascii() for c in body):
        return ()  # Müller, Schrödinger, économique: names and quoted foreign words
    offsets = list(range(start, end))
    if "*" in body:  # **Ro**tary: emphasis inside a word is one word
        offsets = [i for i in offsets if raw[i] != "*"]
        body = body.replace("*", "")
    body = body.translate(_APOSTROPHES)
    compound = body.replace("-", "").strip("'") if "-" in body else ""
    found = []
    for m in _WORD.finditer(body):
        a, b = m.span()
        hyphen_prefix = b < len(body) and body[b] == "-"
        found.append((offsets[a], offsets[b - 1] + 1, m.group(0), hyphen_prefix, compound))
    return tuple(found)


def document_terms(pieces: Iterable[str]) -> set[str]:
    """Lowercase words of the draft's non-prose ``pieces`` (its code, URLs, math, HTML)."""
    return {m.group(0).lower() for piece in pieces for m in _TOKEN.finditer(piece)}


class WordChecker:
    """Decides words against a lexicon, the ML vocabulary and the draft's own terms."""

    def __init__(
        self,
        lexicon: Lexicon,
        accepts: Callable[[str], bool],
        terms: set[str] = frozenset(),  # type: ignore[assignment]
        either_dialect: bool = True,
        check_capitalized: bool = True,
    ) -> None:
        self.lexicon = lexicon
        self.accepts = accepts  # the ML vocabulary (and words the draft declares)
        self.terms = terms
        self.either_dialect = either_dialect
        self.check_capitalized = check_capitalized
        self._known: dict[str, bool] = {}

    def unknown(
        self,
        text: str,
        glued: Callable[[int], bool] | None = None,
        two_edit_suggestions: int = 30,
    ) -> list[UnknownWord]:
        """The misspelt words of prose ``text``, with suggestions and other occurrences."""
        skipped: dict[str, bool] = {}
        words = []
        for w in prose_words(text, glued):
            skip = skipped.get(w.word)
            if skip is None:
                skip = skipped[w.word] = self._skipped(w.word)
            if not skip:
                words.append(w)
        uses = Counter(w.word.lower() for w in words)
        flagged: list[ProseWord] = []
        typo: dict[str, bool] = {}  # per spelling of a word: the counts are the draft's
        for w in words:
            if w.hyphen_prefix and w.word.lower() in PREFIXES:
                continue
            if w.compound and self._is_known(w.compound):
                continue  # take-aways, co-operate: known written as one word
            if not self._is_known(w.word):
                if w.word not in typo:
                    typo[w.word] = self._is_typo(w.word, uses)
                if typo[w.word]:
                    flagged.append(w)
        where: dict[str, list[int]] = {}
        for w in words:
            where.setdefault(w.word.lower(), []).append(w.start)
        suggestions: dict[str, tuple[str, ...]] = {}
        found = []
        for w in flagged:
            key = w.word.lower()
            if key not in suggestions:
                two = len(suggestions) < two_edit_suggestions
                suggestions[key] = tuple(
                    _recase(s, w.word) for s in self.lexicon.suggestions(key, two_edits=two)
                )
            others = tuple(o for o in where[key] if o != w.start)
            found.append(UnknownWord(w.start, w.end, w.word, suggestions[key], others))
        return found

    @staticmethod
    def _skipped(word: str) -> bool:
        if len(word) < 3 or not word.isascii() or _ROMAN.fullmatch(word.lower()):
            return True
        letters = word.replace("'", "")
        if letters.isupper():
            return True  # an acronym
        rest = letters[1:]
        return rest != rest.lower()  # PyTorch, DeepMind, iPhone

    def _is_known(self, word: str) -> bool:
        known = self._known.get(word)
        if known is None:
            known = self._decide(word)
            self._known[word] = known
        return known

    def _decide(self, word: str) -> bool:
        if self.accepts(word):
            return True
        lower = word.lower()
        forms = _forms(lower)
        if self.either_dialect:
            forms += [v for f in forms for v in dialect_variants(f)]
        for form in forms:
            if self.accepts(form):
                return True
            if (
                self.lexicon.known(form, self.either_dialect)
                and (self.either_dialect or not self.lexicon.strict_dialect_miss(form))
            ) or form in self.terms:
                return True
            if self._vocabulary_inflection(form):
                return True
        return False

    def _vocabulary_inflection(self, word: str) -> bool:
        for ending, restores in _VOCABULARY_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                stem = word[: -len(ending)]
                # no undoubling of a final consonant: "pretrainning" is not pretrain + ing
                stems = [stem + r for r in restores]
                if any(self.accepts(s) or s in self.terms for s in stems):
                    return True
        return False

    def _is_typo(self, word: str, uses_of: Counter[str]) -> bool:
        """Whether an unknown word is reported: lowercase always, capitalised if near a word."""
        lower = word.lower()
        uses = uses_of[lower]
        rivals = self.lexicon.near(lower, COMMON) if len(lower) >= 3 else []
        if word[:1].islower():
            # A term of the draft, unless it is one letter from a common word: then it is
            # a term only when used often, and more often than that word ("msuite" beside
            # "suite"); "teh" seven times beside a hundred "the" is a habit, not a term.
            if not rivals:
                return uses < MIN_REPEATS
            return uses < MIN_REPEATS_NEAR or uses <= max(uses_of[r] for r in rivals)
        if uses >= MIN_REPEATS and not rivals:
            return False
        # A capitalised slip on a common word is reported however often it is repeated
        # (six "Immitation" headings); names fail the tests below.
        return self.check_capitalized and (
            self._typo_of_common_word(lower) or self._run_together(lower)
        )

    def _run_together(self, word: str) -> bool:
        """``Inthe``, ``Infact``: a short function word glued to a common word."""
        for i in range(2, min(len(word) - 2, 5)):
            if word[:i] in _GLUE_WORDS and self.lexicon.frequent(word[i:]) > COMMON:
                return True
        return False

    def _typo_of_common_word(self, word: str) -> bool:
        """Whether a capitalised ``word`` reads as a slip on a common word, not as a name.

        Names are often one letter from a word (Hutter/butter, Mellor/mellow,
        Zhang/hang), but through a changed first or last letter or an added letter; a
        slip usually drops a letter (Procesing, Patern, Transfomers), swaps two, repeats
        a nearby letter (Immitation, Survery), or changes one inside a long word.
        """
        n = len(word)
        if n < MIN_CAPITAL_TYPO:
            return False
        # Long slips are rarely names, so their word may be rare (asymmetrically).
        least = COMMON if n < 10 else 0
        common = self.lexicon.frequency

        def is_common(candidate: str) -> bool:
            return common.get(candidate, 0) > least

        for i in range(1, n + (n >= 7)):  # a dropped letter, not the first (nor last if short)
            for char in _LETTERS:
                if is_common(word[:i] + char + word[i:]):
                    return True
        if n < 7:
            return False
        for i in range(1, n - 2):  # two letters swapped, not at the ends
            if is_common(word[:i] + word[i + 1] + word[i] + word[i + 2 :]):
                return True
        for i in range(1, n):  # a letter added that is also within three letters
            if word[i] in word[max(0, i - 3) : i] + word[i + 1 : i + 4] and is_common(
                word[:i] + word[i + 1 :]
            ):
                return True
        if n >= 8:
            for i in range(1, n - 1):  # one letter changed inside the word
                for char in _LETTERS:
                    if char != word[i] and is_common(word[:i] + char + word[i + 1 :]):
                        return True
        return False


def _forms(word: str) -> list[str]:
    """``word`` and what it is with a possessive or contraction taken off."""
    forms = [word]
    for ending in _CONTRACTIONS:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            forms.append(word[: -len(ending)])
            break
    return forms


def _recase(suggestion: str, word: str) -> str:
    if word[:1].isupper():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion
