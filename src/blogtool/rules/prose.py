"""Prose rules: pasted notes, chatbot leftovers and notes the author left to themselves.

Phrase lists and patterns are data in the top-level ``rules/`` folder: ``chatbot.txt``,
``assistants.toml`` and ``notes.txt`` (each documents its format at the top).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

from ..document import Document
from ..registry import Hit, RuleContext, rule
from ..ruledata import RuleDataError
from ._brackets import QUESTION, Spans, classify_groups, load_data
from ._tasks import load_tasks, paren_questions, task_notes
from ._text import doc_sentences, phrase_regex, phrases, words_pattern
from ._voice import OFFER, answer_headings, answer_openings, asker_spans, load_voice

# Where a sentence, line, list item or bracket starts. The line-start branch consumes
# the list or quote markers, so a pattern built with it reports from a named group.
BOS = (
    r"(?:^[ \t>*+\-]*(?:\d{1,3}[.)][ \t]+)?[*_]{0,2}"
    r"|(?<=[.!?:;] )|(?<=[.!?:;]  )|(?<=[(\[{\"“*_]))"
)
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


def _chatbot_patterns(data: Any) -> list[tuple[str, re.Pattern[str]]]:
    """(kind, pattern) pairs: free phrases, sentence-start phrases, requests by name."""
    free: list[str] = []
    anchored: list[str] = []
    for phrase in data.lines("chatbot"):
        if phrase.startswith("^"):
            anchored.append(phrase_regex(phrase[1:]))
        else:
            free.append(phrase)
    found: list[tuple[str, re.Pattern[str]]] = []
    if free:
        # its own case rule: see phrases (it scans much faster compiled without re.I)
        source = phrases({"chatbot": free}, "chatbot", "chatbot.txt", word_start=True)
        found.append(("phrase", re.compile(source, re.M)))
    if anchored:
        source = BOS + "(?P<at>" + "|".join(anchored) + ")"
        found.append(("phrase", re.compile(source, re.I | re.M)))
    address = _address_regex(data.table("assistants"))
    if address:
        found.append(("address", re.compile(address, re.I | re.M)))
    return found


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
_NOTE_CLAUSE_END = re.compile(r"[.!?;|)\],\n]")
_CLOSERS = (")", "]", "}")


def _note_clause_end(text: str, end: int) -> int:
    """Where the clause of a note ending at ``end`` ends (a bracketed note is its own)."""
    found = _NOTE_CLAUSE_END.search(text, end)
    return found.start() if found else len(text)


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
    """An AI assistant's answer pasted into the post.

    An assistant speaks to the person who asked; a post speaks to its readers. Reported:

    - the assistant narrating what it will do for the asker: a first-person frame, a
      verb of helping or explaining, and a sign of the asker ("Let me walk you through
      this part of the paper", "I'll break down the fits for you", "I'd be glad to act
      as your guide to ...", "Based on the document you provided, ...");
    - closing offers ("Would you like me to ...?", "Is there any part of the method you
      want to go deeper on?", "Let me know if you'd like me to expand on ...");
    - an answer heading pasted as an extra H1 after the post's first one
      (``# Overview of "Attention Is All You Need"``, ``# Summary of the paper ...``);
    - stock phrases ("Great question", "I hope this helps", "As an AI language model",
      "Certainly! Here's") and requests to an assistant by name ("Claude, can you ...").

    The vocabulary is data: ``rules/assistant_voice.toml`` (frames, verbs, signs of the
    asker, offers, headings), ``rules/chatbot.txt`` (phrases), ``rules/assistants.toml``
    (names). Left alone: the author talking to readers ("let me show you", "I'll explain
    below", "In this post I will walk through ...", "Let me know in the comments", "Do
    you want to go deeper? The appendix has the proofs."), a phrase in quotation marks
    (the post discussing what a model says), a chat transcript with speaker labels, and
    a model named in passing ("ChatGPT, released in 2022, ...").

    Bad:

        Certainly! Here's an overview of LoRA. I'll break down the update rule for you.
        Would you like me to compare it with full fine-tuning?

    Good:

        LoRA freezes the pretrained weights and learns a low-rank update.
    """
    prose = doc.prose_text
    speaker = _speaker_regex(ctx.data.table("assistants"))
    voice = ctx.data.derived("assistant_voice", lambda: load_voice(ctx.data))

    def pasted(start: int) -> bool:
        """Quoted or in a transcript line: shown as an example, not left over."""
        line_start = doc.line_starts[doc.position(start)[0] - 1]
        return _quoted(doc, start, line_start) or bool(speaker and speaker.match(prose, line_start))

    found: list[tuple[int, int, str]] = []
    for kind, pattern in _chatbot_patterns(ctx.data):
        for m in pattern.finditer(prose):
            start, end = span_of(m)
            if pasted(start):
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
            found.append((start, end, message))
    for start, end in answer_openings(prose, voice):
        if not pasted(start):
            said = _clause(doc.text, start, end, limit=60)
            found.append(
                (
                    start,
                    end,
                    f'an assistant\'s answer left in the draft: "{said}"; '
                    "rewrite the passage in your own voice or remove it",
                )
            )
    phrase_starts = sorted(start for start, _, _ in found)
    for start, end, kind, sentence in asker_spans(prose, doc_sentences(doc), voice):
        i = bisect_left(phrase_starts, sentence.start)
        if i < len(phrase_starts) and phrase_starts[i] < sentence.end:
            continue  # one report a sentence: a phrase already found it
        if pasted(start):
            continue
        said = _clause(doc.text, start, end, limit=60)
        if kind == OFFER:
            message = f'an assistant\'s offer to the asker left in the draft: "{said}"; remove it'
        else:
            message = (
                f'an assistant speaking to the asker left in the draft: "{said}"; '
                "rewrite the passage for your readers or remove it"
            )
        found.append((start, end, message))
    for start, end, title in answer_headings(doc, voice):
        found.append(
            (
                start,
                end,
                f'an assistant\'s answer heading pasted as an extra H1: "{title}"; make it '
                "a heading of your post (## ...) in your own words, or remove it",
            )
        )
    last_end = -1
    for start, end, message in sorted(found, key=lambda hit: (hit[0], -hit[1])):
        if start >= last_end:  # one report for a spot two patterns found
            yield Hit(start, end, message)
            last_end = end


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

    - placeholder words and notes: "TODO", "TODO: add the plot", "FIXME", "TBD",
      "NOTE explain the maths", "NOTES TO SELF", "talk about this later", "[DONE]";
    - a plan of tasks on the post: a label ("Plan:", "To do:", "Next steps:",
      "Remaining:") followed by imperative lines such as "Insert a table comparing ...",
      "Draw a figure of ...", "Write a part on ..."; also two such lines in a row
      without a label, a paragraph of one line with a verb no post says to its readers
      ("Insert a table comparing the optimizers."), a reminder ("Remember to add a
      figure of ...", "I need to write a section on ...") and a task that points at its
      spot ("Add the plot here.");
    - reading to do before writing: "go through these articles, then write it up:"
      (with or without the list of URLs below it), "Use these for the intro:" above
      lines that are each one link;
    - a question to oneself in brackets or braces (``{should I cover MoE here?}``,
      ``[is this the right number?]``) or in parentheses when it opens like one
      (``(do I need this?)``).

    The patterns are in ``rules/notes.txt``, the vocabulary of tasks in
    ``rules/author_tasks.toml``. A note inside brackets already reported as a
    placeholder or instruction (BT102, BT103) is not reported again.

    Left alone: notes to the reader, which carry a colon or emphasis (``**Note:** this
    post assumes ...``, ``> NOTE: the code is MIT-licensed``), GitHub alerts
    (``> [!NOTE]``), "we explain this later" (it has a subject), a tutorial's steps
    ("1. Install the package") and reader-facing imperatives ("Note that ...",
    "Consider ...", "Check out these resources:"), asides such as "(I think?)", an
    example prompt in brackets, and notes hidden in an HTML comment, code or math.

    Bad:

        NOTE explain the maths of the clipped objective
        TODO: add the PPO results

        Plan:
        - Insert a table comparing PPO and DPO
        - Draw a figure of the reward model

    Good:

        <!-- TODO: add the PPO results -->
        **Note:** the clipped objective is explained in the PPO section.
    """
    pdata = ctx.data.derived(("placeholders", ()), lambda: load_data(ctx.data))
    prose = doc.prose_text
    matches: list[tuple[int, int]] = []
    for pattern in note_patterns(ctx.data, pdata.verb_source):
        for m in pattern.finditer(prose):
            start, end = span_of(m)
            if end > start:
                matches.append((start, end))
    tasks = ctx.data.derived("author_tasks", lambda: load_tasks(ctx.data))
    matches.extend(task_notes(doc, tasks))
    matches.extend(paren_questions(prose, tasks))
    groups = classify_groups(doc, pdata)
    matches.extend((g.start, g.end) for g in groups if g.kind == QUESTION)
    if not matches:
        return
    reported = Spans([g for g in groups if g.kind != QUESTION])
    last_end = -1
    for start, end in sorted(matches, key=lambda se: (se[0], -se[1])):
        if start < last_end or start in reported or doc.text[start:end] in pdata.special:
            continue
        # one note a clause: "NOTES TO SELF: compare ... before publishing" is one note,
        # "release is TBD, and the ablation FIXME" two
        last_end = end if doc.text[end - 1 : end] in _CLOSERS else _note_clause_end(doc.text, end)
        shown = _clause(doc.text, start, end)
        yield Hit(
            start,
            end,
            f'note to self left in the draft: "{shown}"; do what it says and remove it, '
            "or hide it in an HTML comment",
        )
