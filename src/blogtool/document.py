"""The parsed draft: a Document holds one parse's sections, regions, links and math.

Every rule reads a :class:`Document` and nothing else. Offsets are indices into
``Document.text`` (a ``str``); :meth:`Document.position` turns them into the 1-based
``line:col`` of the original file.

The Document is the model: the parts it holds (:mod:`blogtool.document_parts`, all
importable from here) and the questions rules ask of them (where an offset is, what
region covers it, the prose with everything else blanked). How a text becomes those parts,
markdown-it's tokens, the repairs of blocks that would swallow the rest of the file and
the quote-fence annotations, is the adapter's business: :mod:`blogtool.markdown_adapter`.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import cached_property
from typing import Any

from .document_parts import (
    CODE_FENCE,
    CODE_INDENT,
    CODE_INLINE,
    CODE_KINDS,
    COMMENT,
    FRONT_MATTER,
    HTML_RAW,
    HTML_TAG,
    KIND_CODES,
    LINK_TARGET,
    LIQUID,
    MATH_BLOCK,
    MATH_INLINE,
    MATH_KINDS,
    RAW_NOTE,
    REF_DEFINITION,
    URL,
    Block,
    Comment,
    FrontMatter,
    Link,
    MathSpan,
    Problem,
    RawNote,
    Region,
    Section,
    blank_runs,
    blank_spans,
    github_slug,
    kind_name,
    normalize_text,
)
from .markdown_adapter import PLAIN_HTTP_URL, ParsedDraft, normalize_label, parse_markdown

__all__ = [
    "CODE_FENCE",
    "CODE_INDENT",
    "CODE_INLINE",
    "CODE_KINDS",
    "COMMENT",
    "FRONT_MATTER",
    "HTML_RAW",
    "HTML_TAG",
    "LINK_TARGET",
    "LIQUID",
    "MATH_BLOCK",
    "MATH_INLINE",
    "MATH_KINDS",
    "PLAIN_HTTP_URL",
    "RAW_NOTE",
    "REF_DEFINITION",
    "URL",
    "Block",
    "Comment",
    "Document",
    "FrontMatter",
    "Link",
    "MathSpan",
    "Problem",
    "RawNote",
    "Region",
    "Section",
    "blank_spans",
    "github_slug",
    "normalize_text",
]


class Document:
    """A draft, parsed once. Build it with :meth:`from_text`; it holds the parts the
    adapter found (``parts`` is read once and not kept)."""

    def __init__(self, path: str, parts: ParsedDraft) -> None:
        self.path = path
        # ``text`` is what the rules read: the file with the quotes of quote-fence lines
        # blanked; ``source`` keeps them. Same length, same lines.
        self.source = parts.source
        self.text = parts.text
        self.line_starts = parts.line_starts
        self.lines = parts.lines
        self.problems: list[Problem] = parts.problems
        self.regions: list[Region] = parts.regions
        self.links: list[Link] = parts.links
        self.math: list[MathSpan] = parts.math
        self.comments: list[Comment] = parts.comments
        self.raw_notes: list[RawNote] = parts.raw_notes
        self.sections: list[Section] = parts.sections
        self.front_matter: FrontMatter | None = parts.front_matter
        self.blocks: list[Block] = parts.blocks  # top-level blocks, in order
        self.html_block_lines: set[int] = parts.html_block_lines  # 1-based, any depth
        self.references: dict[str, str] = parts.references
        self.footnotes: set[str] = parts.footnotes
        self.quote_lines: set[int] = parts.quote_lines  # 1-based lines inside a blockquote
        self.tokens: list[Any] = parts.tokens  # markdown-it's; for the paper locator and stub
        self._kinds = parts.kinds  # the region kind code of every character
        # derived data rules share (e.g. spelling findings for three rules); never input
        self.memo: dict[Any, Any] = {}

    @classmethod
    def from_text(cls, text: str, path: str = "<string>") -> Document:
        return cls(path, parse_markdown(normalize_text(text)))

    # ------------------------------------------------------------------ queries

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a text offset; columns count characters."""
        offset = max(0, min(offset, len(self.text)))
        i = bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1

    def offset(self, line: int, col: int = 1) -> int:
        return self.line_starts[line - 1] + col - 1

    def kind_at(self, offset: int) -> str:
        """The region kind covering ``offset``, or ``"prose"``."""
        return kind_name(self._kinds, offset)

    def is_prose(self, offset: int) -> bool:
        return 0 <= offset < len(self._kinds) and self._kinds[offset] == 0

    def in_quote(self, offset: int) -> bool:
        return self.position(offset)[0] in self.quote_lines

    @cached_property
    def prose_text(self) -> str:
        """``text`` with every non-prose character replaced by a space (newlines kept)."""
        return self._masked_text()

    def masked(self, kinds: frozenset[str]) -> str:
        """``text`` with only the given region kinds blanked out."""
        codes = bytes(KIND_CODES[k] for k in kinds)
        table = bytes(0 if b == 0 or bytes([b]) not in codes else 1 for b in range(256))
        return blank_runs(self.text, self._kinds.translate(table))

    def _masked_text(self) -> str:
        return blank_runs(self.text, self._kinds)

    @cached_property
    def root_sections(self) -> list[Section]:
        return [s for s in self.sections if s.parent is None]

    def section_at(self, line: int) -> Section | None:
        """The innermost section holding a 1-based line."""
        found = None
        for section in self.sections:
            if section.line > line:
                break
            if section.line <= line <= section.end_line:
                found = section
        return found

    def defines_reference(self, label: str) -> bool:
        """Whether a ``[label]: url`` definition exists, labels matched as Markdown does."""
        return normalize_label(label) in self.references

    def line_text(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""
