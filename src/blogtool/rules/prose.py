"""Prose rules: pasted notes, chatbot leftovers and notes the author left to themselves.

Phrase lists and patterns are data in the top-level ``rules/`` folder: ``chatbot.txt``,
``assistants.toml`` and ``notes.txt`` (each documents its format at the top).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..document import Document
from ..registry import Hit, RuleContext, rule
from ..ruledata import RuleDataError
from .placeholders import Spans, classify_groups, load_data, words_pattern

# Where a sentence, line, list item or bracket starts. The line-start branch consumes
# the list or quote markers, so a pattern built with it reports from a named group.
BOS = (
    r"(?:^[ \t>*+\-]*(?:\d{1,3}[.)][ \t]+)?[*_]{0,2}"
    r"|(?<=[.!?:;] )|(?<=[.!?:;]  )|(?<=[(\[{\"“*_]))"
)
_APOSTROPHE = "['’‘ʼ]"
_PHRASE_TOKEN = re.compile(r"\w+|['’‘ʼ]|\s+|[^\w\s]")
_OPEN_QUOTES = "\"“‘«'"


@rule("BT105", "raw-note-fence", "error")
def raw_note_fence(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A block fenced by lines of ``\"\"\"``: notes pasted into the draft.

    Markdown has no such fence, so the notes render as paragraphs with stray quote
    marks. Rewrite them as prose or remove them. Fence lines are recognised as authors type
    them: ``\"\"\"``, longer runs such as ``\"\"\"\"``, ``'''``, trailing spaces. A block is
    reported once, at its opening line; a fence with no partner is reported alone, at its
    own line. Which fences pair up is decided from the lines around each fence (a blank
    line or heading before an opener, text after it), so one stray fence never flips the
    pairs after it. The text inside is checked by every other rule as the Markdown it
    renders as. ``\"\"\"`` inside a code block is left alone.

    Bad:

        \"\"\"
        DPO: reward = beta * log ratio, no RM needed
        \"\"\"

    Good:

        DPO needs no reward model: the policy's log-ratio to the reference model
        plays its part.
    """
    for note in doc.raw_notes:
        fence = doc.source[note.start : note.end].split("\n", 1)[0].strip()
        if note.closed and note.empty:
            message = f"empty block of pasted notes: remove the two {fence} lines"
        elif note.closed:
            message = (
                f"block of pasted notes between {fence} lines: rewrite it as prose or "
                f"remove it (and the {fence} lines)"
            )
        elif note.opens:
            message = (
                f"{fence} line opens a block of pasted notes that is never closed: rewrite "
                "the notes as prose or remove them, and this line"
            )
        else:
            message = (
                f"{fence} line closes a block of pasted notes that was never opened: remove "
                "it, or add the opening line where the notes start"
            )
        yield Hit(note.start, note.end, message)


def phrase_regex(phrase: str) -> str:
    """A chatbot.txt phrase (without its ``^``) as a regex: any spacing, either apostrophe."""
    tokens = _PHRASE_TOKEN.findall(phrase.strip())
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.isspace():
            after_word = i > 0 and re.match(r"\w|['’‘ʼ]", tokens[i - 1]) is not None
            out.append(r"\s+" if after_word else r"\s*")
        elif re.fullmatch(_APOSTROPHE, tok):
            out.append(_APOSTROPHE)
        elif re.match(r"\w", tok):
            out.append(re.escape(tok))
        else:
            out.append(r"[ \t]*" + re.escape(tok))
    body = "".join(out)
    if tokens and re.match(r"\w", tokens[-1]):
        body += r"(?!\w)"
    return body


def _chatbot_patterns(data: Any) -> list[tuple[str, re.Pattern[str]]]:
    """(kind, pattern) pairs: free phrases, sentence-start phrases, requests by name."""
    free: list[str] = []
    anchored: list[str] = []
    for phrase in data.lines("chatbot"):
        if phrase.startswith("^"):
            anchored.append(phrase_regex(phrase[1:]))
        else:
            free.append(phrase_regex(phrase))
    found: list[tuple[str, str]] = []
    if free:
        # (?=\w) first: a cheap test that spares most positions the lookbehind
        found.append(("phrase", r"(?=\w)(?<![\w'’])(?:" + "|".join(free) + ")"))
    if anchored:
        found.append(("phrase", BOS + "(?P<at>" + "|".join(anchored) + ")"))
    address = _address_regex(data.table("assistants"))
    if address:
        found.append(("address", address))
    return [(kind, re.compile(source, re.I | re.M)) for kind, source in found]


def _address_regex(table: dict[str, Any]) -> str | None:
    names = words_pattern(table.get("names", []))
    requests = words_pattern(table.get("requests", []))
    if not names or not requests:
        return None
    greetings = words_pattern(table.get("greetings", []))
    greet = rf"(?:(?:{greetings})[ \t]*,?[ \t]+)?" if greetings else ""
    return BOS + rf"(?P<at>{greet}(?:{names})[ \t]*,[ \t]*(?:{requests}))(?![\w-])"


def _speaker_regex(table: dict[str, Any]) -> re.Pattern[str] | None:
    labels = words_pattern([*table.get("speakers", []), *table.get("names", [])])
    if not labels:
        return None
    return re.compile(rf"[ \t>*_-]*(?:{labels})[*_]*[ \t]*:", re.I)


def _quoted(doc: Document, start: int, line_start: int) -> bool:
    """Whether a match sits in a quotation (discussed, not pasted); looks 300 chars back."""
    before = doc.prose_text[max(line_start, start - 300) : start]
    last = before.rstrip()[-1:]
    if last and last in _OPEN_QUOTES:
        return True
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def span_of(m: re.Match[str]) -> tuple[int, int]:
    """A match's reported span: its ``at`` group when it has one (after {bos})."""
    if "at" in m.re.groupindex and m.start("at") >= 0:
        return m.start("at"), m.end("at")
    return m.span()


_CLAUSE_END = re.compile(r"[.!?;|)\]\n]")


def _clause(text: str, start: int, end: int, limit: int = 50) -> str:
    """The match and the rest of its clause, for a message: 'TODO: add the plots'."""
    if text[end - 1 : end] in (")", "]"):
        return " ".join(text[start:end].split())
    cap = max(end, min(len(text), start + limit))
    found = _CLAUSE_END.search(text, end, cap)
    stop = found.start() if found else cap
    shown = " ".join(text[start:stop].split())
    return shown + ("…" if found is None and cap < len(text) else "")


@rule("BT106", "chatbot-leftover", "error")
def chatbot_leftover(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """Phrasing of an AI assistant's answer pasted into the post.

    "I'll be your guide", "Feel free to ask", "Let me know if you", "Great question",
    "I hope this helps", "Would you like me to", "As an AI language model",
    "Certainly! Here's", and requests addressed to an assistant by name at the start of
    a sentence ("Claude, can you ...", "ChatGPT, please ..."). The phrases are in
    ``rules/chatbot.txt``, the names in ``rules/assistants.toml``. A pasted answer in a
    blockquote is still reported; a phrase in quotation marks (the post discussing what
    a model says) and a model named in passing ("ChatGPT, released in 2022, ...") are
    not.

    Bad:

        Certainly! Here's an overview of LoRA. Let me know if you want more detail.

    Good:

        LoRA freezes the pretrained weights and learns a low-rank update.
    """
    prose = doc.prose_text
    speaker = _speaker_regex(ctx.data.table("assistants"))
    for kind, pattern in _chatbot_patterns(ctx.data):
        for m in pattern.finditer(prose):
            start, end = span_of(m)
            line_start = doc.line_starts[doc.position(start)[0] - 1]
            if _quoted(doc, start, line_start) or (speaker and speaker.match(prose, line_start)):
                continue
            said = _clause(doc.text, start, end, limit=60)
            if kind == "address":
                message = (
                    f'request to an AI assistant left in the draft: "{said}"; remove the '
                    "prompt and keep only your own text"
                )
            else:
                message = (
                    f'chatbot phrasing left in the draft: "{said}"; rewrite the passage in '
                    "your own voice or remove it"
                )
            yield Hit(start, end, message)


def note_patterns(data: Any, verb_source: str) -> list[re.Pattern[str]]:
    """The patterns of notes.txt with their {verb} and {bos} slots filled in.

    The {bos} patterns are joined into one, so the costly start-of-sentence test runs
    once over the text rather than once per pattern.
    """
    verb = f"(?i:{verb_source or '(?!)'})"
    sources: list[str] = []
    at_start: list[str] = []
    for line in data.lines("notes"):
        source = line.replace("{verb}", verb)
        if source.startswith("{bos}"):
            source = source[len("{bos}") :]
        try:
            re.compile(source)
        except re.error as exc:
            raise RuleDataError(f"notes.txt: bad pattern {line!r}: {exc}") from None
        (at_start if line.startswith("{bos}") else sources).append(source)
    if at_start:
        sources.append(BOS + "(?P<at>" + "|".join(f"(?:{s})" for s in at_start) + ")")
    return [re.compile(source, re.M) for source in sources]


@rule("BT107", "note-to-self", "error")
def note_to_self(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A note the author left to themselves in the prose.

    "TODO", "TODO: add the plot", "FIXME", "TBD", "NOTE explain the maths",
    "NOTES TO SELF", "talk about this later", "read these blogs then explain",
    "[DONE]". The patterns are in ``rules/notes.txt``. A note inside brackets already
    reported as a placeholder or instruction (BT102, BT103) is not reported again.

    Left alone: notes to the reader, which carry a colon or emphasis (``**Note:** this
    post assumes ...``, ``> NOTE: the code is MIT-licensed``), GitHub alerts
    (``> [!NOTE]``), "we explain this later" (it has a subject), and notes hidden in an
    HTML comment, code or math.

    Bad:

        NOTE explain the maths of the clipped objective
        TODO: add the PPO results

    Good:

        <!-- TODO: add the PPO results -->
        **Note:** the clipped objective is explained in the PPO section.
    """
    pdata = load_data(ctx.data)
    prose = doc.prose_text
    matches: list[tuple[int, int]] = []
    for pattern in note_patterns(ctx.data, pdata.verb_source):
        for m in pattern.finditer(prose):
            start, end = span_of(m)
            if end > start:
                matches.append((start, end))
    if not matches:
        return
    reported = Spans(classify_groups(doc, pdata))
    last_end = -1
    for start, end in sorted(matches, key=lambda se: (se[0], -se[1])):
        if start < last_end or start in reported or doc.text[start:end] in pdata.special:
            continue
        last_end = end
        shown = _clause(doc.text, start, end)
        yield Hit(
            start,
            end,
            f'note to self left in the draft: "{shown}"; do what it says and remove it, '
            "or hide it in an HTML comment",
        )
