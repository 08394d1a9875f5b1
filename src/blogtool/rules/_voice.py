"""The shape of an assistant's answer (BT106): narration of what it will do for the
asker, closing offers, and answer headings pasted as an extra H1.

The vocabulary is ``rules/assistant_voice.toml``; this module only knows the shapes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..document import Document
from ._text import WORD_START, Sentence, phrases

ORIGIN = "assistant_voice.toml"
NARRATION = "narration"
OFFER = "offer"

_ME_TO = re.compile(r"\bme\s+to\b", re.I)
_QUESTION_END = re.compile(r"\?[\"'”’)\]*_]*\s*$")
_QUOTE_MARKS = re.compile(r"[\"“”«»]|(?<!\w)['‘]|['’](?!\w)")


@dataclass(frozen=True)
class Voice:
    """The patterns of ``assistant_voice.toml``, compiled once per document."""

    narration: re.Pattern[str]  # frame, fillers, verb
    strong: re.Pattern[str]  # strong frame, fillers, verb
    asker: re.Pattern[str]
    asker_alone: re.Pattern[str]
    parts: re.Pattern[str]
    reader: re.Pattern[str]
    offers: re.Pattern[str]
    check_in: re.Pattern[str]  # a whole question: "Does that help?"
    you: re.Pattern[str]
    wants: re.Pattern[str]
    depth: re.Pattern[str]
    opener: re.Pattern[str]
    thing_offer: re.Pattern[str]
    heading: re.Pattern[str]
    paper_words: re.Pattern[str]
    opening: re.Pattern[str]  # "Certainly! Below is"
    hope: re.Pattern[str]


def load_voice(data: Any) -> Voice:
    table = data.table("assistant_voice")

    def alt(key: str) -> str:
        return phrases(table, key, ORIGIN)

    def fast(key: str, then: str = "") -> re.Pattern[str]:
        """A list whose match starts a word, and what must follow it (see phrases)."""
        head = phrases(table, key, ORIGIN, word_start=True)
        return re.compile(f"(?P<head>{head})(?i:{then})")

    def word(source: str) -> re.Pattern[str]:
        return re.compile(WORD_START + source, re.I)

    filler = rf"(?:\s+{alt('fillers')}){{0,3}}"
    verb = rf"\s+{alt('verbs')}"
    return Voice(
        narration=fast("frames", filler + verb),
        strong=fast("strong_frames", filler + verb),
        asker=fast("asker"),
        asker_alone=fast("asker_alone"),
        parts=fast("document_parts"),
        reader=fast("reader_frames"),
        offers=fast("offers"),
        check_in=re.compile(rf"{alt('check_ins')}\s*\?+[\"'”’)*_]*\s*", re.I),
        you=word(r"you(?:'d|’d|'re|’re)?(?!\w)"),
        wants=fast("wants"),
        depth=fast("depth"),
        opener=re.compile(alt("offer_openers") + r"(?!\w)", re.I),
        thing_offer=word(
            r"would\s+(?:(?:an?|some|more|another|a\s+few)\s+)?(?:[\w-]+\s+){0,3}?"
            + alt("offer_things")
            + r"(?:\s+[^\s?]+){0,8}?\s+help(?:\s+you)?\s*\?"
        ),
        heading=re.compile(
            rf"\W*(?:{alt('heading_modifiers')}\s+){{0,3}}"
            rf"(?:(?P<answer>{alt('answer_heading_nouns')})|{alt('heading_nouns')})"
            r"(?P<rest>(?:\s*[:\-–—]|\s+(?:of|on|for|from|to|into|about|in)(?!\w)).*)",
            re.I | re.S,
        ),
        paper_words=fast("heading_documents"),
        opening=fast(
            "interjections",
            rf"[ \t]*!+\s+{alt('after_interjection')}|[ \t]*,\s+{alt('frames')}{filler}{verb}",
        ),
        hope=fast("hopes"),
    )


def asker_spans(
    prose: str, sentences: Sequence[Sentence], voice: Voice
) -> Iterator[tuple[int, int, str, Sentence]]:
    """Sentences that narrate for, or offer more to, the person who asked: at most one
    span a sentence, in order, with its sentence. Each pattern runs once over the whole
    prose."""
    starts = [s.start for s in sentences]

    def owner(offset: int) -> int | None:
        i = bisect_right(starts, offset) - 1
        return i if i >= 0 and offset < sentences[i].end else None

    found: dict[int, tuple[int, int, str]] = {}
    for pattern in (voice.asker_alone, voice.strong, voice.hope):
        for m in pattern.finditer(prose):
            i = owner(m.start())
            if i is not None and i not in found:
                found[i] = (m.start(), m.end(), NARRATION)
    last: dict[tuple[int, str], int] = {}

    def last_start(i: int, pattern: re.Pattern[str]) -> int:
        """Where the last match of a pattern in sentence i starts (-1: none); once."""
        key = (i, pattern.pattern)
        if key not in last:
            starts = [
                m.start() for m in pattern.finditer(prose, sentences[i].start, sentences[i].end)
            ]
            last[key] = starts[-1] if starts else -1
        return last[key]

    for m in voice.narration.finditer(prose):
        i = owner(m.start())
        if i is None or i in found:
            continue
        lets = m.group("head")[:3].lower() in ("let", "all")  # let me, allow me to
        if last_start(i, voice.asker) >= m.start() or (
            lets and last_start(i, voice.parts) >= m.end()
        ):
            found[i] = (m.start(), m.end(), NARRATION)
    for m in voice.offers.finditer(prose):
        i = owner(m.start())
        if i is not None and i not in found and _ME_TO.search(m.group(0)):
            found[i] = (m.start(), m.end(), OFFER)  # "If you want me to elaborate, ask"
    for i, sentence in enumerate(sentences):
        if i in found:
            continue
        s, e = sentence.start, sentence.end
        if (
            _QUESTION_END.search(prose, max(s, e - 8), e)
            or prose[s : s + 11].lower() == "let me know"
        ):
            offer = _offer(prose[s:e], sentence, voice)
            if offer:
                found[i] = offer
    for i in sorted(found):
        sentence = sentences[i]
        if voice.reader.search(prose, sentence.start, sentence.end):
            continue  # the author speaking of their own post to its readers
        start, end, kind = found[i]
        yield start, end, kind, sentence


def _offer(text: str, sentence: Sentence, voice: Voice) -> tuple[int, int, str] | None:
    s = sentence.start
    is_question = _QUESTION_END.search(text) is not None
    m = voice.offers.search(text)
    if m and (is_question or text.lower().startswith("let me know")):
        return s + m.start(), s + m.end(), OFFER
    m = voice.thing_offer.search(text) or voice.check_in.fullmatch(text)
    if m:
        return s + m.start(), s + m.end(), OFFER
    opener = voice.opener.match(text)
    let_me_know = opener is not None and opener.group(0).lower().startswith("let")
    if not (is_question or let_me_know):
        return None
    if not (opener or sentence.last_in_block):
        return None  # "Do you want to go deeper? The appendix has the proofs."
    # "Let me know if you want ..." offers by itself; a question needs a word of depth
    if voice.you.search(text) and voice.wants.search(text):
        if let_me_know or voice.depth.search(text):
            return s, s + len(text.rstrip()), OFFER
    return None


def answer_openings(prose: str, voice: Voice) -> Iterator[tuple[int, int]]:
    """ "Certainly! Below is ...", "Sure, I can explain ...": an answer's first words,
    found in the prose (the "!" ends a sentence)."""
    for m in voice.opening.finditer(prose):
        yield m.span()


def answer_headings(doc: Document, voice: Voice) -> Iterator[tuple[int, int, str]]:
    """H1s after the first whose text is an assistant's answer heading about a paper."""
    h1s = [s for s in doc.sections if s.level == 1]
    for section in h1s[1:]:
        m = voice.heading.match(section.title)
        if m is None:
            continue
        rest = m.group("rest")
        if (
            m.group("answer")
            or _QUOTE_MARKS.search(rest)
            or voice.paper_words.search(rest)
            or ":" in rest.lstrip(" :-–—")
            or re.search(r"\bet al\b|\((?:19|20)\d\d\)", rest)
        ):
            start = section.start + section.title_col - 1
            yield start, start + len(section.title), section.title
