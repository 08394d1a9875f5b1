"""Spelling (BT601), grammar (BT602) and style (BT603) of the prose.

Only prose is checked: the Document has already blanked code, math, URLs, link targets,
HTML tags, front matter and comments. This module blanks a few more things that are not
words: special tokens (``[CLS]``, ``<|endoftext|>``), file names (``model.py``) and
handles. Words with digits (``GPT-4o``), single letters and everything in the ML
vocabulary (``rules/vocabulary/``) are never reported.

BT601 decides words with a lexicon lookup (``blogtool.spelling.words``), never with the
backend. BT602 checks a/an and repeated words itself (``blogtool.spelling.grammar``) and
asks the backend in ``[tool.blogtool.spelling]`` for the rest, only on the paragraphs where
one of its rules could fire. BT603 (off by default) runs every backend rule.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from ..document import Document
from ..registry import Hit, RuleContext, RuleUnavailable, rule
from ._fixes import grammar_fix

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


def _checked_text(doc: Document) -> str:
    """The prose a grammar check reads: non-words blanked, blank lines made empty."""
    if "spelling-text" not in doc.memo:
        text = _NOT_WORDS.sub(lambda m: _BLANK.sub(" ", m.group(0)), doc.prose_text)
        # A line of nothing but blanks (a masked code line, say) ends a paragraph either
        # way; as newlines it costs the paragraph search linear time, as spaces quadratic.
        doc.memo["spelling-text"] = _BLANK_LINE.sub(lambda m: "\n" * len(m.group(0)), text)
    return doc.memo["spelling-text"]


def _findings(doc: Document, ctx: RuleContext, only_rules: tuple[str, ...] | None) -> list:
    """The backend's findings for the document, computed once per rule selection.

    ``only_rules`` None asks for every rule of the backend (BT603's style opinions).
    """
    options = repr(sorted(ctx.options.items(), key=lambda kv: kv[0]))
    memo_key = ("spelling", options, only_rules)
    if memo_key in doc.memo:
        return doc.memo[memo_key]
    text = _checked_text(doc)
    harper = ctx.options.get("backend", "harper") == "harper"
    trigger = _grammar_trigger(only_rules) if harper and only_rules is not None else None
    if not ctx.options.get("enabled", True) or (trigger is not None and not trigger(text)):
        doc.memo[memo_key] = []  # nothing for the backend to look at: do not start it
        return []
    from ..spelling import BackendUnavailable, parse_words_comment
    from ..spelling.service import SpellingSettings, service_for

    extra: list[str] = []
    for comment in doc.comments:
        words = parse_words_comment(comment.body)
        if words:
            extra.extend(words)
    rules_dirs = tuple(str(p) for p in getattr(ctx.data, "extra_dirs", ()))
    try:
        settings = SpellingSettings.from_options(ctx.options, rules_dirs)
        if settings.backend == "harper":
            settings = dataclasses.replace(settings, only_rules=only_rules)
        service = service_for(settings)
        found = service.check(text, extra, trigger)
    except BackendUnavailable as exc:
        raise RuleUnavailable(f"spelling not checked: {exc}") from None
    if service.warning:
        doc.memo.setdefault("warnings", []).append(service.warning)
    doc.memo[memo_key] = found
    return found


# Harper rules that misfire on ordinary ML prose, found on real drafts:
# ItsContraction on "its mean and variance" (reads "mean" as an adjective), MassNouns on
# "a running maximum" (reads "running" as a noun), ItsPossessive on "It's unlikely it'll".
DEFAULT_DISABLED = ("ItsContraction", "ItsPossessive", "MassNouns")


_ARTICLE_RULES = frozenset({"AnA", "AnAnother", "AnotherAn"})
_REPEAT_RULES = frozenset({"RepeatedWords", "ENGLISH_WORD_REPEAT_RULE"})
_NEXT_WORD = re.compile(r"\s*(\S+)")
_OPENERS = "[(*_\"'\u201c\u2018"


def _grammar_misreads(doc: Document, f) -> bool:
    """Grammar findings that misread what blogtool blanked or what ML prose looks like.

    - a finding with code or math inside (``at $$q$$ at``) or right after it (``Let $x$``),
      or with a symbol after it; repeated initials or names (``He He``);
    - a/an judged against a code span, math, a single letter (``matrices A and B``) or an
      acronym (``an MoE``, read by its letters), whose sound the backend cannot know.
    """
    text = doc.text
    following = _NEXT_WORD.match(text, f.end)
    if following is not None and not doc.is_prose(following.start(1)):
        return True  # "Let $x$ denote", "a `Chain`": the backend saw a blank there
    between = text[f.start : f.end]
    if any(not doc.is_prose(f.start + i) for i, c in enumerate(between) if not c.isspace()):
        return True  # "to `ppo.py` to": code or math inside what the backend saw as words
    if f.backend_rule in _REPEAT_RULES or "repeat" in f.message.lower():
        if re.fullmatch(r"([A-Za-z]\.?)\s+\1", between.strip()):
            return True
        words = between.split()
        if len(words) == 2 and all(w[:1].isupper() for w in words):
            return True  # "Li Li", "He He": a name
    if f.backend_rule in _ARTICLE_RULES:
        if following is not None and not following.group(1).lstrip(_OPENERS)[:1].isalpha():
            return True  # "a \\(n\\) vector": a symbol, not a word, follows
        before = text[: f.start].rstrip()
        nxt = following.group(1) if following else ""
        if text[f.start : f.end] == "A" and (
            before[-1:].isalpha() or before[-1:] in ",(" or nxt.rstrip(",)") in ("and", "or")
        ):
            return True  # "matrices A and B", "responses, A and B": a variable
        if following is None:
            return True
        word = following.group(1).strip(_OPENERS + ")],.;:")
        if len(word) <= 1 or sum(c.isupper() for c in word) >= 2:
            return True
    return False


def _reportable(f, ctx: RuleContext, doc: Document | None = None) -> bool:
    if f.backend_rule in ctx.options.get("disabled_rules", DEFAULT_DISABLED):
        return False
    if f.kind == "grammar" and doc is not None and _grammar_misreads(doc, f):
        return False
    if f.kind != "spelling":
        return True
    word = f.word.strip("'\u2019.")
    if any(ch.isspace() for ch in word):
        return False  # "over states" -> "overstates": a guess about two real words
    if not word.isascii():
        return False  # économique, Černocký: quoted foreign words and names
    if len(word) <= 2:
        return False  # "th" after $k$-th, initials
    # Capitalised unknown words are nearly always names (authors, datasets, companies):
    # the commonest false alarm of a spelling checker on a paper blog.
    return bool(ctx.options.get("check_capitalized", False)) or not word[:1].isupper()


# The Harper rules BT602 reports: those that were right on the tuning half of the
# spelling-quality corpus (bench/QUALITY-spelling.md), and a few classic confusions.
# Others misread ML prose: ToTwoToo, NounVerbConfusion ("we weight the scores"),
# MissingDeterminer, TheirToThere ("to their right"), ThisTypeOfThing.
_COMPARATIVE = (
    r"\b(?:more|less|better|worse|rather|larger|smaller|higher|lower|greater|fewer|faster"
    r"|slower|bigger|longer|shorter|easier|harder|\w+ier)"
)
_BUILT_IN_GRAMMAR = frozenset({"AnA", "RepeatedWords", "ToTo"})
_ALWAYS = ("",)
GRAMMAR_RULES: dict[str, tuple[tuple[str, ...], str]] = {
    # rule: (text one of which a paragraph must hold, pattern it must match), so that a
    # paragraph where the rule cannot fire never reaches Harper. The text is a cheap test
    # (lower case) before the pattern; "" means always run the pattern.
    "AllowTo": (("allow",), r"\ballow(?:s|ed|ing)?\s+to\b"),
    "AnA": ((), ""),  # checked by blogtool.spelling.grammar, without Harper
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
    "RepeatedWords": ((), ""),  # checked by blogtool.spelling.grammar, without Harper
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
    "ToTo": ((), ""),  # a repeated word, checked by blogtool.spelling.grammar
    "WorseOrWorst": (("wors",), r"\b(?:worse|worst)\b"),
}


@lru_cache(maxsize=8)
def _grammar_trigger(rules: tuple[str, ...]) -> Callable[[str], bool] | None:
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


def _grammar_findings(doc: Document, ctx: RuleContext) -> list:
    """BT602's findings: a/an and repeats found here, the other chosen rules by Harper."""
    chosen = tuple(sorted(ctx.options.get("grammar_rules", GRAMMAR_RULES)))
    if ctx.options.get("backend", "harper") != "harper":
        return _findings(doc, ctx, chosen)  # LanguageTool runs its own grammar rules
    if not ctx.options.get("enabled", True):
        return []
    from ..spelling.grammar import article_findings, repeated_word_findings

    text = _checked_text(doc)
    found = []
    if "AnA" in chosen:
        found += article_findings(text)
    if "RepeatedWords" in chosen or "ToTo" in chosen:
        found += repeated_word_findings(text)
    rest = tuple(rule for rule in chosen if rule not in _BUILT_IN_GRAMMAR)
    if rest:
        found += _findings(doc, ctx, rest)
    return found


def _hits(doc: Document, ctx: RuleContext, kind: str) -> Iterator[Hit]:
    found = _grammar_findings(doc, ctx) if kind == "grammar" else _findings(doc, ctx, None)
    for f in found:
        if f.kind != kind or not _reportable(f, ctx, doc):
            continue
        suggestions = ", ".join(s for s in f.suggestions[:3] if s)
        hint = f" (did you mean: {suggestions}?)" if suggestions else ""
        fix = grammar_fix(doc.text, f) if kind == "grammar" else None
        yield Hit(f.start, f.end, f"{f.message.rstrip('.')}: {f.word!r}{hint}", fix)


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


def _with_front_matter_titles(doc: Document, prose: str) -> str:
    """``prose`` with the shown values of the front matter put back, so they are checked."""
    pieces = []
    last = 0
    for region in doc.regions:
        if region.kind != "front_matter":
            continue
        block = doc.text[region.start : region.end]
        for m in _SHOWN_FRONT_MATTER.finditer(block):
            start, end = region.start + m.start(1), region.start + m.end(1)
            pieces.append(prose[last:start])
            pieces.append(doc.text[start:end])
            last = end
    if not pieces:
        return prose
    pieces.append(prose[last:])
    return "".join(pieces)


def _unknown_words(doc: Document, ctx: RuleContext) -> list:
    """BT601's findings: prose words unknown to the lexicon, the vocabulary and the draft."""
    if not ctx.options.get("enabled", True):
        return []
    from ..spelling import parse_words_comment
    from ..spelling.backends import BackendUnavailable
    from ..spelling.lexicon import LexiconUnavailable, load_lexicon
    from ..spelling.service import SpellingSettings, service_for
    from ..spelling.words import WordChecker, document_terms

    extra: list[str] = []
    for comment in doc.comments:
        extra.extend(parse_words_comment(comment.body) or ())
    rules_dirs = tuple(str(p) for p in getattr(ctx.data, "extra_dirs", ()))
    settings = SpellingSettings.from_options(ctx.options, rules_dirs)
    try:
        lexicon = load_lexicon()
        service = service_for(settings)
    except (LexiconUnavailable, BackendUnavailable) as exc:
        raise RuleUnavailable(f"spelling not checked: {exc}") from None
    vocabulary = service.vocabulary.extended(extra) if extra else service.vocabulary
    terms = document_terms(
        doc.text[r.start : r.end] for r in doc.regions if r.kind in _TERM_EVIDENCE
    )
    checker = WordChecker(
        lexicon,
        vocabulary.accepts,
        terms,
        either_dialect=settings.either_dialect,
        check_capitalized=bool(ctx.options.get("check_capitalized", True)),
    )
    text = _with_front_matter_titles(doc, doc.prose_text)
    text = _NOT_WORDS.sub(lambda m: _BLANK.sub(" ", m.group(0)), text)
    # A chunk glued to an HTML tag starts right after a tag's last character or ends right
    # before its first one.
    edges = {r.end - 1 for r in doc.regions if r.kind == "html_tag"}
    edges |= {r.start for r in doc.regions if r.kind == "html_tag"}
    return checker.unknown(text, glued=edges.__contains__)


@rule("BT601", "spelling", "error", config_section="spelling")
def spelling(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A misspelled word in prose: a word of no English or ML dictionary, nor of the draft.

    Each word is looked up in an English word list (with inflections, British and American
    spellings), the ML vocabulary (softmax, RLHF, LLaMA, Mixtral...) and the draft's own
    terms: words it also uses in code, URLs, math or HTML, or three times in its prose.
    Code, math, URLs, HTML, file names, special tokens and words with digits are never
    checked. A capitalised word is taken for a name unless it is one slip from a common
    word (``Procesing``, ``Transfomers``); ``check_capitalized = false`` skips them all. The
    message says where else the draft uses a reported word. Add project words with
    ``[tool.blogtool.spelling] words = [...]`` or a vocabulary file, or in the draft with
    ``<!-- blogtool-words: Shazeer Parmar -->``.

    Bad:

        We recieve a stateof-the-art model atleast twice.

    Good:

        We receive a state-of-the-art model at least twice.
    """
    for w in _unknown_words(doc, ctx):
        hint = f" (did you mean: {', '.join(w.suggestions)}?)" if w.suggestions else ""
        lines = sorted({doc.position(o)[0] for o in w.others} - {doc.position(w.start)[0]})
        also = ""
        if lines:
            shown = ", ".join(str(n) for n in lines[:3]) + (", ..." if len(lines) > 3 else "")
            also = f"; it is also used on line{'s' if len(lines) > 1 else ''} {shown}"
        message = f"unknown word {w.word!r}{hint}{also}; fix it or add it to the vocabulary"
        yield Hit(w.start, w.end, message)


@rule("BT602", "grammar", "warning", config_section="spelling", fix="safe")
def grammar(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """Grammar slips: repeated words, a/an, let's/lets, "allows to", common confusions.

    Only the backend rules in ``GRAMMAR_RULES`` are run (``grammar_rules = [...]`` in
    ``[tool.blogtool.spelling]`` chooses others): on published ML posts nobody tuned it to,
    85% of their findings were right (``bench/QUALITY-spelling.md``). Findings next to
    code or math (``Let $x$ denote``), a/an before a symbol or an acronym (``an MoE``) and
    repeated names (``He He``) are dropped: the backend cannot see what is there.

    Bad:

        We train the the model for a hour, longer then before.

    Good:

        We train the model for an hour, longer than before.
    """
    return _hits(doc, ctx, "grammar")


@rule("BT603", "style", "off", config_section="spelling")
def style(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """Style opinions of the backend (capitalisation, wordiness). Off by default.

    Turn it on with ``[tool.blogtool.rules.BT603] severity = "info"`` or ``--select BT603``.

    Bad:

        We tokenize the text. then we train the model, which is very unique.

    Good:

        We tokenize the text. Then we train the model, which is unusual.
    """
    return _hits(doc, ctx, "style")
