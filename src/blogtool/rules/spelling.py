"""Spelling (BT601), grammar (BT602) and style (BT603) of the prose.

Only prose is checked: code, math, URLs, link targets, HTML, front matter (but for the
values a theme shows, such as the title), comments, special tokens (``[CLS]``), file names
and handles are never read. Words with digits (``GPT-4o``), single letters and everything
in the ML vocabulary (``rules/vocabulary/``) are never reported.

The I/O these rules need (the word list, the vocabulary, the backend in
``[tool.blogtool.spelling]`` and its cache) is the spelling stage's
(:mod:`blogtool.spelling.stage`), which the engine runs before the rules. The rules read
its result from ``ctx.spelling``: they choose what to report and say it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..document import Document
from ..registry import Hit, RuleContext, RuleUnavailable, rule
from ._fixes import grammar_fix


def _candidates(ctx: RuleContext, kind: str) -> tuple[Any, ...]:
    """What the spelling stage found for the rule reading part ``kind`` of its result."""
    part = None if ctx.spelling is None else getattr(ctx.spelling, kind)
    if part is None:
        raise RuleUnavailable("spelling not checked: the spelling stage did not run")
    if part.unavailable:
        raise RuleUnavailable(part.unavailable)
    if part.error is not None:
        raise part.error
    return part.findings


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


def _hits(doc: Document, ctx: RuleContext, kind: str) -> Iterator[Hit]:
    for f in _candidates(ctx, kind):
        if not _reportable(f, ctx, doc):
            continue
        suggestions = ", ".join(s for s in f.suggestions[:3] if s)
        hint = f" (did you mean: {suggestions}?)" if suggestions else ""
        fix = grammar_fix(doc.text, f, ctx.spelling.word_frequency) if kind == "grammar" else None
        yield Hit(f.start, f.end, f"{f.message.rstrip('.')}: {f.word!r}{hint}", fix)


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
    for w in _candidates(ctx, "spelling"):
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

    Only the backend rules in ``GRAMMAR_RULES`` (``blogtool.spelling.grammar``) are run
    (``grammar_rules = [...]`` in ``[tool.blogtool.spelling]`` chooses others): on
    published ML posts nobody tuned it to, 85% of their findings were right
    (``bench/QUALITY-spelling.md``). Findings next to code or math (``Let $x$ denote``),
    a/an before a symbol or an acronym (``an MoE``) and repeated names (``He He``) are
    dropped: the backend cannot see what is there.

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
