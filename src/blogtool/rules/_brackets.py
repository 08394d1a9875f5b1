"""The prose's bracketed groups (``[...]``, ``{...}``, ``<...>``) and what each was taken for.

One reading, shared by the placeholder rules (BT102, BT103) and the note-to-self rule
(BT107), so that a group is reported under one rule only: a group holding a placeholder
word or token is a placeholder, one opening with an imperative verb an instruction, a
question to oneself a note. Words and tokens are data: ``rules/placeholders.toml``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..document import Document
from ..ruledata import RuleDataError
from ._text import words_pattern

PLACEHOLDER = "placeholder"
INSTRUCTION = "instruction"
QUESTION = "question"  # a question to oneself: a note to self, reported by BT107

# A square-bracket group: no blank line inside, at most 400 characters, one level of
# nested brackets ("[Add a plot like [1] here]"). Alternatives start with different
# characters, so a failed attempt costs at most the characters it scanned.
_SQUARE = re.compile(
    r"\[(?:[^\[\]\n]|\n(?![ \t>]*\n)|\[[^\[\]\n]{0,200}\]){0,400}\]",
)
# A brace group, but not Liquid ({{ }}, {% %}), kramdown IALs ({: .x}, {#id}) or the
# argument of a command or word (\emph{...}, f{x}).
_BRACE = re.compile(r"(?<![\w\\{%$])\{(?![{%:#])(?:[^{}\n]|\n(?![ \t>]*\n)){0,400}\}")
_ANGLE = re.compile(r"<([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)>")
_UPPER_TOKEN = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_SPACE = re.compile(r"\s+")
_EDGE = " \t\n*_"
_LINK_AFTER = re.compile(r"[(\[]")
_ENDS_CLAUSE = re.compile(r"[ \t]*(?:$|\n|[.,;:!?)\]}])")


@dataclass(frozen=True)
class Group:
    """A bracketed group of the prose and what it was taken for."""

    kind: str  # PLACEHOLDER, INSTRUCTION or QUESTION
    start: int  # offset of the opening bracket
    end: int  # offset just past the closing bracket
    text: str  # the group as written, for messages


@dataclass(frozen=True)
class PlaceholderData:
    """The lists of ``rules/placeholders.toml``, compiled once per run."""

    special: frozenset[str]
    placeholder_words: re.Pattern[str]
    first_words: frozenset[str]
    last_words: frozenset[str]
    missing: frozenset[str]
    verb: re.Pattern[str]
    verb_source: str
    here_noun: re.Pattern[str]
    question_word: re.Pattern[str]
    note_label: re.Pattern[str]


def load_data(data: Any, extra_special: Sequence[str] = ()) -> PlaceholderData:
    table = data.table("placeholders")

    def strings(key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RuleDataError(f"placeholders.toml: {key} must be a list of strings")
        return value

    words = strings("placeholder_words") or ["TODO"]
    verbs = words_pattern(strings("instruction_verbs")) or "(?!)"
    nouns = words_pattern(strings("here_nouns")) or "(?!)"
    questions = words_pattern(strings("question_words")) or "(?!)"
    labels = words_pattern(strings("note_labels")) or "(?!)"
    return PlaceholderData(
        special=frozenset(strings("special_tokens")) | frozenset(extra_special),
        placeholder_words=re.compile(r"(?<![\w-])(?:" + words_pattern(words) + r")(?![\w-])"),
        first_words=frozenset(strings("token_first_words")),
        last_words=frozenset(strings("token_last_words")),
        missing=frozenset(w.lower() for w in strings("missing_words")),
        verb=re.compile(r"(?i:" + verbs + r")(?=$|\s|\.\.\.|…)"),
        verb_source=verbs,
        here_noun=re.compile(r"(?i)(?<!\w)(?:" + nouns + r")(?!\w)"),
        question_word=re.compile(r"(?i)(?<![\w'’])(?:" + questions + r")(?![\w'’])"),
        note_label=re.compile(r"(?i)(?:" + labels + r")[ \t]*:[ \t\n]*"),
    )


def in_url(doc: Document, offset: int) -> bool:
    """Whether the non-space run holding ``offset`` is a URL (bare URLs stop at ``[``)."""
    text = doc.text
    start = max(0, offset - 300)
    back = text[start:offset]
    cut = max(back.rfind(" "), back.rfind("\n"), back.rfind("\t"), back.rfind("("))
    word = back[cut + 1 :]
    return "://" in word or word.lower().startswith("www.")


def is_token_placeholder(token: str, pdata: PlaceholderData) -> bool:
    parts = token.split("_")
    return (
        parts[0] in pdata.first_words
        or parts[-1] in pdata.last_words
        or pdata.placeholder_words.search(token.replace("_", " ")) is not None
    )


def _looks_like_title(words: list[str]) -> bool:
    """'Show and Tell', 'Show Attend and Tell': a named work, not an order."""
    if all(w.isupper() or not any(c.isalpha() for c in w) for w in words):
        return False  # "[ADD IMAGE OF BERT]", "[INSERT FIGURE 2]" shout; they name no paper
    if len(words) >= 2 and words[1].lower() in ("and", "&", "or"):
        return True
    long = [w for w in words if len(w) >= 4]
    return len(words) >= 3 and bool(long) and all(w[0].isupper() for w in long)


def _instruction(inner: str, after: str, pdata: PlaceholderData) -> bool:
    body = inner.strip(_EDGE)
    if not body:
        return False
    label = pdata.note_label.match(body)
    if label and pdata.verb.match(body, label.end()):
        return True  # "[Note: add a comparison with beam search]"
    m = pdata.verb.match(body)
    if m is None:
        return _here_placeholder(body, pdata) or _described_figure(body)
    rest = body[m.end() :].strip()
    words = body.split()
    if rest.startswith((":", ",", "-")) or rest[:1].isdigit():
        return False  # "[Update: the code is out]", "[Show, Attend and Tell]"
    if _looks_like_title(words):
        return False
    if not rest:
        # One word is a note when it ends its sentence or line ("pairs {expand}.");
        # "[Update]" and "[UPDATE] The code is out" are labels, and 'they "[show] that"'
        # is an editor's insertion in a quotation.
        if body[0].isupper() and not body.isupper():
            return False
        return _ENDS_CLAUSE.match(after) is not None
    return True


def _here_placeholder(body: str, pdata: PlaceholderData) -> bool:
    words = body.rstrip(".!").split()
    return (
        1 < len(words) <= 12
        and words[-1].lower() == "here"
        and pdata.here_noun.search(" ".join(words[:-1])) is not None
    )


def _described_figure(body: str) -> bool:
    """'[FIGURE: encoder-decoder attention]', '{diagram of the MoE layer}': a figure
    described where the figure should be. The label needs its colon or 'of' and a short
    description after it (a caption, not a paragraph)."""
    m = _FIGURE_LABEL.match(body)
    return m is not None and 1 <= len(body[m.end() :].split()) <= 12


_FIGURE_LABEL = re.compile(
    r"(?i)(?:image|img|figure|fig|plot|graph|chart|diagram|screenshot|gif|video|animation"
    r"|picture|illustration|table(?!\s+of\s+contents))(?:\s*:\s*|\s+of\s+)(?=\S)"
)


def _classify(
    doc: Document, m: re.Match[str], links: set[int], pdata: PlaceholderData
) -> str | None:
    start, end = m.span()
    prose = doc.prose_text
    inner = prose[start + 1 : end - 1]
    body = inner.strip(_EDGE)
    if not body or body.startswith("^") or in_url(doc, start):
        return None
    raw = doc.text[start:end]
    if raw in pdata.special:
        return None
    if pdata.placeholder_words.search(inner):
        return PLACEHOLDER
    is_link = start in links
    if is_link or _LINK_AFTER.match(prose, end):
        return None
    if _UPPER_TOKEN.fullmatch(body) and f"[{body}]" not in pdata.special:
        return PLACEHOLDER
    if raw[0] == "[" and _SPACE.sub(" ", body).lower() in pdata.missing:
        return PLACEHOLDER
    if _instruction(inner, prose[end : end + 20], pdata):
        return INSTRUCTION
    if _self_question(body, pdata):
        return QUESTION
    return None


def _self_question(body: str, pdata: PlaceholderData) -> bool:
    """'{should I cover MoE here?}', '[is this the right citation?]': asked of oneself.

    An example prompt in brackets, '[What is the capital of France?]', has none of the
    ``question_words`` and is left alone.
    """
    text = body.rstrip(" .")
    return (
        text.endswith("?")
        and len(text.split()) >= 2
        and pdata.question_word.search(text) is not None
    )


def classify_groups(doc: Document, pdata: PlaceholderData) -> list[Group]:
    """Bracketed groups of the prose that are placeholders or instructions, in order."""
    prose = doc.prose_text
    if "[" not in prose and "{" not in prose and "<" not in prose:
        return []
    links = {link.start + (1 if link.is_image else 0) for link in doc.links}
    found: list[Group] = []
    for pattern in (_SQUARE, _BRACE):
        for m in pattern.finditer(prose):
            kind = _classify(doc, m, links, pdata)
            if kind:
                found.append(Group(kind, m.start(), m.end(), doc.text[m.start() : m.end()]))
    for m in _ANGLE.finditer(prose):
        token = m.group(1)
        if m.group(0) in pdata.special or not is_token_placeholder(token, pdata):
            continue
        found.append(Group(PLACEHOLDER, m.start(), m.end(), m.group(0)))
    found.sort(key=lambda g: g.start)
    return found


class Spans:
    """The union of some groups' spans, asked "is this offset inside one?" in log time."""

    def __init__(self, groups: Sequence[Group]) -> None:
        merged: list[list[int]] = []
        for g in sorted(groups, key=lambda g: g.start):
            if merged and g.start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], g.end)
            else:
                merged.append([g.start, g.end])
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]

    def __contains__(self, offset: int) -> bool:
        i = bisect_right(self._starts, offset) - 1
        return i >= 0 and offset < self._ends[i]
