"""Notes to self shaped as tasks on the post (BT107): plans of imperative lines, reminders,
reading lists to write up, and questions to oneself.

The vocabulary is ``rules/author_tasks.toml``; this module only knows the shapes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..document import Document
from ._text import LINE_MARKERS, WORD_START, doc_sentences, phrases

ORIGIN = "author_tasks.toml"

# A line that holds one link and nothing else: a bare URL or a Markdown link.
_LINK_LINE = re.compile(
    r"[ \t>]*(?:(?:[-*+]|\d{1,3}[.)])[ \t]+)?(?:<?https?://\S+>?|\[[^\]\n]*\]\([^)\n]*\))[ \t]*$"
)
_LIST_ITEM = re.compile(r"[ \t>]*(?:[-*+]|\d{1,3}[.)])[ \t]")
# A task on the reader's things, or on any of them, is an instruction to the reader:
# "Add a section to your config", "Add any static images to assets/".
_YOUR = re.compile(r"(?<!\w)(?:your|yours|any)(?!\w)", re.I)
_YOU = re.compile(r"(?<!\w)(?:you|your|you'll|you’ll)(?!\w)", re.I)
_HEADING = re.compile(r"[ \t>]*#{1,6}[ \t]")
_PAREN = re.compile(r"(?<![\]\w])\((?P<body>[^()\n]{3,200})\)")


@dataclass(frozen=True)
class Tasks:
    """The patterns of ``author_tasks.toml``, compiled once per document."""

    task: re.Pattern[str]  # a task verb, then a part of the post within a few words
    standalone: re.Pattern[str]  # the same with a verb of standalone_verbs
    inline_label: re.Pattern[str]  # "Plan: " before a task on the same line
    verb: re.Pattern[str]  # a task verb alone
    plan_label: re.Pattern[str]
    list_label: re.Pattern[str]
    self_frame: re.Pattern[str]
    spot: re.Pattern[str]
    reading: re.Pattern[str]  # read these ..., then write
    reading_verb: re.Pattern[str]
    writing_or_place: re.Pattern[str]  # "then write", "for the intro"
    question_opener: re.Pattern[str]
    self_question: re.Pattern[str]  # "Do I need to", "Is it worth" at a sentence start
    self_question_task: re.Pattern[str]  # what such a question is about: a task or a part
    exercise_heading: re.Pattern[str]


def load_tasks(data: Any) -> Tasks:
    table = data.table("author_tasks")

    def alt(key: str) -> str:
        return phrases(table, key, ORIGIN)

    def word(source: str) -> re.Pattern[str]:
        return re.compile(WORD_START + source, re.I)

    part = alt("post_parts") + r"(?![\w-])"
    near_part = r"(?:\s+[^\s.!?;:]+){0,7}?\s+" + part
    label = r"[ \t>]*(?:#{1,6}[ \t]+)?[*_]{0,3}%s[*_]{0,3}[ \t]*:?[ \t]*[*_]{0,3}[ \t]*$"
    labels = f"(?:{alt('plan_labels')}|{alt('list_labels')})"
    connector = r"(?:,|;|—|\s-|\s+(?:and|then|before|after|to|so))"
    return Tasks(
        task=word(alt("task_verbs") + near_part),
        standalone=word(alt("standalone_verbs") + near_part),
        inline_label=re.compile(
            rf"[ \t>]*(?:[-*+][ \t]+)?[*_]{{0,3}}{labels}[*_]{{0,3}}[ \t]*:[*_]{{0,3}}[ \t]+", re.I
        ),
        verb=word(alt("task_verbs") + r"(?![\w-])"),
        plan_label=re.compile(label % alt("plan_labels"), re.I),
        list_label=re.compile(label % alt("list_labels"), re.I),
        self_frame=word(alt("self_frames") + r"\s+"),
        spot=word(alt("spot_words") + r"(?![\w-])"),
        reading=word(
            alt("reading_verbs")
            + r"\s+(?:"
            + alt("reading_pointers")
            + r"\s+)?(?:[\w'’-]+\s+){0,3}?"
            + alt("reading_material")
            + r"(?![\w-])[^.!?\n]{0,100}?"
            + connector
            + r"\s*(?:then\s+)?"
            + alt("writing_verbs")
            + r"(?![\w-])"
        ),
        reading_verb=word(alt("reading_verbs") + r"(?![\w-])"),
        writing_or_place=word(
            rf"(?:{alt('writing_verbs')}(?![\w-])|(?:for|in|into|to|under)\s+"
            rf"(?:the|this|that|my|our)\s+(?:[\w-]+\s+)?{part})"
        ),
        question_opener=word(alt("self_question_openers") + r"(?![\w-])"),
        self_question=word(alt("self_question_sentences") + r"(?![\w-])"),
        self_question_task=word(
            rf"(?:{alt('self_question_tasks')}(?![\w-])|{part}|{alt('spot_words')}(?![\w-]))"
        ),
        exercise_heading=re.compile(r"[\W\d]*" + alt("exercise_headings") + r"[\W\d]*", re.I),
    )


def task_notes(doc: Document, tasks: Tasks) -> Iterator[tuple[int, int]]:
    """Spans of tasks the author left to themselves, in no particular order."""
    prose = doc.prose_text
    yield from _plans(doc, prose, tasks)
    yield from _reading_lists(doc, prose, tasks)
    for sentence in doc_sentences(doc):
        s, e = sentence.start, sentence.end
        text = prose[s:e]
        if _YOUR.search(text):
            continue  # "Don't forget to add a section to your config"
        m = tasks.reading.match(text)
        if m:
            yield s, s + m.end()
            continue
        if text.rstrip(" \t*_").endswith("?") and tasks.self_question.match(text):
            if tasks.self_question_task.search(text):
                yield s, e  # "Do I need to explain the softmax here?"
                continue
        frame = tasks.self_frame.match(text)
        m = tasks.task.match(text, frame.end() if frame else 0)
        if m is None:
            continue
        spot = None if frame else tasks.spot.search(text, m.end())
        if frame or (spot and not _in_link(doc, s + spot.start())):
            yield s, s + m.end()


def _in_link(doc: Document, offset: int) -> bool:
    """Whether an offset is inside a link ("Find the full images [here](...)")."""
    return any(link.start <= offset < link.end for link in doc.links)


def _exercises(doc: Document, offset: int, tasks: Tasks) -> bool:
    """Whether an offset is in a section of exercises for the reader."""
    section = doc.section_at(doc.position(offset)[0])
    while section is not None:
        if tasks.exercise_heading.fullmatch(section.title):
            return True
        section = section.parent
    return False


def _lines(prose: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    offset = 0
    for line in prose.split("\n"):
        out.append((offset, line))
        offset += len(line) + 1
    return out


def _plans(doc: Document, prose: str, tasks: Tasks) -> Iterator[tuple[int, int]]:
    """Task lines under a plan label, runs of two or more task lines without one, and a
    paragraph that is one task line."""
    lines = _lines(prose)
    run: list[int] = []  # indexes of consecutive task lines

    def task_at(i: int) -> tuple[int, int] | None:
        offset, line = lines[i]
        if _HEADING.match(line):
            return None  # "### Insert an image": a how-to's title, not a note
        at = LINE_MARKERS.match(line).end()
        m = tasks.task.match(line, at)
        if m is None or _YOUR.search(line):
            return None
        return offset + at, offset + m.end()

    i = 0
    while i < len(lines):
        offset, line = lines[i]
        strong = tasks.plan_label.match(line)
        if strong or tasks.list_label.match(line):
            i += 1
            if i < len(lines) and not lines[i][1].strip(" \t>"):
                i += 1  # one blank line between a label and its list
            while i < len(lines) and lines[i][1].strip(" \t>"):
                item_offset, item = lines[i]
                at = LINE_MARKERS.match(item).end()
                m = tasks.task.match(item, at) or (strong and tasks.verb.match(item, at))
                if m and not _YOUR.search(item):
                    yield item_offset + at, item_offset + m.end()
                i += 1
            continue
        inline = tasks.inline_label.match(line)
        if inline:
            m = tasks.task.match(line, inline.end()) or tasks.verb.match(line, inline.end())
            if m and not _YOUR.search(line):  # the whole note, label included
                yield offset + LINE_MARKERS.match(line).end(), offset + m.end()
            i += 1
            continue
        if line.strip(" \t>") and task_at(i):
            run.append(i)
        else:
            yield from _task_run(doc, lines, run, tasks)
            run = []
        i += 1
    yield from _task_run(doc, lines, run, tasks)


def _task_run(
    doc: Document, lines: list[tuple[int, str]], run: list[int], tasks: Tasks
) -> list[tuple[int, int]]:
    """Consecutive task lines without a label: a plan when two or more (outside a section
    of exercises), a note when one line is a paragraph of its own with a strong verb."""
    if not run:
        return []
    spans = []
    for i in run:
        offset, line = lines[i]
        at = LINE_MARKERS.match(line).end()
        spans.append((offset + at, offset + tasks.task.match(line, at).end()))
    if len(run) >= 2:
        before = run[0] - 1
        while before >= 0 and not lines[before][1].strip():
            before -= 1
        if (before >= 0 and _YOU.search(lines[before][1])) or _exercises(doc, spans[0][0], tasks):
            return []  # "To create your post, you will:" above steps for the reader
        return spans
    (i,) = run
    offset, line = lines[i]
    alone = (i == 0 or not lines[i - 1][1].strip(" \t>")) and (
        i + 1 == len(lines) or not lines[i + 1][1].strip(" \t>")
    )
    if (
        alone
        and not _LIST_ITEM.match(line)
        and not line.rstrip(" \t*_").endswith((":", "?"))
        and tasks.standalone.match(line, LINE_MARKERS.match(line).end())
    ):
        return spans
    return []


def _reading_lists(doc: Document, prose: str, tasks: Tasks) -> Iterator[tuple[int, int]]:
    """An instruction ending in a colon, followed by lines that are each one link.

    "Use these for the section on RLHF:" or "Read these, then write it up:" above a list
    of URLs. "Further reading:" and "Check out the following for a few examples:" name
    no writing and no place in the post, and are left alone.
    """
    text_lines = doc.text.split("\n")
    offset = 0
    for n, line in enumerate(text_lines):
        start = offset
        offset += len(line) + 1
        masked = prose[start : start + len(line)]
        if not masked.rstrip(" \t*_").endswith(":"):
            continue
        following = [t for t in text_lines[n + 1 : n + 6] if t.strip(" \t>")]
        if not following or not _LINK_LINE.match(following[0]):
            continue
        at = LINE_MARKERS.match(masked).end()
        frame = tasks.self_frame.match(masked, at)  # "Must read and summarise:"
        verb_at = frame.end() if frame else at
        verb = tasks.reading_verb.match(masked, verb_at) or tasks.verb.match(masked, verb_at)
        if verb and tasks.writing_or_place.search(masked, verb.end()) and not _YOUR.search(masked):
            yield start + at, start + len(masked.rstrip(" \t*_:"))


def paren_questions(prose: str, tasks: Tasks) -> Iterator[tuple[int, int]]:
    """``(do I need this?)``: a question to oneself in parentheses.

    Only a question of two words or more that opens with one of
    ``self_question_openers`` counts; a writer's aside, "(I think?)", "(or is it?)",
    "(perhaps?)", is left alone.
    """
    for m in _PAREN.finditer(prose):
        body = m.group("body").strip(" \t*_")
        if body.endswith("?") and len(body.split()) >= 2 and tasks.question_opener.match(body):
            yield m.start(), m.end()
