"""The English lexicon BT601 decides known words with: a set lookup, no spelling engine.

The words and their frequencies come from pyspellchecker's English list (160,000 words
with their inflections, MIT-licensed, 650 KB compressed, read in about 0.1 s). It was
chosen over the alternatives by measuring them on the tuning half of the spelling-quality
corpus (``bench/QUALITY-spelling.md``): it left fewer ordinary words unknown than
flake8-spellcheck's SCOWL list or Harper's dictionary, and unlike wordfreq's web list it
holds almost no common misspellings (265 of codespell's 65,000 known misspellings, against
4,775 in wordfreq's list). Its spellings are mostly American; British forms are accepted
through :func:`dialect_variants` (``colour`` -> ``color``).

A word is known when the lexicon holds it, or one of its other-dialect spellings, or it
is a prefix glued to a known word (``misconfigure``, ``nonsymmetric``), or a known word
with ``-wise``/``-like``/``-ly``/``-ness`` (``channelwise``). Inflections of the ML
vocabulary are handled by :mod:`blogtool.spelling.words`, which knows the vocabulary.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import marshal
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

__all__ = ["Lexicon", "LexiconUnavailable", "dialect_variants", "load_lexicon"]

ALPHABET = "abcdefghijklmnopqrstuvwxyz"
# Glued prefixes of technical English; the rest of the word must be known and at least
# four letters long, so a typo such as "unkown" is not explained away as "un" + "kown".
PREFIXES = (
    "anti", "auto", "bi", "co", "counter", "cross", "de", "dis", "down", "hyper", "inter",
    "intra", "macro", "meta", "micro", "mini", "mis", "multi", "non", "out", "over", "post",
    "pre", "pseudo", "quasi", "re", "self", "semi", "sub", "super", "tri", "ultra", "un",
    "under", "uni", "up",
)  # fmt: skip
_SUFFIXES = ("wise", "like", "ness", "ly")
# Derived forms a word list leaves out for rarer words: (ending, what the base ends with).
# -ing and -ed are absent on purpose: "begining" would pass as begin + ing.
_DERIVATIONS = (
    ("ies", ("y",)),
    ("es", ("",)),
    ("s", ("",)),
    ("ability", ("able",)),
    ("ibility", ("ible",)),
    ("ality", ("al",)),
    ("arity", ("ar", "ary")),
    ("ization", ("", "ize")),
    ("izations", ("", "ize")),
    ("ized", ("",)),
    ("izes", ("",)),
    ("izing", ("",)),
    ("ize", ("",)),
)
# A word that a rule above explains but that is one letter from a word at least this
# common is taken for that word misspelt: "interwining" is not inter + wining.
RULE_NEAR_FREQUENCY = 1000

# British <-> American spelling patterns: (regex on the word, replacement).
_DIALECT_SWAPS = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"([aeiou][a-z]*[aeiou])ll(ed|ing|er|ers)$", r"\1l\2"),  # labelled
        (r"([aeiou][a-z]*[aeiou])l(ed|ing|er|ers)$", r"\1ll\2"),  # labeled
        (r"our(s|ed|ing|ful|ite|ites|able|hood|hoods|ism)?$", r"or\1"),  # colour
        (r"our(?=[a-z])", "or"),  # neighbouring
        (r"is(e|es|ed|ing|ation|ations|er|ers|able|ability)$", r"iz\1"),  # minimiser
        (r"iz(e|es|ed|ing|ation|ations|er|ers|able|ability)$", r"is\1"),
        (r"ys(e|es|ed|ing|er|ers)$", r"yz\1"),  # analyse
        (r"tre(s|d)?$", r"ter\1"),  # centre
        (r"([bg])re(s)?$", r"\1er\2"),  # fibre, meagre
        (r"ogue(s)?$", r"og\1"),  # catalogue
        (r"ence$", "ense"),  # defence
        (r"^grey", "gray"),
        (r"isation", "ization"),  # regularisations, parameterisation-based
        (r"ae(?=[a-z]{3})", "e"),  # anaesthesia, archaeology
        (r"oe(?=[a-z]{3})", "e"),  # oesophagus, manoeuvre
    )
)


class LexiconUnavailable(RuntimeError):
    """The word list cannot be read; the message is one line for the user."""


def dialect_variants(word: str) -> list[str]:
    """The other-dialect spellings ``word`` may be (lowercase in, lowercase out)."""
    found = []
    for pattern, replacement in _DIALECT_SWAPS:
        variant = pattern.sub(replacement, word, count=1)
        if variant != word and variant not in found:
            found.append(variant)
    return found


_MEMO_LIMIT = 100_000  # remembered answers per process (a few MB)


@dataclass(frozen=True)
class Lexicon:
    """Lowercase English words and how often each is used (a larger count: more common)."""

    frequency: dict[str, int]
    # Answers already worked out: the lexicon lives as long as the process (load_lexicon),
    # so a language server or a watch asks about each word of a draft once, not per edit.
    _memo: dict[tuple, object] = field(default_factory=dict, compare=False, repr=False)

    def _remembered(self, key: tuple, work):  # noqa: ANN001, ANN202 - any pure answer
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()  # a bound, not an LRU: refilling is cheap
            found = self._memo[key] = work()
        return found

    def __contains__(self, word: str) -> bool:
        return word in self.frequency

    def known(self, word: str, either_dialect: bool = True) -> bool:
        """Whether ``word`` (lowercase, letters and apostrophes) is English."""
        if word in self.frequency:
            return True
        return self._remembered(
            ("known", word, either_dialect), lambda: self._known(word, either_dialect)
        )

    def _known(self, word: str, either_dialect: bool) -> bool:
        if either_dialect and any(v in self.frequency for v in dialect_variants(word)):
            return True
        explained = (
            self._prefixed(word, either_dialect)
            or self._suffixed(word, either_dialect)
            or self._derived(word)
        )
        if not explained:
            return False
        # the stem itself is one letter away from a plural: that is no rival
        rivals = [c for c in self.near(word, RULE_NEAR_FREQUENCY) if not word.startswith(c)]
        return not rivals

    def strict_dialect_miss(self, word: str) -> str | None:
        """For a one-dialect draft: the American spelling of a British ``word``, if it is one."""
        for variant in dialect_variants(word):
            if variant in self.frequency and _is_british_to_american(word, variant):
                return variant
        return None

    def _prefixed(self, word: str, either_dialect: bool) -> bool:
        for prefix in PREFIXES:
            rest = word[len(prefix) :]
            if word.startswith(prefix) and len(rest) >= 4:
                rest = rest.removeprefix("-")
                if rest in self.frequency or (
                    either_dialect and any(v in self.frequency for v in dialect_variants(rest))
                ):
                    return True
        return False

    def _suffixed(self, word: str, either_dialect: bool) -> bool:
        for suffix in _SUFFIXES:
            stem = word[: -len(suffix)]
            if word.endswith(suffix) and len(stem) >= 4:
                if stem in self.frequency or self._prefixed(stem, either_dialect):
                    return True
        return False

    def _derived(self, word: str) -> bool:
        for ending, bases in _DERIVATIONS:
            stem = word[: -len(ending)]
            if word.endswith(ending) and len(stem) >= 4 and not stem.endswith("s"):
                if any(stem + base in self.frequency for base in bases):
                    return True
        return False

    def frequent(self, word: str) -> int:
        return self.frequency.get(word, 0)

    def edits1(self, word: str) -> Iterable[str]:
        """Every string one deletion, transposition, replacement or insertion from ``word``."""
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        for left, right in splits:
            if right:
                yield left + right[1:]
                if len(right) > 1:
                    yield left + right[1] + right[0] + right[2:]
                for char in ALPHABET:
                    yield left + char + right[1:]
            for char in ALPHABET:
                yield left + char + right

    def near(self, word: str, min_frequency: int = 0) -> list[str]:
        """Known words one edit from ``word`` (lowercase), the most common first."""
        found = {c for c in self.edits1(word) if self.frequency.get(c, 0) > min_frequency}
        return sorted(found, key=lambda c: (-self.frequency[c], c))

    def suggestions(self, word: str, limit: int = 3, two_edits: bool = True) -> list[str]:
        """Likely intended words for an unknown lowercase ``word``: one edit, else two."""
        key = ("suggestions", word, limit, two_edits)
        return list(self._remembered(key, lambda: self._suggestions(word, limit, two_edits)))

    def _suggestions(self, word: str, limit: int, two_edits: bool) -> list[str]:
        found = self.near(word)
        if not found and two_edits and len(word) <= 12:
            seen: dict[str, int] = {}
            for first in set(self.edits1(word)):
                for second in self.edits1(first):
                    count = self.frequency.get(second)
                    if count is not None:
                        seen[second] = count
            found = sorted(seen, key=lambda c: (-seen[c], c))
        return found[:limit]


def _is_british_to_american(british: str, american: str) -> bool:
    # The swaps run both ways; only a British -> American one marks a British spelling.
    return (
        ("our" in british and "or" in american and "our" not in american)
        or ("is" in british and "iz" in american and british.replace("is", "iz") == american)
        or ("ys" in british and british.replace("ys", "yz") == american)
        or (british.endswith(("tre", "tres", "tred")))
        or (british.endswith(("ogue", "ogues")))
        or (british.endswith("ence") and american.endswith("ense"))
        or (british.startswith("grey"))
        or ("ll" in british and len(american) == len(british) - 1)
    )


_RESOURCE_PACKAGE = "spellchecker"
_RESOURCE_PATH = "resources/en.json.gz"


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The English lexicon, read once per process.

    The word list ships as compressed JSON (0.07 s to decode); a marshal copy in the cache
    directory, named by a hash of the list, reads in a third of that. A missing, damaged
    or unwritable copy only costs that time. Raises :class:`LexiconUnavailable` with one
    line for the user when pyspellchecker is missing or its word list is damaged.
    """
    try:
        data = resources.files(_RESOURCE_PACKAGE).joinpath(_RESOURCE_PATH).read_bytes()
    except ModuleNotFoundError:
        raise LexiconUnavailable(
            "the English word list is missing: install pyspellchecker "
            "(`pip install pyspellchecker`), which blogtool depends on"
        ) from None
    except OSError as exc:
        raise LexiconUnavailable(f"the English word list cannot be read ({exc})") from None
    copy = _copy_path(hashlib.sha256(data).hexdigest()[:16])
    words = _read_copy(copy)
    if words is None:
        try:
            words = json.loads(gzip.decompress(data))
        except (ValueError, EOFError, gzip.BadGzipFile, OSError) as exc:
            raise LexiconUnavailable(f"the English word list cannot be read ({exc})") from None
        if not isinstance(words, dict) or not words:
            raise LexiconUnavailable("the English word list is empty or not a word list")
        _write_copy(copy, words)
    return Lexicon(words)


def _copy_path(digest: str) -> Path | None:
    try:
        from ..net.cache import default_cache_dir

        return default_cache_dir() / "lexicon" / f"en-{digest}.marshal"
    except (OSError, RuntimeError):  # no home directory to put a cache in
        return None


def _read_copy(path: Path | None) -> dict[str, int] | None:
    if path is None:
        return None
    try:
        words = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(words, dict) or not words:
        return None
    return words


def _write_copy(path: Path | None, words: dict[str, int]) -> None:
    if path is None:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps(words))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
