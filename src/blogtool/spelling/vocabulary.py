"""The accept list: words a spelling backend must not flag (ML names, acronyms, jargon).

A vocabulary file has one entry a line; blank lines and lines starting with ``#`` are
skipped. An entry is either

- a word. An all-lowercase entry (``softmax``) accepts the word in any casing
  (``Softmax``, ``SOFTMAX``); an entry with a capital letter (``LLaMA``) accepts exactly
  that spelling, so ``Llama`` or ``LLAMA`` are still checked;
- a regular expression between slashes (``/[A-Za-z]*BERT/``), matched against the whole
  word with :func:`re.fullmatch`, case-sensitively unless it starts with ``(?i)``.

Every entry also accepts its plural (``LLMs``, ``softmaxes``) and possessive (``BERT's``).
The built-in lists live in the top-level ``rules/vocabulary`` folder (installed as
``blogtool._data``); ``rules/vocabulary/README.md`` says where they come from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from blogtool.spelling.dialect import Dialect

__all__ = [
    "Vocabulary",
    "VocabularyError",
    "builtin_vocabulary_paths",
    "parse_words_comment",
    "vocabulary_paths",
]

_BUILTIN_PACKAGE = "blogtool._data"
_BUILTIN_DIR = "vocabulary"
_COMMON_FILES = ("ml.txt", "tech.txt")
# -ise spellings (tokenisation, quantised ...) are accepted only where the dialect uses them.
_DIALECT_FILES: dict[Dialect, tuple[str, ...]] = {
    Dialect.BRITISH: ("ml-ise.txt",),
    Dialect.AUSTRALIAN: ("ml-ise.txt",),
}

_WORDS_COMMENT = re.compile(r"^\s*blogtool-words\s*:(.*)$", re.DOTALL)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})
_ES_PLURAL_STEMS = ("s", "x", "z", "ch", "sh")


class VocabularyError(ValueError):
    """A malformed vocabulary entry or an unreadable vocabulary file, worded for the user."""


@dataclass(frozen=True)
class Vocabulary:
    """Words a backend accepts on top of its own dictionary. Build it with :meth:`load`."""

    exact: frozenset[str] = frozenset()
    folded: frozenset[str] = frozenset()
    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def load(
        cls,
        paths: Sequence[Path | Traversable],
        extra_words: Iterable[str] = (),
        extra_source: str = "words",
    ) -> Vocabulary:
        """Read every file in ``paths`` and add ``extra_words`` (say, from the config).

        Raises :class:`VocabularyError` naming ``file:line`` for a bad entry, and the file
        for one that cannot be read. ``extra_source`` names the extra words in errors.
        """
        vocabulary = cls()
        for path in paths:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise VocabularyError(f"{path}: cannot read vocabulary: {exc}") from None
            vocabulary = vocabulary._with(_parse_lines(text.splitlines(), str(path)))
        return vocabulary.extended(extra_words, source=extra_source)

    def extended(self, entries: Iterable[str], source: str = "words") -> Vocabulary:
        """A copy that also accepts ``entries`` (same syntax as a file line).

        ``source`` is how errors name where the entries came from, e.g. ``draft.md:12``.
        """
        parsed = []
        for entry in entries:
            entry = entry.strip()
            if entry:
                parsed.append(_parse_entry(entry, source))
        return self._with(parsed)

    def accepts(self, word: str) -> bool:
        """Whether ``word`` (one word, as a backend reports it) is in the vocabulary."""
        word = word.strip().translate(_APOSTROPHES)
        if not word:
            return False
        return any(self._accepts_form(form) for form in _forms(word))

    def literal_words(self) -> list[str]:
        """The plain-word entries, sorted: what a backend with a user dictionary can import."""
        return sorted(self.exact | self.folded)

    def __len__(self) -> int:
        return len(self.exact) + len(self.folded) + len(self.patterns)

    def _accepts_form(self, form: str) -> bool:
        if form in self.exact or form.casefold() in self.folded:
            return True
        return any(pattern.fullmatch(form) for pattern in self.patterns)

    def _with(self, entries: Iterable[str | re.Pattern[str]]) -> Vocabulary:
        exact, folded, patterns = set(self.exact), set(self.folded), list(self.patterns)
        for entry in entries:
            if isinstance(entry, re.Pattern):
                patterns.append(entry)
            elif entry == entry.lower():
                folded.add(entry.casefold())
            else:
                exact.add(entry)
        return Vocabulary(frozenset(exact), frozenset(folded), tuple(patterns))


def parse_words_comment(body: str) -> list[str] | None:
    """The entries of an in-draft ``<!-- blogtool-words: foo bar -->`` comment.

    ``body`` is the comment's inside (the ``<!--``/``-->`` may be left on). Entries are
    separated by whitespace or commas; a ``/regex/`` entry is kept whole. Returns ``None``
    when the comment is not a ``blogtool-words`` comment. Validate the entries by passing
    them to :meth:`Vocabulary.extended` with the comment's ``path:line`` as source.
    """
    body = body.strip()
    body = body.removeprefix("<!--").removesuffix("-->")
    match = _WORDS_COMMENT.match(body)
    if match is None:
        return None
    entries: list[str] = []
    for token in match.group(1).split():
        if _is_regex(token):
            entries.append(token)
        else:
            entries.extend(part for part in token.split(",") if part)
    return entries


def builtin_vocabulary_paths(dialect: Dialect = Dialect.AMERICAN) -> list[Traversable]:
    """The built-in files for ``dialect``: ``ml.txt``, ``tech.txt`` and the dialect's extras."""
    folder = resources.files(_BUILTIN_PACKAGE).joinpath(_BUILTIN_DIR)
    names = (*_COMMON_FILES, *_DIALECT_FILES.get(dialect, ()))
    paths = [folder.joinpath(name) for name in names]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise VocabularyError(
            f"built-in vocabulary missing ({', '.join(missing)}): blogtool is not fully installed"
        )
    return paths


def vocabulary_paths(
    dialect: Dialect = Dialect.AMERICAN, rules_dirs: Sequence[Path] = ()
) -> list[Path | Traversable]:
    """Built-in files, then same-named files under ``<rules dir>/vocabulary/``.

    This follows the ``rules_dirs`` convention of :mod:`blogtool.ruledata`: a project's
    ``my-rules/vocabulary/ml.txt`` extends the built-in ``ml.txt``.
    """
    builtin = builtin_vocabulary_paths(dialect)
    found: list[Path | Traversable] = list(builtin)
    for directory in rules_dirs:
        for path in builtin:
            candidate = directory / _BUILTIN_DIR / path.name
            if candidate.is_file():
                found.append(candidate)
    return found


def _parse_lines(lines: Iterable[str], origin: str) -> list[str | re.Pattern[str]]:
    parsed: list[str | re.Pattern[str]] = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            parsed.append(_parse_entry(line, f"{origin}:{number}"))
    return parsed


def _parse_entry(entry: str, where: str) -> str | re.Pattern[str]:
    if _is_regex(entry):
        source = entry[1:-1]
        if not source:
            raise VocabularyError(f"{where}: empty regular expression {entry!r}")
        try:
            return re.compile(source)
        except re.error as exc:
            raise VocabularyError(f"{where}: invalid regular expression {entry}: {exc}") from None
    if entry.startswith("/"):
        raise VocabularyError(
            f"{where}: {entry!r} starts with '/' but does not end with one; "
            "write a regular expression as /pattern/"
        )
    if any(char.isspace() for char in entry):
        raise VocabularyError(f"{where}: {entry!r}: one word per entry (spaces found)")
    return entry.translate(_APOSTROPHES)


def _is_regex(entry: str) -> bool:
    return len(entry) >= 2 and entry.startswith("/") and entry.endswith("/")


def _forms(word: str) -> list[str]:
    """``word`` and the stems it may be an inflection of (plural, possessive)."""
    forms = [word]
    for suffix in ("'s", "'"):
        if word.endswith(suffix) and len(word) > len(suffix):
            word = word[: -len(suffix)]
            forms.append(word)
            break
    if len(word) > 2 and word.endswith("s"):
        forms.append(word[:-1])
        if word.endswith("es") and word[:-2].endswith(_ES_PLURAL_STEMS):
            forms.append(word[:-2])
    return forms
