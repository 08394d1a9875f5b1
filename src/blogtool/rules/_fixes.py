"""Building the fixes rules attach to their hits: pure functions of the text they repair.

Each returns a :class:`~blogtool.violation.Fix` whose edits are offsets into
``Document.text``, or None when the repair is not certain enough to offer. Whether a fix is
safe (applied by ``lint --fix``) or unsafe (only with ``--unsafe-fixes``) is decided here, and
each rule declares the same on its ``@rule(fix=...)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..document import Document, Link, Section
from ..violation import Edit, Fix
from ._util import section_year

_URL_END = frozenset(")> \t\n#\"'")
_HOST = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?([^/?#:]+)")
_OPEN_ANCHOR = re.compile(r"<a\b[^>]*>(?:(?!</a>).)*$", re.I)


def replace(start: int, end: int, replacement: str, title: str, safe: bool = True) -> Fix:
    return Fix((Edit(start, end, replacement),), title, safe)


# ------------------------------------------------------------------ links


def autolink(doc: Document, link: Link) -> Fix | None:
    """A bare URL made a link: ``https://a.b/c`` becomes ``<https://a.b/c>``.

    A ``www.`` name gets its ``https://`` (an autolink needs a scheme). In an ``.mdx`` file,
    where ``<`` opens JSX and autolinks do not exist, it becomes ``[url](url)``. Not offered
    when the URL as written holds a character an autolink cannot (a space, ``<`` or ``>``).
    """
    written = doc.text[link.start : link.end]
    if not written or any(c in written for c in " \t\n<>"):
        return None
    host = _HOST.match(written)
    if host is None or ("." not in host.group(1) and host.group(1).lower() != "localhost"):
        return None  # "http://www." written about URLs, not a link to one
    line_start = doc.text.rfind("\n", 0, link.start) + 1
    if _OPEN_ANCHOR.search(doc.text, line_start, link.start):
        return None  # the text of an HTML <a>: a link inside a link
    if "://" in written:
        target = written
    elif written.lower().startswith("www."):
        target = f"https://{written}"
    else:
        return None
    if doc.path.lower().endswith(".mdx"):
        if any(c in written for c in "[]()"):
            return None
        made = f"[{written}]({target})"
    else:
        made = f"<{target}>"
    return replace(link.start, link.end, made, f"write {written} as {made}")


def new_address(doc: Document, link: Link, url: str, moved_to: str | None) -> Fix | None:
    """A permanently moved URL replaced by its new address, where the link writes it.

    Only inline links, autolinks and bare URLs (the URL is inside the link's own text); a
    fragment written after the old URL is kept. Not offered when the new address is unknown,
    would need escaping in Markdown, or when both addresses carry a fragment.
    """
    if not moved_to or any(c in moved_to for c in " \t\n<>()[]\"'"):
        return None
    if link.kind not in ("inline", "autolink", "bare"):
        return None
    fragment = url.partition("#")[2]
    if fragment:
        # the check asked for the page; the reader still wants the same place on it
        if "#" in moved_to:
            return None
        moved_to = f"{moved_to}#{fragment}"
    written = doc.text[link.start : link.end]
    begin = written.find("](") + 2 if link.kind == "inline" else 0
    if link.kind == "inline" and begin < 2:
        return None
    at = written.find(url, begin)
    if at < 0:
        return None
    stop = at + len(url)
    if stop < len(written) and written[stop] not in _URL_END:
        return None  # the checked URL is only the start of what is written
    if "#" in moved_to and written[stop : stop + 1] == "#":
        return None
    start = link.start + at
    return replace(start, start + len(url), moved_to, f"link {moved_to} instead of {url}")


# ------------------------------------------------------------------ math


def tex_letter(text: str, start: int, letter: str, command: str) -> Fix | None:
    """A letter pasted into math replaced by its TeX command; a space keeps ``\\alpha`` apart
    from a letter right after it (``αx`` is ``\\alpha x``, not ``\\alphax``). None when the
    text there is not the letter (math whose escapes were resolved)."""
    if text[start : start + 1] != letter:
        return None
    after = text[start + 1 : start + 2]
    glue = " " if after.isascii() and after.isalpha() else ""
    return replace(start, start + 1, command + glue, f"write {letter} as {command}")


# ------------------------------------------------------------------ grammar

# First letters whose sound the letters decide: "h" (an hour, a house) and "u" (a unit, an
# update) are left to the author, and so is any word that is not a common English word
# (an lstm, an sde, an mle: acronyms written in lower case are read by their letters).
_SURE_AN = frozenset("aeio")
_SURE_A = frozenset("bcdfgjklmnpqrstvwxyz")
# Words no article stands before: next to them the slip is elsewhere ("An the" for "And the").
_NO_ARTICLE = frozenset(
    "the a an this that these those my your his her its our their and or but nor of to in on "
    "at by for with from is are was were be been not no".split()
)
_COMMON = 1000  # lexicon frequency of a word common enough to be read as a word
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_NEXT = re.compile(r"[ \t]+[\[(*_\"'\u201c\u2018]*(\S+)")


def article(
    start: int, end: int, right: str, following: str, frequency: Mapping[str, int] | None
) -> Fix | None:
    """``a``/``an`` corrected where the following word's sound is certain from its letters.

    ``frequency`` is how common English words are (the spelling stage's word list); without
    it no word counts as common, so no fix is offered.
    """
    word = _WORD.match(following)
    if word is None or frequency is None:
        return None
    first_part = word.group(0).split("-")[0]
    if word.group(0)[0] not in (_SURE_AN if right.lower() == "an" else _SURE_A):
        return None
    if first_part in _NO_ARTICLE:
        return None  # "An the second..." is "And the", not "A the"
    if frequency.get(first_part, 0) < _COMMON:
        return None
    return replace(start, end, right, f"write {right!r} before {word.group(0)!r}")


_REPEAT = re.compile(r"(\w+)(\s+)(\w+)")
# Repeats that can be meant: grammatical ("what it is is", "fed in in the past", "those who
# do do") and emphatic ("many many", "etc etc", "hint hint"). BT602 still reports them.
_MAY_REPEAT = frozenset(
    "is was in on up out off over down do does did had that "
    "many very really so no yes etc hint much more far long well bye ha".split()
)


def repeated_word(text: str, start: int, end: int) -> Fix | None:
    """The second of two repeated words removed, with the space before it.

    Across a line break the line break stays: the second word and the spaces after it go,
    unless punctuation follows it (then the line break goes instead).
    """
    m = _REPEAT.fullmatch(text, start, end)
    if m is None or m.group(1).lower() != m.group(3).lower():
        return None
    if m.group(1).lower() in _MAY_REPEAT:
        return None
    before = re.search(r"(\w+)\s+$", text[max(0, start - 40) : start])
    after = re.match(r"\s+(\w+)", text[end : end + 40])
    if any(w is not None and w.group(1).lower() == m.group(1).lower() for w in (before, after)):
        return None  # "poem poem poem": three times is meant
    word = m.group(3)
    title = f"remove the repeated {word!r}"
    if "\n" not in m.group(2):
        return replace(m.end(1), m.end(3), "", title)
    spaces = re.compile(r"[ \t]+").match(text, m.end(3))
    if spaces is not None and spaces.end() < len(text) and text[spaces.end()] not in "\n":
        return replace(m.start(3), spaces.end(), "", title)
    return replace(m.end(1), m.end(3), "", title)


# ------------------------------------------------------------------ structure


_ATX = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")


def heading_level(text: str, line_start: int, level: int) -> Fix | None:
    """An ATX heading moved to ``level`` (its closing ``#``s, if any, are left as written)."""
    m = _ATX.match(text, line_start)
    if m is None:
        return None
    hashes = "#" * level
    return replace(
        m.start(1), m.end(1), hashes, f"make the heading h{level} ({hashes})", safe=False
    )


def remove_brackets(text: str, start: int, end: int) -> Fix | None:
    """Empty brackets after a word removed; never a link's (``[](url)``, ``[][ref]``)."""
    if text[end : end + 1] in ("(", "["):
        return None
    return replace(start, end, "", f"remove the empty {text[start:end]}", safe=False)


def grammar_fix(
    text: str,
    finding,  # noqa: ANN001 - a spelling Finding
    frequency: Mapping[str, int] | None = None,
) -> Fix | None:
    """The fix for a BT602 finding of blogtool's own a/an or repeated-word check, if certain.

    The backend's other grammar rules (and LanguageTool's) get none: their suggestions are
    guesses the author should choose between.
    """
    if finding.backend_rule == "RepeatedWords":
        return repeated_word(text, finding.start, finding.end)
    if finding.backend_rule == "AnA" and len(finding.suggestions) == 1:
        following = _NEXT.match(text, finding.end)
        if following is None:
            return None
        return article(
            finding.start, finding.end, finding.suggestions[0], following.group(1), frequency
        )
    return None


def move_block(text: str, start: int, end: int, to: int, title: str) -> Fix | None:
    """Lines ``text[start:end]`` moved to the line that starts at ``to`` (or to the end of
    the text), keeping the blank-line style around them. Unsafe: the author may have had a
    reason for the order. ``start`` and ``to`` must start lines."""
    if start <= to <= end or not all(
        p == 0 or p >= len(text) or text[p - 1] == "\n" for p in (start, to)
    ):
        return None
    block = text[start:end]
    lines = block.rstrip("\n")
    if not lines.strip():
        return None
    # blank lines between sections, or none: as around the block, or where it goes
    spaced = block.endswith("\n\n") or text[max(0, start - 2) : start] == "\n\n"
    if to > 0:
        spaced = text[max(0, to - 2) : to] == "\n\n"
    if end >= len(text):
        # the last block: the blank lines before it go with it, so the text still ends
        # with one line break
        while start > 1 and text[start - 2 : start] == "\n\n":
            start -= 1
        if not block.endswith("\n"):  # nor one, where the draft had no final line break
            start -= 1 if start > 0 else 0
    remove = Edit(start, end, "")
    if to >= len(text):
        before = "" if text.endswith("\n\n") else "\n" if text.endswith("\n") else "\n\n"
        final = "\n" if text.endswith("\n") else ""  # keep a missing final line break missing
        insert = Edit(len(text), len(text), before + lines + final)
    else:
        insert = Edit(to, to, lines + ("\n\n" if spaced else "\n"))
    return Fix((remove, insert), title, safe=False)


def move_to_year(doc: Document, section: Section, year: int) -> Fix | None:
    """A paper section moved to the end of the draft's section for ``year``: a sibling of the
    year section it sits in now. None when the draft has no such section (or several)."""
    current = section.parent
    while current is not None and section_year(current) is None:
        current = current.parent
    if current is None:
        return None
    targets = [
        s
        for s in doc.sections
        if s.level == current.level and s.parent is current.parent and section_year(s) == year
    ]
    if len(targets) != 1:
        return None
    return move_block(
        doc.text, section.start, section.end, targets[0].end, f"move it under ## {year}"
    )
