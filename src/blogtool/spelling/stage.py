"""The spelling stage: what BT601, BT602 and BT603 report on, found before the rules run.

The engine calls :func:`check_spelling` once per Document when one of those rules is
active. The stage does the I/O they need (the English word list, the vocabulary files, the
backend and the paragraph cache, through :mod:`blogtool.spelling.service`) and returns a
frozen :class:`SpellingResult`: for each rule asked for, its candidates as offsets into
``doc.text``, or why it could not be checked; and the warnings for the user. The rules in
:mod:`blogtool.rules.spelling` only read it, to choose what to report and how to say it.

Only prose is checked: the Document has already blanked code, math, URLs, link targets,
HTML tags, front matter and comments. The stage blanks a few more things that are not
words: special tokens (``[CLS]``, ``<|endoftext|>``), file names (``model.py``) and
handles. BT601's words are decided with a lexicon lookup (:mod:`blogtool.spelling.words`),
never with the backend. BT602's a/an and repeated words are found without the backend
(:mod:`blogtool.spelling.grammar`), which is asked only about the paragraphs where one of
its chosen rules could fire. BT603 asks the backend for everything.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..document import Document
    from .backends import Finding
    from .service import SpellingService
    from .words import UnknownWord

__all__ = ["RULE_KINDS", "SpellingPart", "SpellingResult", "check_spelling"]

# The rules the stage works for, and the part of the result each one reads.
RULE_KINDS: Mapping[str, str] = {"BT601": "spelling", "BT602": "grammar", "BT603": "style"}


@dataclass(frozen=True)
class SpellingPart:
    """What one rule may report, or why it cannot report anything."""

    findings: tuple[Any, ...] = ()  # UnknownWord for BT601, backend Finding for BT602/BT603
    unavailable: str | None = None  # a word list or backend is missing: one line for the user
    error: Exception | None = None  # the check failed unexpectedly: the rule's own crash


@dataclass(frozen=True)
class SpellingResult:
    """The stage's answers for one Document; a part is None when its rule did not ask."""

    spelling: SpellingPart | None = None
    grammar: SpellingPart | None = None
    style: SpellingPart | None = None
    warnings: tuple[str, ...] = ()  # worth saying (the cache is off), not worth an exit code
    # how common each English word is (the lexicon's counts), when a BT602 a/an candidate
    # may need it for its fix; None when there is none or the word list cannot be read
    word_frequency: Mapping[str, int] | None = None


def check_spelling(
    doc: Document,
    options: Mapping[str, Any],
    rules_dirs: Collection[str],
    kinds: Collection[str],
    offline: bool = False,
) -> SpellingResult:
    """The parts ``kinds`` (values of :data:`RULE_KINDS`) of the spelling result for ``doc``.

    ``options`` is the ``[tool.blogtool.spelling]`` table as the spelling rules see it and
    ``rules_dirs`` the project's rule-data folders (where vocabulary files are looked for).
    Never raises for a missing backend or a failing check: the part says so instead.
    With ``offline`` no backend contacts a server (lint --offline).
    """
    run = _Run(doc, options, tuple(str(d) for d in rules_dirs), offline)
    parts = {kind: run.part(kind) for kind in ("spelling", "grammar", "style") if kind in kinds}
    return SpellingResult(**parts, warnings=run.warnings(), word_frequency=run.word_frequency)


_LONGEST_WORD = 64
_NOT_WORDS = re.compile(
    r"\[[A-Z][A-Z0-9_]{1,15}\]"  # special tokens such as [CLS] and [MASK]
    r"|<\|[^|\n]{1,40}\|>"  # <|endoftext|>
    r"|\b[\w-]{1,80}\.(?:py|md|json|ya?ml|txt|csv|ipynb|sh|js|ts|toml|png|jpe?g|gif|svg"
    r"|pdf|html?|cfg|ini|pt|bin|safetensors)\b"  # file names
    r"|(?<!\w)@[\w-]{1,40}"  # handles
    # No word is this long, and the backends take time quadratic in a token's length (Harper
    # aborted the process on a 100,000-letter "word") or in a run of tokens without letters.
    rf"|(?<!\S)\S{{{_LONGEST_WORD + 1},}}"
    r"|(?<!\S)(?:[^\w\s]+\s+){5,}[^\w\s]+(?!\S)"
)
_BLANK = re.compile(r"[^\n]")
_BLANK_LINE = re.compile(r"^[^\S\n]+$", re.M)

# Where a draft names its terms: a word used here is not a typo in the prose.
_TERM_EVIDENCE = frozenset(
    {
        "code_fence",
        "code_indent",
        "code_inline",
        "math_block",
        "math_inline",
        "html_tag",
        "html_raw",
        "link_target",
        "url",
        "ref_definition",
        "liquid",
    }
)

# Front matter values that a blog theme shows as text: the title, the description, the
# names of a table of contents.
_SHOWN_FRONT_MATTER = re.compile(
    r"^[ \t]*(?:-[ \t]*)?(?:title|subtitle|description|summary|name)[ \t]*:[ \t]*(\S[^\n]*)$",
    re.M,
)


def _blank_non_words(text: str) -> str:
    return _NOT_WORDS.sub(lambda m: _BLANK.sub(" ", m.group(0)), text)


def _shown_front_matter(doc: Document) -> Iterator[tuple[int, int]]:
    for region in doc.regions:
        if region.kind != "front_matter":
            continue
        block = doc.text[region.start : region.end]
        for m in _SHOWN_FRONT_MATTER.finditer(block):
            yield region.start + m.start(1), region.start + m.end(1)


def _with_front_matter_titles(doc: Document, prose: str) -> str:
    """``prose`` with the shown values of the front matter put back, so they are checked."""
    pieces = []
    last = 0
    for start, end in _shown_front_matter(doc):
        pieces.append(prose[last:start])
        pieces.append(doc.text[start:end])
        last = end
    if not pieces:
        return prose
    pieces.append(prose[last:])
    return "".join(pieces)


def _word_frequency() -> Mapping[str, int] | None:
    from .lexicon import LexiconUnavailable, load_lexicon

    try:
        return load_lexicon().frequency
    except LexiconUnavailable:
        return None  # BT601 says the word list is missing; an a/an fix is only not offered


class _Run:
    """One Document's trip through the stage; backend answers are shared between parts."""

    def __init__(
        self,
        doc: Document,
        options: Mapping[str, Any],
        rules_dirs: tuple[str, ...],
        offline: bool = False,
    ):
        self.doc = doc
        self.offline = offline
        self.options = dict(options)
        self.rules_dirs = rules_dirs
        self.enabled = bool(self.options.get("enabled", True))
        self.harper = self.options.get("backend", "harper") == "harper"
        self._text: str | None = None
        self._extra: list[str] | None = None
        self._asked: dict[tuple[str, ...] | None, list[Finding]] = {}
        self._services: list[SpellingService] = []
        self.word_frequency: Mapping[str, int] | None = None

    def part(self, kind: str) -> SpellingPart:
        from .backends import BackendUnavailable
        from .lexicon import LexiconUnavailable

        find = {"spelling": self._unknown_words, "grammar": self._grammar, "style": self._style}
        try:
            return SpellingPart(tuple(find[kind]()))
        except (BackendUnavailable, LexiconUnavailable) as exc:
            return SpellingPart(unavailable=f"spelling not checked: {exc}")
        except Exception as exc:  # noqa: BLE001 - the rule reports it as its own crash
            return SpellingPart(error=exc)

    def warnings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for s in self._services for w in s.warnings))

    @property
    def checked_text(self) -> str:
        """The prose a grammar check reads: non-words blanked, blank lines made empty."""
        if self._text is None:
            text = _blank_non_words(self.doc.prose_text)
            # A line of nothing but blanks (a masked code line, say) ends a paragraph either
            # way; as newlines it costs the paragraph search linear time, as spaces quadratic.
            self._text = _BLANK_LINE.sub(lambda m: "\n" * len(m.group(0)), text)
        return self._text

    @property
    def extra_words(self) -> list[str]:
        """Words the draft declares in ``<!-- blogtool-words: ... -->`` comments."""
        if self._extra is None:
            from .vocabulary import parse_words_comment

            self._extra = []
            for comment in self.doc.comments:
                self._extra.extend(parse_words_comment(comment.body) or ())
        return self._extra

    def _service(self, only_rules: tuple[str, ...] | None = None) -> SpellingService:
        from .service import SpellingSettings, service_for

        settings = SpellingSettings.from_options(self.options, self.rules_dirs)
        settings = dataclasses.replace(settings, offline=self.offline)
        if settings.backend == "harper":
            settings = dataclasses.replace(settings, only_rules=only_rules)
        return service_for(settings)

    def _backend_findings(self, only_rules: tuple[str, ...] | None) -> list[Finding]:
        """The backend's findings for the prose; ``only_rules`` None asks for every rule."""
        if not self.harper:
            only_rules = None  # LanguageTool runs its own selection: one answer for both
        if only_rules in self._asked:
            return self._asked[only_rules]
        from .grammar import grammar_trigger

        text = self.checked_text
        trigger = None if only_rules is None else grammar_trigger(only_rules)
        found: list[Finding] = []
        # nothing for the backend to look at: do not start it
        if self.enabled and (trigger is None or trigger(text)):
            service = self._service(only_rules)
            found = service.check(text, self.extra_words, trigger)
            self._services.append(service)
        self._asked[only_rules] = found
        return found

    def _style(self) -> list[Finding]:
        return [f for f in self._backend_findings(None) if f.kind == "style"]

    def _grammar(self) -> list[Finding]:
        """BT602's candidates: a/an and repeats found here, the other chosen rules by Harper."""
        from .grammar import (
            BUILT_IN_GRAMMAR,
            GRAMMAR_RULES,
            article_findings,
            repeated_word_findings,
        )

        chosen = tuple(sorted(self.options.get("grammar_rules", GRAMMAR_RULES)))
        if not self.harper:  # LanguageTool runs its own grammar rules
            return [f for f in self._backend_findings(chosen) if f.kind == "grammar"]
        if not self.enabled:
            return []
        text = self.checked_text
        found: list[Finding] = []
        if "AnA" in chosen:
            found += article_findings(text)
        if "RepeatedWords" in chosen or "ToTo" in chosen:
            found += repeated_word_findings(text)
        rest = tuple(rule for rule in chosen if rule not in BUILT_IN_GRAMMAR)
        if rest:
            found += self._backend_findings(rest)
        if any(f.backend_rule == "AnA" for f in found):
            self.word_frequency = _word_frequency()
        return [f for f in found if f.kind == "grammar"]

    def _unknown_words(self) -> list[UnknownWord]:
        """BT601's candidates: prose words unknown to the lexicon, the vocabulary and the draft."""
        if not self.enabled:
            return []
        from .lexicon import load_lexicon
        from .words import WordChecker, document_terms

        doc = self.doc
        lexicon = load_lexicon()
        service = self._service()
        extra = self.extra_words
        vocabulary = service.vocabulary.extended(extra) if extra else service.vocabulary
        terms = document_terms(
            doc.text[r.start : r.end] for r in doc.regions if r.kind in _TERM_EVIDENCE
        )
        checker = WordChecker(
            lexicon,
            vocabulary.accepts,
            terms,
            either_dialect=service.settings.either_dialect,
            check_capitalized=bool(self.options.get("check_capitalized", True)),
        )
        text = _blank_non_words(_with_front_matter_titles(doc, doc.prose_text))
        # A chunk glued to an HTML tag starts right after a tag's last character or ends right
        # before its first one.
        edges = {r.end - 1 for r in doc.regions if r.kind == "html_tag"}
        edges |= {r.start for r in doc.regions if r.kind == "html_tag"}
        glued: Callable[[int], bool] = edges.__contains__
        return checker.unknown(text, glued=glued)
