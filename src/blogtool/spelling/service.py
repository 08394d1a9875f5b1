"""The spelling service the spelling stage uses: one backend per settings, one cache on disk.

This is the I/O edge of spelling (an embedded library, a LanguageTool server, the cache):
:mod:`blogtool.spelling.stage` asks it for findings before the rules run, and the rules in
``blogtool.rules.spelling`` only read what the stage found.

Prose is checked paragraph by paragraph. Each paragraph's findings are kept in the shared
SQLite cache (:class:`blogtool.net.cache.DiskCache`, namespace ``spelling``), keyed by a
hash of the paragraph, the backend settings and the vocabulary, so a second run over a
draft where one paragraph changed checks one paragraph. Harper's dictionary takes about
half a second to build, so a run whose paragraphs are all cached never builds it at all."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..net.cache import CacheEntry, DiskCache, default_cache_dir
from .backends import BackendUnavailable, Finding
from .dialect import Dialect
from .factory import create_backend
from .vocabulary import Vocabulary, VocabularyError, vocabulary_paths

# A paragraph: from a non-blank character through the following non-blank lines. Starting
# at \S (not at the line start) keeps the scan linear over long runs of blank lines.
_PARAGRAPH = re.compile(r"\S[^\n]*(?:\n[^\S\n]*\S[^\n]*)*")
CACHE_VERSION = "1"
CACHE_NAMESPACE = "spelling"
CACHE_ENTRIES = 100_000  # paragraphs kept: a blog of a thousand long posts
_TRIM_EVERY = 5_000  # new entries between two trims
_RECYCLE_EVERY = 50  # paragraphs per Harper linter


@dataclass(frozen=True)
class SpellingSettings:
    backend: str = "harper"
    dialect: str = "american"
    languagetool_url: str | None = None
    languagetool_dir: str | None = None
    vocabulary_files: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    rules_dirs: tuple[str, ...] = ()
    cache: bool = True
    either_dialect: bool = True
    only_rules: tuple[str, ...] | None = None  # Harper rules to run; None: all
    offline: bool = False  # lint --offline: a LanguageTool server is not contacted

    @classmethod
    def from_options(cls, options: dict[str, Any], rules_dirs: tuple[str, ...]) -> SpellingSettings:
        root = options.get("_root", "")
        return cls(
            backend=str(options.get("backend", "harper")),
            dialect=str(options.get("dialect", "american")),
            languagetool_url=options.get("languagetool_url"),
            languagetool_dir=options.get("languagetool_dir"),
            vocabulary_files=tuple(str(Path(root) / p) for p in options.get("vocabulary", ())),
            words=tuple(str(w) for w in options.get("words", ())),
            rules_dirs=rules_dirs,
            cache=bool(options.get("cache", True)),
            either_dialect=bool(options.get("either_dialect", True)),
        )


class SpellingService:
    def __init__(self, settings: SpellingSettings) -> None:
        self.settings = settings
        try:
            self.dialect = Dialect.parse(settings.dialect)
        except ValueError as exc:
            raise BackendUnavailable(f"[tool.blogtool.spelling] dialect: {exc}") from None
        paths = list(vocabulary_paths(self.dialect, [Path(d) for d in settings.rules_dirs]))
        paths += [Path(p) for p in settings.vocabulary_files]
        try:
            self.vocabulary = Vocabulary.load(paths, settings.words)
        except (VocabularyError, OSError) as exc:
            raise BackendUnavailable(f"spelling vocabulary: {exc}") from None
        self._backend: Any = None
        self._checked = 0
        self._open_cache: tuple[tuple[int, Path], DiskCache] | None = None
        self._stored = 0  # entries this service wrote to the cache
        self._next_trim = 0
        self._fingerprint = self._make_fingerprint(paths)

    def _make_fingerprint(self, paths: list[Any]) -> str:
        digest = hashlib.sha256(CACHE_VERSION.encode())
        digest.update(repr(self.settings).encode())
        for path in paths:
            try:
                digest.update(path.read_bytes())
            except (OSError, AttributeError):
                digest.update(str(path).encode())
        return digest.hexdigest()[:16]

    def backend(self) -> Any:
        if self._backend is None:
            s = self.settings
            self._backend = create_backend(
                s.backend,
                dialect=self.dialect,
                vocabulary=self.vocabulary,
                languagetool_url=s.languagetool_url,
                languagetool_dir=s.languagetool_dir,
                only_rules=None if s.only_rules is None else frozenset(s.only_rules),
                offline=s.offline,
            )
        return self._backend

    def check(
        self,
        prose: str,
        extra_words: list[str],
        needed: Callable[[str], bool] | None = None,
    ) -> list[Finding]:
        """Findings for a Document's prose text; offsets are into ``prose``.

        ``needed(paragraph)`` says whether a paragraph can hold anything the caller reports;
        the others are not checked at all (nor the backend started for them).
        """
        vocabulary = self.vocabulary.extended(extra_words) if extra_words else self.vocabulary
        extra_key = "\x00".join(sorted(extra_words))
        cache = self._cache()
        fresh: list[tuple[str, Any]] = []
        findings: list[Finding] = []
        for m in _PARAGRAPH.finditer(prose):
            chunk = m.group(0)
            if needed is not None and not needed(chunk):
                continue
            digest = hashlib.sha256((extra_key + "\x01" + chunk).encode()).hexdigest()[:24]
            key = f"{self._fingerprint}:{digest}"
            cached = _decode(cache.get(CACHE_NAMESPACE, key, max_age=math.inf)) if cache else None
            if cached is None:
                self._recycle()
                cached = self._other_spellings_accepted(
                    self.backend().check(chunk, vocabulary), vocabulary
                )
                fresh.append((key, _encode(cached)))
            for f in cached:
                findings.append(
                    dataclasses.replace(f, start=f.start + m.start(), end=f.end + m.start())
                )
        if cache and fresh:
            cache.put_many(CACHE_NAMESPACE, fresh)
            self._stored += len(fresh)
            if self._stored >= self._next_trim:
                cache.trim(CACHE_NAMESPACE, CACHE_ENTRIES)
                self._next_trim = self._stored + _TRIM_EVERY
        return findings

    @property
    def warnings(self) -> tuple[str, ...]:
        """Why the cache is off, when it is: worth saying, not worth an exit code."""
        cache = self._open_cache[1] if self._open_cache else None
        return tuple(f"warning: {w}" for w in cache.warnings) if cache else ()

    def _cache(self) -> DiskCache | None:
        """This process's connection to the cache in the current cache directory."""
        if not self.settings.cache:
            return None
        owner = (os.getpid(), default_cache_dir())
        if self._open_cache is None or self._open_cache[0] != owner:
            if self._open_cache is not None and self._open_cache[0][0] == owner[0]:
                self._open_cache[1].close()
            # a connection inherited through fork() belongs to the parent: never reused here
            self._open_cache = (owner, DiskCache.open(owner[1]))
            self._next_trim = self._stored  # once a process, on its first store
        return self._open_cache[1]

    def _recycle(self) -> None:
        """Start a fresh Harper linter every so often.

        Harper keeps per-text caches that grew a process from 170 MB to 290 MB over a
        3,000-line draft; a new linter costs about 10 ms and bounds that at ~215 MB
        (a cold lint of that draft went from 6.2 s and 303 MB to 4.4 s and 228 MB).
        """
        self._checked += 1
        if self.settings.backend == "harper" and self._checked % _RECYCLE_EVERY == 0:
            if self._backend is not None:
                self._backend.close()

    def _other_spellings_accepted(
        self, findings: list[Finding], vocabulary: Vocabulary
    ) -> list[Finding]:
        """Drop spelling findings on a correct British or American form of a word.

        "labelled", "neighbours" and "quantisation" are not typos; a blog mixes both
        spellings. Each flagged word's other-dialect forms are checked with the same
        backend, so only words that are wrong in both dialects remain. Turn this off with
        ``either_dialect = false`` to hold the draft to one dialect.
        """
        if not self.settings.either_dialect:
            return findings
        kept = []
        for f in findings:
            if f.kind == "spelling" and f.word.isalpha() and f.word.islower():
                variants = _dialect_variants(f.word)
                if any(
                    not [g for g in self.backend().check(v, vocabulary) if g.kind == "spelling"]
                    for v in variants
                ):
                    continue
            kept.append(f)
        return kept


# British <-> American spelling patterns: (regex on the flagged word, replacement)
_DIALECT_SWAPS = (
    (re.compile(r"([aeiou][a-z]*[aeiou])ll(ed|ing|er|ers)$"), r"\1l\2"),  # labelled
    (re.compile(r"([aeiou][a-z]*[aeiou])l(ed|ing|er|ers)$"), r"\1ll\2"),  # labeled
    (re.compile(r"our(s|ed|ing|ful|ite|ites|able|hood|hoods)?$"), r"or\1"),  # colour
    (re.compile(r"our(?=[a-z])"), "or"),  # neighbouring
    (re.compile(r"is(e|es|ed|ing|ation|ations|er|ers)$"), r"iz\1"),  # quantisation
    (re.compile(r"iz(e|es|ed|ing|ation|ations|er|ers)$"), r"is\1"),
    (re.compile(r"ys(e|es|ed|ing)$"), r"yz\1"),  # analyse
    (re.compile(r"tre(s)?$"), r"ter\1"),  # centre
    (re.compile(r"ogue(s)?$"), r"og\1"),  # catalogue
    (re.compile(r"ence$"), "ense"),  # defence
    (re.compile(r"^grey"), "gray"),
)


def _encode(findings: list[Finding]) -> list[list[Any]]:
    return [
        [f.start, f.end, f.word, f.kind, f.message, list(f.suggestions), f.backend_rule]
        for f in findings
    ]


def _decode(entry: CacheEntry | None) -> list[Finding] | None:
    """The findings of a cache entry; None when there is none or it is not one of ours."""
    raw = None if entry is None else entry.value
    if not isinstance(raw, list) or not all(_is_cached_finding(item) for item in raw):
        return None  # written by another version, or damaged: check the paragraph again
    return [Finding(*item[:5], tuple(item[5]), item[6]) for item in raw]


def _is_cached_finding(item: object) -> bool:
    return (
        isinstance(item, list)
        and len(item) == 7
        and all(isinstance(x, int) and not isinstance(x, bool) for x in item[:2])
        and all(isinstance(x, str) for x in (*item[2:5], item[6]))
        and isinstance(item[5], list)
        and all(isinstance(x, str) for x in item[5])
    )


def _dialect_variants(word: str) -> list[str]:
    found = []
    for pattern, replacement in _DIALECT_SWAPS:
        variant = pattern.sub(replacement, word, count=1)
        if variant != word:
            found.append(variant)
    return found


@lru_cache(maxsize=8)
def service_for(settings: SpellingSettings) -> SpellingService:
    """One service per settings per process: Harper's dictionary is built once."""
    return SpellingService(settings)
