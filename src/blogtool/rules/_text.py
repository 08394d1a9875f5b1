"""Phrases and sentences of the prose, for the rules that read it as language.

Phrase lists in ``rules/*.toml`` become regexes here (any spacing, either apostrophe,
``{name}`` slots filled from another list of the same table), and the prose is cut into
sentences, each with where it starts once list and quote markers are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..document import Document
from ..ruledata import RuleDataError

_APOSTROPHE = "['’‘ʼ]"
_PHRASE_TOKEN = re.compile(r"\w+|['’‘ʼ]|\s+|[^\w\s]")
_SLOT = re.compile(r"\{(\w+)\}")
# Not inside a word: "I'll" must not match in "Bill'll", "let me" not in "outlet me".
WORD_START = r"(?<![\w'’‘ʼ-])"


def phrase_regex(phrase: str) -> str:
    """A phrase as a regex: any spacing or one line break between words, either
    apostrophe, punctuation optionally spaced, and a whole word at the end."""
    atoms, guard = _atoms(phrase)
    return "".join(atoms) + guard


@lru_cache(maxsize=8192)  # the same phrases are turned into regexes for every document
def _atoms(phrase: str) -> tuple[tuple[str, ...], str]:
    r"""A phrase as regex atoms, one a token (with the spacing before it), and the guard
    that ends it: ``(?!\w)`` after a word, nothing after punctuation."""
    tokens = _PHRASE_TOKEN.findall(phrase.strip())
    atoms: list[str] = []
    gap = ""
    for i, tok in enumerate(tokens):
        if tok.isspace():
            after_word = i > 0 and re.match(r"\w|['’‘ʼ]", tokens[i - 1]) is not None
            gap = r"\s+" if after_word else r"\s*"
            continue
        if re.fullmatch(_APOSTROPHE, tok):
            atom = _APOSTROPHE
        elif re.match(r"\w", tok):
            atom = re.escape(tok.lower())  # the patterns ignore case
        else:
            atom = r"[ \t]*" + re.escape(tok)
        atoms.append(gap + atom)
        gap = ""
    guard = r"(?!\w)" if tokens and re.match(r"\w", tokens[-1]) else ""
    return tuple(atoms), guard


def phrases(
    table: Mapping[str, Any], key: str, origin: str, word_start: bool = False, depth: int = 0
) -> str:
    r"""The list ``key`` of a rule-data table as one regex, to be compiled ignoring case.

    ``{name}`` in a phrase stands for the list ``name`` of the same table, whose
    phrases may hold slots too (a few levels deep). The phrases are merged into a tree
    ("I'll", "I will" and "I can" share their "I"), so the regex engine tries each
    shared start once; at each branch the longer phrase is tried first. An empty list
    gives a pattern that never matches.

    With ``word_start``, a match must also start a word, and the regex it returns makes
    its own case rule: compile it (and what follows it, wrapped in ``(?i:...)``) without
    ``re.I``. It opens with a class of the phrases' first letters, ``[IiLl]``, then checks
    that the letter starts a word and which it was, ``(?<=i)``. The regex engine scans
    for such a class far faster than it tries an alternation at every position.
    """
    if depth > _MAX_SLOT_DEPTH:
        raise RuleDataError(f"{origin}: the slots of {key!r} nest too deep (a list names itself?)")
    root: dict[str, Any] = {}
    slots: dict[str, str] = {}
    for phrase in _strings(table, key, origin):
        atoms, guard = _slotted(table, phrase, origin, slots, depth)
        node = root
        for atom in atoms:
            node = node.setdefault(atom, {})
        node[_END] = guard
    if not root:
        return "(?!)"
    if not word_start:
        return _emit(root)
    by_letter: dict[str, dict[str, Any]] = {}
    other: dict[str, Any] = {}
    for atom, child in root.items():
        if atom[:1].isalnum():  # a word: re.escape leaves letters and digits alone
            by_letter.setdefault(atom[0], {})[atom[1:] or _SAME] = child
        else:
            other[atom] = child
    letters = sorted(by_letter)
    first = "".join(c + c.upper() if c.isalpha() else c for c in letters)
    branches = [
        f"(?<={c})" + _emit({a: n for a, n in by_letter[c].items() if a != _SAME}, by_letter[c])
        for c in letters
    ]
    found = f"[{first}]{_AFTER_WORD_START}(?i:{'|'.join(branches)})" if letters else ""
    if other:
        rest = f"{WORD_START}(?i:{_emit(other)})"
        return f"(?:{found}|{rest})" if found else rest
    return found


_MAX_SLOT_DEPTH = 3
_END = ""  # the key of a tree node that ends a phrase; no atom is empty
_SAME = "\\0"  # a word of one letter: nothing left of it after that letter
# After a phrase's first letter: that letter starts a word.
_AFTER_WORD_START = r"(?<![\w'’‘ʼ-].)"


def _emit(node: dict[str, Any], same: dict[str, Any] | None = None) -> str:
    """A tree of atoms as a regex; ``same`` may hold, under ``_SAME``, the subtree of a
    one-letter word whose letter is already matched (it joins the branches here)."""
    branches = [atom + _emit(child) for atom, child in node.items() if atom != _END]
    if same is not None and _SAME in same:
        branches.append(_emit(same[_SAME]))
    if _END in node:
        branches.append(node[_END])
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _strings(table: Mapping[str, Any], key: str, origin: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleDataError(f"{origin}: {key} must be a list of strings")
    return [v for v in value if v.strip()]


def _slotted(
    table: Mapping[str, Any], phrase: str, origin: str, slots: dict[str, str], depth: int
) -> tuple[list[str], str]:
    """Atoms and guard of a phrase whose ``{name}`` slots become one atom each (built
    once a list, in ``slots``)."""
    pieces = _SLOT.split(phrase.strip())
    atoms: list[str] = []
    guard = ""
    for i, piece in enumerate(pieces):
        if i % 2:  # a slot name
            if piece not in table:
                raise RuleDataError(f"{origin}: {phrase!r} names no list {piece!r}")
            if piece not in slots:
                slots[piece] = phrases(table, piece, origin, depth=depth + 1)
            slot = slots[piece]
            spaced = pieces[i - 1][-1:].isspace()
            atoms.append((r"\s+" if spaced else "") + slot)
            guard = ""  # each alternative of the slot guards its own end
        elif piece.strip():
            found, guard = _atoms(piece)
            more = list(found)
            if atoms and piece[:1].isspace():
                more[0] = r"\s+" + more[0]
            atoms.extend(more)
    return atoms, guard


@dataclass(frozen=True)
class Sentence:
    """A sentence of the prose: offsets into ``doc.text``."""

    start: int  # first character after list, quote and emphasis markers
    end: int  # just past its final punctuation (or the end of its block)
    line_start: bool  # whether it opens its line (after those markers)
    last_in_block: bool  # no sentence follows it before a blank line or a new item


# Markers before the words of a line: quotes, a list item, a task box, emphasis.
LINE_MARKERS = re.compile(
    r"[ \t>]*(?:(?:[-*+]|\d{1,3}[.)])[ \t]+)?(?:\[[ xX]\][ \t]+)?(?:#{1,6}[ \t]+)?[*_]{0,3}"
)
# A line that starts a new block: a list item, a heading, a table row, a rule.
_NEW_BLOCK = re.compile(r"[ \t>]*(?:[-*+][ \t]|\d{1,3}[.)][ \t]|#{1,6}[ \t]|\||[-*_]{3,}\s*$)")
_WORDS_AHEAD = re.compile(r"[^\s>*_]")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]*_]*(?=\s|$)|:[*_]*[ \t]*$", re.M)


def doc_sentences(doc: Document) -> list[Sentence]:
    """The sentences of a document's prose, cut once and shared by the rules."""
    key = "prose-sentences"
    if key not in doc.memo:
        doc.memo[key] = list(sentences(doc.prose_text))
    return doc.memo[key]


def sentences(prose: str) -> Iterator[Sentence]:
    """Sentences of the masked prose, in order.

    A block is a run of non-blank lines; a list item, heading or table row starts a new
    one, and so does the line after one ending in a colon (a label: "Plan:").
    Abbreviations ("e.g.") cut a sentence short; the rules that use this accept it.
    """
    for block_start, block_end in _blocks(prose):
        pos = block_start
        while True:
            while pos < block_end and prose[pos] in " \t\n":
                pos += 1
            if pos >= block_end:
                break
            line_start = _at_line_start(prose, pos)
            if line_start:
                pos = LINE_MARKERS.match(prose, pos).end()
                while pos < block_end and prose[pos] in " \t":
                    pos += 1
                if pos >= block_end:
                    break
            found = _SENTENCE_END.search(prose, pos, block_end)
            end = found.end() if found else block_end
            last = _WORDS_AHEAD.search(prose, end, block_end) is None
            yield Sentence(pos, end, line_start, last)
            pos = max(end, pos + 1)


def _at_line_start(prose: str, pos: int) -> bool:
    """Whether only spaces stand between the start of its line and ``pos``."""
    return not prose[prose.rfind("\n", 0, pos) + 1 : pos].strip(" \t")


def _blocks(prose: str) -> Iterator[tuple[int, int]]:
    start = None
    offset = 0
    previous = ""
    for line in prose.split("\n"):
        end = offset + len(line)
        blank = not line.strip(" \t>")
        new_block = bool(_NEW_BLOCK.match(line)) or previous.rstrip(" \t*_").endswith(":")
        if start is not None and (blank or new_block):
            yield start, offset - 1
            start = None
        if not blank and start is None:
            start = offset
        previous = "" if blank else line
        offset = end + 1
    if start is not None:
        yield start, len(prose)


def words_pattern(words: Sequence[str]) -> str:
    """An alternation of words or phrases, longest first, any whitespace between words."""
    parts = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(p) for p in w.split()) for w in parts)
