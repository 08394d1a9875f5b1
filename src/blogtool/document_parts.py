"""The parts of a parsed draft: region kinds, spans, links, math, sections, blocks.

Plain data, built by the markdown-it adapter (:mod:`blogtool.markdown_adapter`) and held
by a :class:`blogtool.document.Document`; import them from :mod:`blogtool.document`.
Offsets are indices into ``Document.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Region kinds. Prose is everything that is not covered by one of these.
FRONT_MATTER = "front_matter"
CODE_FENCE = "code_fence"
CODE_INDENT = "code_indent"
CODE_INLINE = "code_inline"
MATH_BLOCK = "math_block"
MATH_INLINE = "math_inline"
HTML_TAG = "html_tag"
HTML_RAW = "html_raw"  # <script>, <pre>, <style>, <textarea> blocks
COMMENT = "comment"
RAW_NOTE = "raw_note"
LINK_TARGET = "link_target"
URL = "url"
REF_DEFINITION = "ref_definition"
LIQUID = "liquid"  # Jekyll's {{ ... }} and {% ... %} tags, kramdown's {: ... } lists

CODE_KINDS = frozenset({CODE_FENCE, CODE_INDENT, CODE_INLINE})
MATH_KINDS = frozenset({MATH_BLOCK, MATH_INLINE})

KIND_CODES = {
    kind: i + 1
    for i, kind in enumerate(
        [
            FRONT_MATTER,
            CODE_FENCE,
            CODE_INDENT,
            CODE_INLINE,
            MATH_BLOCK,
            MATH_INLINE,
            HTML_TAG,
            HTML_RAW,
            COMMENT,
            RAW_NOTE,
            LINK_TARGET,
            URL,
            REF_DEFINITION,
            LIQUID,
        ]
    )
}
_CODE_KINDS = {code: kind for kind, code in KIND_CODES.items()}


def kind_name(kinds: bytearray, offset: int) -> str:
    """The region kind a per-character code array gives ``offset``, or ``"prose"``."""
    if 0 <= offset < len(kinds):
        code = kinds[offset]
        if code:
            return _CODE_KINDS[code]
    return "prose"


@dataclass(frozen=True)
class Region:
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Link:
    """A link or image as written.

    ``kind`` is one of ``inline``, ``reference`` (full, collapsed or shortcut),
    ``autolink`` (``<https://...>``) or ``bare`` (a URL typed into prose).
    ``target`` is the destination as markdown-it resolved it (empty for ``[x]()``).
    """

    kind: str
    text: str
    target: str
    start: int
    end: int
    is_image: bool = False
    label: str | None = None


@dataclass(frozen=True)
class MathSpan:
    r"""A formula. ``content_end`` is set for spans between backslash delimiters
    (``\\(...\\)``, ``\\[...\\]``, ``\(...\)``, ``\[...\]``): their ``content`` is the source
    between ``content_start`` and ``content_end`` with Markdown's backslash escapes resolved
    as the renderer resolves them, padded so every character keeps its offset."""

    display: bool
    content: str
    start: int
    end: int
    content_start: int
    content_end: int | None = None


@dataclass(frozen=True)
class Comment:
    start: int
    end: int
    body: str


@dataclass(frozen=True)
class Problem:
    """Something the parser had to repair; see the module docstring."""

    kind: str  # "unclosed_fence", "unclosed_comment", "unclosed_raw_html", "commented_out"
    start: int
    end: int


@dataclass(frozen=True)
class RawNote:
    """A block of pasted notes between two quote-fence lines, or one fence left alone.

    An annotation, not a region: the text between the fences is parsed and checked as the
    Markdown it renders as. Only the fence lines' quotes are kept out of the prose.
    ``closed`` is False for a fence that has no partner; ``opens`` then says whether the
    lines around it read as the start of a block (True) or as its end.
    """

    start: int  # offset of the opening fence line (of the lone fence when not closed)
    end: int  # offset just past the closing fence line
    closed: bool
    empty: bool = False  # only blank lines between the fences
    opens: bool = True


@dataclass(frozen=True)
class Block:
    """A top-level block of the draft: a paragraph, a heading, a list, a table, a code
    block, an HTML block ... ``kind`` is markdown-it's name for it (``paragraph``,
    ``heading``, ``hr``, ``fence``, ``code_block``, ``html_block``, ``table``,
    ``bullet_list``, ``ordered_list``, ``blockquote``, ``math_block``, ``amsmath`` ...)."""

    kind: str
    line: int  # 1-based first line
    end_line: int  # 1-based last line (a list keeps the blank line after it)
    start: int  # offset of the first line
    end: int  # offset just past the last line (its newline included)
    content: str = ""  # a leaf block's content as parsed (the raw HTML of an HTML block)
    only_images: bool = False  # a paragraph that holds images and nothing else


@dataclass(frozen=True)
class FrontMatter:
    """The YAML front matter on line 1: its span (fences included) and its top-level
    ``key: value`` lines.

    ``fields`` maps each top-level key to its value as a string: outer quotes and spaces
    dropped, and a ``#`` comment after an unquoted value. Nested keys, list items and
    the lines of a multi-line value are not fields. ``spans`` maps each key to the offsets
    of its value in ``Document.text`` (quotes included), for a rule that reports or checks
    the value where it is written.
    """

    start: int
    end: int
    fields: dict[str, str]
    spans: dict[str, tuple[int, int]]

    @classmethod
    def read(cls, text: str, start: int, end: int) -> FrontMatter:
        fields: dict[str, str] = {}
        spans: dict[str, tuple[int, int]] = {}
        for m in _FRONT_MATTER_FIELD.finditer(text, start, end):
            key = m.group(1)
            if key in fields:
                continue  # YAML keeps one; the first is what a reader sees first
            value, s = m.group(2), m.start(2)
            quoted = _QUOTED_VALUE.fullmatch(value)
            if quoted is not None:
                fields[key], e = quoted.group(2), s + quoted.end(1) + len(quoted.group(2)) + 1
            else:
                comment = _YAML_COMMENT.search(value)
                fields[key] = value[: comment.start()] if comment else value
                e = s + len(fields[key])
            spans[key] = (s, e)
        return cls(start, end, fields, spans)


# A top-level ``key: value`` line (no indent; a key alone on its line has an empty value).
_FRONT_MATTER_FIELD = re.compile(r"^([A-Za-z_][\w.-]{0,60})[ \t]*:(?:[ \t]+|$)(.*?)[ \t]*$", re.M)
_QUOTED_VALUE = re.compile(r"([\"'])(.*?)\1(?:[ \t]+#.*)?")
_YAML_COMMENT = re.compile(r"[ \t]+#.*$")


@dataclass(eq=False)
class Section:
    level: int
    title: str
    line: int  # 1-based line of the heading
    end_line: int  # last line that belongs to the section (children included)
    start: int  # offset of the heading line
    end: int  # offset just past the section
    slug: str
    parent: Section | None = None
    children: list[Section] = field(default_factory=list)
    title_col: int = 1
    raw_title: str = ""  # the heading's inline Markdown, as written
    heading_end: int = 0  # offset of the end of the heading's last line (a setext one has two)
    body_start: int = 0  # offset of the first line after the heading

    @property
    def body_end_line(self) -> int:
        """Last line before the first child heading (or the section's end)."""
        if self.children:
            return self.children[0].line - 1
        return self.end_line

    @property
    def body_end(self) -> int:
        """Offset where the section's own body ends: its first child heading, or its end."""
        return self.children[0].start if self.children else self.end

    def __repr__(self) -> str:
        return f"Section({self.level}, {self.title!r}, lines {self.line}-{self.end_line})"


def normalize_text(text: str) -> str:
    """Drop a BOM, turn CRLF/CR into LF and NUL into U+FFFD: offsets then match lines.

    Lone surrogates (bytes that were not UTF-8, decoded with ``surrogateescape``) also become
    U+FFFD, one character for one, so no rule or backend meets a string it cannot encode.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")


def line_starts(text: str) -> list[int]:
    starts = [0]
    find = text.find
    pos = find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = find("\n", pos + 1)
    return starts


_NON_NEWLINE = re.compile(r"[^\n]")
_MASKED_RUN = re.compile(rb"[^\x00]+")


def blank_runs(text: str, mask: bytearray | bytes) -> str:
    pieces: list[str] = []
    last = 0
    for m in _MASKED_RUN.finditer(mask):
        s, e = m.span()
        pieces.append(text[last:s])
        pieces.append(_NON_NEWLINE.sub(" ", text[s:e]))
        last = e
    pieces.append(text[last:])
    return "".join(pieces)


def github_slug(title: str) -> str:
    """The anchor GitHub and jekyll-toc give a heading."""
    slug = title.strip().lower()
    slug = re.sub(r"[^\w\- ]", "", slug)
    return slug.replace(" ", "-")


def blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every character but newlines inside ``spans`` (any order, overlaps
    allowed) replaced by a space: offsets and lines stay put."""
    pieces: list[str] = []
    last = 0
    for start, end in sorted(spans):
        start = max(start, last)
        if end <= start:
            continue
        pieces += [text[last:start], _NON_NEWLINE.sub(" ", text[start:end])]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)
