"""The markdown-it adapter: one markdown-it-py parse turned into the parts of a Document.

This is the only module that knows markdown-it's tokens. :func:`parse_markdown` parses a
normalised text and finds its regions, links, math, comments, sections and top-level
blocks (:mod:`blogtool.document_parts`); :class:`blogtool.document.Document` holds them
and answers the rules' questions.

Four repairs happen before the parse, each recorded in ``Document.problems`` so that a
rule can report it, because CommonMark would otherwise let one mistake swallow the rest
of the file and leave it unchecked:

* an unclosed top-level code fence,
* an unclosed ``<!--`` HTML comment block,
* an unclosed ``<pre>``, ``<script>``, ``<style>`` or ``<textarea>`` block (CommonMark shows
  everything after it as raw HTML),
* an HTML comment that wraps the whole post (the inside is linted as the document).

The markers of each are blanked out (replaced by spaces, so every offset stays put) and
the text is parsed again. Display math needs no repair: mdit-py-plugins' ``$$`` rule
never runs past a blank line, so an unclosed ``$$`` stays in prose where the math rule
finds it.

Quote-fence lines (``\"\"\"``, ``'''`` and longer runs, alone on a line) are not a repair but
an annotation: Markdown gives them no meaning, so their quotes are blanked in ``text`` (the
file as it is kept in ``source``) before the parse, and the notes between them are parsed
and checked as whatever they render as. ``raw_notes`` pairs the fences from the lines around
each one, so a stray fence is reported alone and changes nothing else.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from typing import Any

from .document_parts import (
    CODE_FENCE,
    CODE_INDENT,
    CODE_INLINE,
    COMMENT,
    FRONT_MATTER,
    HTML_RAW,
    HTML_TAG,
    KIND_CODES,
    LINK_TARGET,
    LIQUID,
    MATH_BLOCK,
    MATH_INLINE,
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
    line_starts,
)

_MAX_REPAIRS = 64
_REPAIRED_KINDS = {
    "unclosed_fence": CODE_FENCE,
    "unclosed_comment": COMMENT,
    "unclosed_raw_html": HTML_RAW,
}


def normalize_label(label: str) -> str:
    """A link reference label as Markdown matches it: case folded, whitespace collapsed."""
    from markdown_it.common.utils import normalizeReference

    return normalizeReference(label)


def parse_markdown(text: str) -> ParsedDraft:
    """Parse a normalised text (see :func:`blogtool.document.normalize_text`) once."""
    return ParsedDraft(text).build()


class ParsedDraft:
    """A draft's text, parsed, with the parts found in it; built by :func:`parse_markdown`."""

    def __init__(self, text: str) -> None:
        # ``text`` is what the rules read: the file with the quotes of quote-fence lines
        # blanked (see ``_blank_quote_fences``); ``source`` keeps them. Same length, same lines.
        self.source = text
        self.text = text
        self.line_starts = line_starts(text)
        self.lines = text.split("\n")
        self.problems: list[Problem] = []
        self.regions: list[Region] = []
        self.links: list[Link] = []
        self.math: list[MathSpan] = []
        self.comments: list[Comment] = []
        self.raw_notes: list[RawNote] = []
        self._quote_fences: list[tuple[int, int]] = []  # the quote runs blanked for the parse
        self.sections: list[Section] = []
        self.front_matter: FrontMatter | None = None
        self.blocks: list[Block] = []  # top-level blocks, in order
        self.html_block_lines: set[int] = set()  # 1-based lines of HTML blocks (any depth)
        self.references: dict[str, str] = {}
        self.footnotes: set[str] = set()
        self.quote_lines: set[int] = set()  # 1-based lines inside a blockquote
        self.tokens: list[Any] = []
        self.kinds = bytearray(len(text))  # the region kind code of each character (0: prose)

    def build(self) -> ParsedDraft:
        parse_text = _blank_commented_out_post(self.source, self.problems)
        for _ in range(_MAX_REPAIRS):
            tokens, env = _parse(parse_text)
            blanked = _blank_quote_fences(parse_text, tokens, self._quote_fences)
            if blanked is not None:
                parse_text = blanked
                continue
            repaired = _repair_swallowing_block(parse_text, tokens, self.problems)
            if repaired is None:
                break
            parse_text = repaired
        if self._quote_fences:
            self.text = blank_spans(self.source, self._quote_fences)
            self.lines = self.text.split("\n")
        self.tokens = tokens
        self.references = {
            label: ref.get("href", "") for label, ref in env.get("references", {}).items()
        }
        self.footnotes = {
            str(note.get("label", "")) for note in env.get("footnotes", {}).get("list", {}).values()
        }
        self._blank_repaired_markers()
        self._walk_blocks(tokens)
        self._find_top_blocks(tokens)
        self._find_reference_definitions(tokens)
        self._mark_liquid()
        self._find_raw_notes()
        self._find_backslash_math()
        self._find_footnote_labels()
        self._find_entities()
        self._find_bare_urls()
        self._build_sections(tokens)
        return self

    def _mark_liquid(self) -> None:
        """Jekyll Liquid: tags are not prose, and ``{% highlight %}`` blocks are code.

        markdown-it knows nothing of Liquid, so it parsed a highlight block's Python
        comments as headings and its ``$`` as math: those are dropped here too.
        """
        text = self.text
        if "{%" not in text and "{{" not in text and "{:" not in text:
            return
        blocks = []
        opened: tuple[str, int] | None = None
        for m in _LIQUID_TAG.finditer(text):
            if self.kinds[m.start()] != 0:
                continue
            self._mark(LIQUID, m.start(), m.end())
            name = _LIQUID_CODE.match(m.group(0))
            if name is None:
                continue
            if opened is None and not name.group(1):
                opened = (name.group(2), m.start())
            elif opened is not None and name.group(1) and name.group(2) == opened[0]:
                blocks.append((opened[1], m.end()))
                opened = None
        for start, end in blocks:
            self._mark(CODE_FENCE, start, end)
        if not blocks:
            return

        def outside(start: int) -> bool:
            return not any(s <= start < e for s, e in blocks)

        self.math = [m for m in self.math if outside(m.start)]
        self.links = [link for link in self.links if outside(link.start)]
        self.comments = [c for c in self.comments if outside(c.start)]
        self.raw_notes = [n for n in self.raw_notes if outside(n.start)]
        self.regions = [r for r in self.regions if r.kind == CODE_FENCE or outside(r.start)]

    def _blank_repaired_markers(self) -> None:
        """The markers the parser was told to ignore are still in ``text``: keep them out
        of the prose, so prose rules never see a stray ``<!--`` or a fence's info string."""
        for problem in self.problems:
            if problem.kind == "commented_out":
                self._mark(COMMENT, problem.start, problem.start + 4)
                self._mark(COMMENT, problem.end - 3, problem.end)
            else:
                line = bisect_right(self.line_starts, problem.start) - 1
                start, end = self._line_span(line, line + 1)
                self._mark(_REPAIRED_KINDS[problem.kind], start, end)

    def _mark(self, kind: str, start: int, end: int) -> None:
        if end <= start:
            return
        code = KIND_CODES[kind]
        self.kinds[start:end] = bytes([code]) * (end - start)
        self.regions.append(Region(kind, start, end))

    def _line_span(self, first: int, last: int) -> tuple[int, int]:
        """Offsets of 0-based lines ``first`` to ``last`` (exclusive), newline excluded."""
        start = self.line_starts[first]
        end = self.line_starts[last] - 1 if last < len(self.line_starts) else len(self.text)
        return start, max(start, end)

    def _walk_blocks(self, tokens: list[Any]) -> None:
        for token in tokens:
            ttype = token.type
            if token.map is None:
                continue
            first, last = token.map
            if ttype == "front_matter":
                start, end = self._line_span(first, last)
                self._mark(FRONT_MATTER, start, end)
                self.front_matter = FrontMatter.read(self.text, start, end)
            elif ttype == "fence":
                self._mark(CODE_FENCE, *self._line_span(first, last))
            elif ttype == "code_block":
                self._mark(CODE_INDENT, *self._line_span(first, last))
            elif ttype in ("math_block", "math_block_label", "amsmath"):
                if ttype == "amsmath":
                    last = min(last + 1, len(self.lines))  # its map leaves out the \end line
                start, end = self._line_span(first, last)
                self._mark(MATH_BLOCK, start, end)
                self._add_block_math(start, end, token)
            elif ttype == "html_block":
                self._add_html(*self._line_span(first, last), block=True)
                self.html_block_lines.update(range(first + 1, last + 1))
            elif ttype == "blockquote_open":
                self.quote_lines.update(range(first + 1, last + 1))
            elif ttype == "inline":
                self._walk_inline(token)

    def _find_top_blocks(self, tokens: list[Any]) -> None:
        nlines = len(self.line_starts)
        for i, token in enumerate(tokens):
            if token.level != 0 or token.nesting == -1 or token.map is None:
                continue
            first, last = token.map
            kind = token.type.removesuffix("_open")
            end = self.line_starts[last] if last < nlines else len(self.text)
            only_images = False
            if kind == "paragraph" and i + 1 < len(tokens):
                children = [
                    c
                    for c in tokens[i + 1].children or []
                    if c.type != "softbreak" and not (c.type == "text" and not c.content.strip())
                ]
                only_images = bool(children) and all(c.type == "image" for c in children)
            start = self.line_starts[first]
            self.blocks.append(Block(kind, first + 1, last, start, end, token.content, only_images))

    def _add_block_math(self, start: int, end: int, token: Any) -> None:
        """``content`` is markdown-it's (container markers removed); ``content_start``
        points just past the opening ``$$`` in the file."""
        raw = self.text[start:end]
        if token.type == "amsmath":
            self.math.append(MathSpan(True, raw.strip(), start, end, start))
            return
        opening = raw.find("$$")
        content_start = start + opening + 2 if opening >= 0 else start
        self.math.append(MathSpan(True, token.content.strip("\n"), start, end, content_start))

    def _add_html(self, start: int, end: int, block: bool) -> None:
        chunk = self.text[start:end]
        if block and re.match(r"\s*<(script|pre|style|textarea)\b", chunk, re.I):
            self._mark(HTML_RAW, start, end)
            return
        for m in _TAG_OR_COMMENT.finditer(chunk):
            s, e = start + m.start(), start + m.end()
            if m.group(0).startswith("<!--"):
                self._mark(COMMENT, s, e)
                body = m.group(0)[4:]
                if body.endswith("-->"):
                    body = body[:-3]
                self.comments.append(Comment(s, e, body))
            else:
                self._mark(HTML_TAG, s, e)
                self._add_html_links(m.group(0), s)

    def _add_html_links(self, tag: str, start: int) -> None:
        """Links written as HTML: ``<a href>``, ``<img src>``, ``<source src>``,
        ``<video poster>`` ... Each is a :class:`Link` of kind ``html`` whose offsets span
        the attribute's value, so a message points at the URL itself."""
        name = _TAG_NAME.match(tag)
        if name is None:
            return
        wanted = _HTML_LINK_ATTRIBUTES.get(name.group(1).lower())
        if wanted is None:
            return
        for m in _HTML_ATTRIBUTE.finditer(tag, name.end()):
            if m.group(1).lower() not in wanted:
                continue
            group = next(i for i in (2, 3, 4) if m.group(i) is not None)
            value = html.unescape(m.group(group)).strip()
            s, e = start + m.start(group), start + m.end(group)
            is_image = name.group(1).lower() != "a"
            self.links.append(Link("html", "", value, s, e, is_image))

    def _walk_inline(self, token: Any) -> None:
        children = token.children or []
        origin = _InlineOrigin(self, token)
        stack: list[tuple[Any, int]] = []
        for child in children:
            src = child.meta.get("src") if child.meta else None
            ctype = child.type
            if src is None:
                if ctype == "link_close" and stack:
                    self._finish_link(stack.pop(), origin)
                continue
            s, e = origin.to_source(src[0]), origin.to_source(src[1])
            if ctype == "code_inline":
                self._mark(CODE_INLINE, s, e)
            elif ctype in ("math_inline", "math_inline_double"):
                self._mark(MATH_INLINE, s, e)
                delim = 2 if ctype == "math_inline_double" else 1
                self.math.append(
                    MathSpan(ctype == "math_inline_double", child.content, s, e, s + delim)
                )
            elif ctype == "html_inline":
                self._add_html(s, e, block=False)
            elif ctype == "link_open":
                stack.append((child, src))
            elif ctype == "link_close":
                if stack:
                    self._finish_link(stack.pop(), origin)
            elif ctype == "image":
                self._add_link(child, src, origin, is_image=True)

    def _finish_link(self, opened: tuple[Any, tuple[int, int]], origin: _InlineOrigin) -> None:
        token, src = opened
        self._add_link(token, src, origin, is_image=False)

    def _add_link(
        self, token: Any, src: tuple[int, int], origin: _InlineOrigin, is_image: bool
    ) -> None:
        raw = origin.content[src[0] : src[1]]
        start, end = origin.to_source(src[0]), origin.to_source(src[1])
        target = token.attrGet("src" if is_image else "href") or ""
        if token.markup == "autolink" or raw.startswith("<"):
            self._mark(URL, start, end)
            self.links.append(Link("autolink", target, str(target), start, end, is_image))
            return
        lead = 1 if is_image else 0
        close = _matching_bracket(raw, lead)
        text = raw[lead + 1 : close] if close > 0 else ""
        rest_at = close + 1 if close > 0 else len(raw)
        rest = raw[rest_at:]
        label = None
        if rest.startswith("("):
            kind = "inline"
        else:
            kind = "reference"
            label = rest[1:-1] if rest.startswith("[") and rest.endswith("]") else ""
            label = label or text
        if rest:
            self._mark(LINK_TARGET, origin.to_source(src[0] + rest_at), end)
        self.links.append(Link(kind, text, str(target), start, end, is_image, label))

    def _find_reference_definitions(self, tokens: list[Any]) -> None:
        """markdown-it keeps no token for ``[label]: url`` lines; find the uncovered lines."""
        covered = bytearray(len(self.lines) + 1)
        for token in tokens:
            if token.map is not None:
                first, last = token.map
                covered[first:last] = b"\x01" * (last - first)
        for i, line in enumerate(self.lines):
            if covered[i] or not line.strip():
                continue
            m = _REF_DEF.match(line)
            if m:
                start = self.line_starts[i]
                self._mark(REF_DEFINITION, start, start + len(line))

    def _find_raw_notes(self) -> None:
        """Pair the quote-fence lines blanked for the parse into blocks of notes.

        Pairing looks only at each fence's neighbours, so a mistyped or stray fence costs at
        most the report of its own block; nothing else depends on it.
        """
        if not self._quote_fences:
            return
        fences = []
        for start, end in self._quote_fences:
            if self.kinds[start] != 0:
                continue  # inside a Liquid highlight block: code
            self._mark(RAW_NOTE, start, end)
            fences.append(bisect_right(self.line_starts, start) - 1)
        lines = self.source.split("\n")
        for first, last in pair_quote_fences(lines, fences):
            s = self.line_starts[first]
            if last is None:
                opens = _fence_evidence(lines, first) >= 0
                self.raw_notes.append(RawNote(s, s + len(lines[first]), False, opens=opens))
                continue
            e = self.line_starts[last] + len(lines[last])
            empty = all(not line.strip() for line in self.lines[first + 1 : last])
            self.raw_notes.append(RawNote(s, e, True, empty))

    def _find_backslash_math(self) -> None:
        r"""Math between backslash delimiters, which markdown-it reads as escaped brackets.

        ``\\( x \\)`` and ``\\[ x \\]`` render as ``\( x \)`` and ``\[ x \]`` (the Hugging
        Face blog's convention); ``\( x \)`` is MathJax's own. A span stays inside one
        paragraph, as MathJax's does. ``\[ ... \]`` with one backslash is also how prose
        escapes brackets, so it counts only when its content looks like TeX.
        """
        text = self.text
        if "\\(" not in text and "\\[" not in text:
            return
        prose = self._masked_text()
        pos = 0
        while True:
            m = _MATH_OPENER.search(prose, pos)
            if m is None:
                return
            opener = m.group(0)
            closer = opener[:-1] + ("]" if opener.endswith("[") else ")")
            stop = _paragraph_end(prose, m.end())
            close = prose.find(closer, m.end(), stop)
            if close < 0:
                # no closer in this paragraph: later openers of this paragraph find none either
                pos = m.end() if prose.find(opener, m.end(), stop) < 0 else stop
                continue
            content_start, end = m.end(), close + len(closer)
            raw = text[content_start:close]
            pos = end
            display = opener.endswith("[")
            if opener == "\\[" and not _TEX_HINT.search(raw):
                continue  # \[citation needed\]: brackets escaped in prose
            self._mark(MATH_BLOCK if display else MATH_INLINE, m.start(), end)
            content = _MARKDOWN_ESCAPE.sub(lambda e: " " + e.group(1), raw)
            self.math.append(MathSpan(display, content, m.start(), end, content_start, close))

    def _find_footnote_labels(self) -> None:
        """``[^label]`` references and the ``[^label]:`` of their notes are not prose."""
        if not self.footnotes:
            return  # only the labels of notes that exist are marked
        prose = self._masked_text()
        for m in _FOOTNOTE_LABEL.finditer(prose):
            if m.group(1) in self.footnotes:
                self._mark(LINK_TARGET, m.start(), m.end())

    def _find_entities(self) -> None:
        """``&mdash;``, ``&#8212;``: a character written as an HTML entity is not a word."""
        if "&" not in self.text:
            return
        for m in _ENTITY.finditer(self._masked_text()):
            self._mark(HTML_TAG, m.start(), m.end())

    def _find_bare_urls(self) -> None:
        prose = self._masked_text()
        link_spans = sorted((link.start, link.end) for link in self.links)
        for m in _BARE_URL.finditer(prose):
            url = m.group(0).rstrip(".,;:!?*_'\"")
            if url.endswith(")") and url.count("(") < url.count(")"):
                url = url[:-1]
            s = m.start()
            e = s + len(url)
            self._mark(URL, s, e)
            i = bisect_right(link_spans, (s, len(self.text))) - 1
            if i >= 0 and link_spans[i][0] <= s < link_spans[i][1]:
                continue  # the text of a link that spells out its own URL
            self.links.append(Link("bare", url, url, s, e))
        self.links.sort(key=lambda link: link.start)
        self.regions.sort(key=lambda r: (r.start, r.end))

    def _build_sections(self, tokens: list[Any]) -> None:
        headings: list[tuple[int, str, int, int, str, int]] = []
        for i, token in enumerate(tokens):
            if token.type != "heading_open" or token.level != 0 or token.map is None:
                continue
            if self.kind_at(self.line_starts[token.map[0]]) == CODE_FENCE:
                continue  # a "# comment" inside a Liquid highlight block
            inline = tokens[i + 1]
            title = _plain_text(inline)
            first = token.map[0]
            raw = self.lines[first]
            col = raw.find(inline.content) + 1 if inline.content else len(raw.rstrip()) + 1
            headings.append(
                (int(token.tag[1:]), title, first, max(col, 1), inline.content, token.map[1])
            )
        slugs: dict[str, int] = {}
        stack: list[Section] = []
        nlines = len(self.lines)
        for idx, (level, title, first, col, raw_title, after) in enumerate(headings):
            end_line = nlines
            for later_level, _, later_first, *_ in headings[idx + 1 :]:
                if later_level <= level:
                    end_line = later_first
                    break
            base = github_slug(title)
            n = slugs.get(base, 0)
            slugs[base] = n + 1
            slug = base if n == 0 else f"{base}-{n}"
            end = self.line_starts[end_line] if end_line < nlines else len(self.text)
            last = min(after, nlines)
            heading_end = self.line_starts[last - 1] + len(self.lines[last - 1])
            section = Section(
                level=level,
                title=title,
                line=first + 1,
                end_line=end_line,
                start=self.line_starts[first],
                end=end,
                slug=slug,
                title_col=col,
                raw_title=raw_title,
                heading_end=heading_end,
                body_start=min(heading_end + 1, len(self.text)),
            )
            while stack and stack[-1].level >= level:
                stack.pop()
            if stack:
                section.parent = stack[-1]
                stack[-1].children.append(section)
            stack.append(section)
            self.sections.append(section)

    def kind_at(self, offset: int) -> str:
        return kind_name(self.kinds, offset)

    def _masked_text(self) -> str:
        return blank_runs(self.text, self.kinds)


_TAG_OR_COMMENT = re.compile(
    r"<!--.*?(?:-->|\Z)|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<![A-Z][^>]*>", re.S
)
_TAG_NAME = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)")
# Which attributes of which elements hold a URL a reader follows or a browser loads.
_HTML_LINK_ATTRIBUTES = {
    "a": ("href",),
    "img": ("src",),
    "source": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
}
_HTML_ATTRIBUTE = re.compile(
    r"""\s([A-Za-z_:][\w:.-]{0,40})\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"""
)
# Backslash math delimiters, longest first: \\( \\[ (Markdown source of \( \[), then \( \[
_MATH_OPENER = re.compile(r"(?<!\\)(?:\\\\[(\[]|\\[(\[])")
_TEX_HINT = re.compile(r"\\[A-Za-z]|[\^_=]")
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_FOOTNOTE_LABEL = re.compile(r"\[\^([^\]\s]{1,200})\](?::)?")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_BLANK_LINE_AFTER = re.compile(r"\n[ \t]*\n")


def _paragraph_end(text: str, pos: int) -> int:
    """Offset of the next blank line after ``pos`` (or the end of ``text``)."""
    m = _BLANK_LINE_AFTER.search(text, pos)
    return m.start() if m else len(text)


# Liquid output and tags, and kramdown attribute lists ({:toc}, {: .note}) on the same footing
_LIQUID_TAG = re.compile(r"\{\{[^{}\n]{0,300}\}\}|\{%[^%\n]{0,300}%\}|\{:[^{}\n]{0,300}\}")
_LIQUID_CODE = re.compile(r"\{%-?\s*(end)?(highlight|raw)\b")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]\n]{1,999}\]:")
# "[]" is allowed inside a bare URL (query strings such as ?ids[]=1); other brackets end it
_BARE_URL = re.compile(r"(?<![\w/@])(?:https?://|www\.)(?:[^\s<>\[\]\"'`]|\[\])+", re.I)


def _matching_bracket(raw: str, open_at: int) -> int:
    """Index of the ``]`` matching the ``[`` at ``open_at`` (escapes respected), or -1."""
    depth = 0
    i = open_at
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _plain_text(inline: Any) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "math_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip() if parts else inline.content.strip()


class _InlineOrigin:
    """Maps offsets in an inline token's ``content`` back to offsets in the file."""

    def __init__(self, doc: ParsedDraft, token: Any) -> None:
        self.content: str = token.content
        self._cstarts: list[int] = []
        self._sstarts: list[int] = []
        first = token.map[0] if token.map else 0
        cpos = 0
        for i, cline in enumerate(self.content.split("\n")):
            lineno = first + i
            if lineno >= len(doc.lines):
                lineno = len(doc.lines) - 1
            raw = doc.lines[lineno]
            col = _locate(raw, cline)
            self._cstarts.append(cpos)
            self._sstarts.append(doc.line_starts[lineno] + col)
            cpos += len(cline) + 1

    def to_source(self, cpos: int) -> int:
        i = bisect_right(self._cstarts, cpos) - 1
        return self._sstarts[i] + (cpos - self._cstarts[i])


def _locate(raw: str, cline: str) -> int:
    """Column (0-based) where a content line sits in its raw source line."""
    if not cline:
        return len(raw)
    if raw.endswith(cline):
        return len(raw) - len(cline)
    stripped = cline.rstrip()
    raw_stripped = raw.rstrip()
    if stripped and raw_stripped.endswith(stripped):
        return len(raw_stripped) - len(stripped)
    found = raw.find(cline.strip())
    if found >= 0:
        return found
    return len(raw) - len(raw.lstrip())


# ---------------------------------------------------------------------- parsing


def _make_parser() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.amsmath import amsmath_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = (
        MarkdownIt("commonmark", {"maxNesting": 40})
        .enable("table")
        .enable("strikethrough")
        .use(front_matter_plugin)
        # no blank lines inside $$ (as kramdown): an unclosed $$ then cannot swallow the file
        .use(dollarmath_plugin, allow_digits=False, double_inline=True, allow_blank_lines=False)
        .use(amsmath_plugin)
        .use(footnote_plugin)
    )
    md.normalizeLink = _normalize_link(md.normalizeLink)
    ruler = md.inline.ruler
    for rule in ruler.__rules__:
        if rule.name not in ("text", "newline", "escape", "entity"):
            rule.fn = _recording(rule.fn)
    ruler.__cache__ = None
    return md


# An http(s) URL with a plain host name or IPv4 address (labels of at most 63 characters)
# and only characters that need no escaping: markdown-it's normalizeLink (parse, punycode,
# re-encode; ~40 us a link) returns it unchanged, so it is returned at once
# (tests/test_document.py checks the equality).
PLAIN_HTTP_URL = re.compile(
    r"https?://(?=[A-Za-z0-9.-]{1,255}(?:[:/?#]|\Z))"  # mdurl drops longer host names
    r"[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*(?::[0-9]{1,5})?"
    r"(?:[/?#][A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*)?",
    re.IGNORECASE,
)


def _normalize_link(normalize: Any) -> Any:
    def fast(url: str) -> str:
        return url if PLAIN_HTTP_URL.fullmatch(url) else normalize(url)

    return fast


def _recording(fn: Any) -> Any:
    """Wrap an inline rule so the tokens it makes remember where they came from."""

    def rule(state: Any, silent: bool) -> bool:
        if silent:
            return fn(state, silent)
        pos = state.pos
        count = len(state.tokens)
        ok = fn(state, silent)
        if ok:
            end = state.pos
            for token in state.tokens[count:]:
                if token.type != "text" and "src" not in token.meta:
                    token.meta["src"] = (pos, end)
        return ok

    return rule


_PARSER: Any = None


def _parse(text: str) -> tuple[list[Any], dict]:
    global _PARSER  # noqa: PLW0603 - one parser per process; building it costs ~20 ms
    if _PARSER is None:
        _PARSER = _make_parser()
    env: dict = {}
    return _PARSER.parse(text, env), env


def _blank(text: str, start: int, end: int) -> str:
    return blank_spans(text, [(start, end)])


_FRONT_MATTER_AT_START = re.compile(r"---[ \t]*\n(?:.*\n)*?(?:---|\.\.\.)[ \t]*(?:\n|\Z)")


def _blank_commented_out_post(text: str, problems: list[Problem]) -> str:
    """If one ``<!-- ... -->`` holds the whole post, blank its markers.

    Quote-fence lines around the comment count as blank: they render as nothing either way.
    """
    view = (
        _QUOTE_FENCE.sub(lambda m: " " * len(m.group(0)), text)
        if '"""' in text or "'''" in text
        else text
    )
    fm = _FRONT_MATTER_AT_START.match(view)
    body_start = fm.end() if fm else 0
    stripped_at = len(view) - len(view[body_start:].lstrip())
    if not view.startswith("<!--", stripped_at):
        return text
    close = view.find("-->", stripped_at + 4)
    if close < 0 or view[close + 3 :].strip():
        return text
    problems.append(Problem("commented_out", stripped_at, close + 3))
    text = _blank(text, stripped_at, stripped_at + 4)
    return _blank(text, close, close + 3)


_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)


def _repair_swallowing_block(text: str, tokens: list[Any], problems: list[Problem]) -> str | None:
    """Find the first block that runs unclosed to the end of the file and blank its opener."""
    starts = line_starts(text)
    # lines up to the last one with something on it: markdown-it leaves trailing blank lines
    # (or blanked markers) out of an unclosed fence's map
    lines_used = bisect_right(starts, len(text.rstrip()) - 1)
    for token in tokens:
        if token.level != 0 or token.map is None:
            continue
        first, last = token.map
        if token.type == "fence" and last >= lines_used:
            if not _fence_closed(text, token, starts):
                start = starts[first]
                m = _FENCE_OPEN.match(text, start)
                if m is None:
                    return None
                problems.append(Problem("unclosed_fence", m.start(1), m.end(1)))
                return _blank(text, start, _line_end(text, start))
        elif token.type == "html_block":
            start = starts[first]
            lead = len(token.content) - len(token.content.lstrip())
            if token.content.startswith("<!--", lead) and "-->" not in token.content:
                at = start + text[start:].find("<!--")
                problems.append(Problem("unclosed_comment", at, at + 4))
                return _blank(text, at, _line_end(text, at))
            raw = _RAW_HTML_OPEN.match(token.content, lead)
            if raw and not _RAW_HTML_CLOSE.search(token.content):
                at = start + text[start:].find(raw.group(0))
                problems.append(Problem("unclosed_raw_html", at, at + len(raw.group(0))))
                return _blank(text, at, _line_end(text, at))
    return None


# CommonMark's HTML blocks of type 1: only one of these closing tags ends them
_RAW_HTML_OPEN = re.compile(r"<(?:script|pre|style|textarea)(?=[\s>]|$)", re.I)
_RAW_HTML_CLOSE = re.compile(r"</(?:script|pre|style|textarea)>", re.I)


def _fence_closed(text: str, token: Any, starts: list[int]) -> bool:
    first, last = token.map
    if last - first < 2:
        return False
    start = starts[last - 1]
    end = text.find("\n", start)
    line = text[start:] if end < 0 else text[start:end]
    char = token.markup[0]
    stripped = line.strip()
    return (
        len(stripped) >= len(token.markup)
        and set(stripped) == {char}
        and len(line) - len(line.lstrip()) < 4
    )


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


# A line that fences pasted notes, as authors type it: three or more double or single quotes
# alone on the line (after any blockquote markers), trailing spaces allowed.
_QUOTE_FENCE = re.compile(r"^(?:[ \t]{0,3}>)*[ \t]{0,3}(\"{3,12}|'{3,12})[ \t]*$", re.M)


def _blank_quote_fences(text: str, tokens: list[Any], blanked: list[tuple[int, int]]) -> str | None:
    """Blank the quotes of every quote-fence line outside code, recording their spans.

    ``\"\"\"`` means nothing to Markdown, but a fence line glued to a paragraph changes how
    the lines around it parse. Blanked, the notes between fences parse exactly as they would
    without the fences, so no rule's findings depend on them. Returns None when there is
    nothing (more) to blank.
    """
    if '"""' not in text and "'''" not in text:
        return None
    found = list(_QUOTE_FENCE.finditer(text))
    if not found:
        return None
    code_lines: set[int] = set()
    for token in tokens:
        if token.map is None or token.nesting == -1:
            continue
        if token.type in ("fence", "code_block", "front_matter") or (
            token.type == "html_block" and _RAW_HTML_OPEN.match(token.content.lstrip())
        ):
            code_lines.update(range(*token.map))
    starts = line_starts(text)
    new = [m.span(1) for m in found if bisect_right(starts, m.start()) - 1 not in code_lines]
    if not new:
        return None
    blanked.extend(new)
    blanked.sort()
    return blank_spans(text, new)


def _is_boundary(lines: list[str], i: int) -> bool:
    """A line that ends a block of text around it: none, blank, or a heading."""
    if not 0 <= i < len(lines):
        return True
    line = lines[i].strip()
    return not line or line.startswith("#")


def _is_content(lines: list[str], i: int) -> bool:
    return not _is_boundary(lines, i) and _QUOTE_FENCE.match(lines[i]) is None


def _fence_evidence(lines: list[str], i: int) -> int:
    """How much more fence line ``i`` reads as an opener than as a closer (-2 to 2)."""
    return _opener_evidence(lines, i) - _closer_evidence(lines, i)


def _opener_evidence(lines: list[str], i: int) -> int:
    return _is_boundary(lines, i - 1) + _is_content(lines, i + 1)


def _closer_evidence(lines: list[str], i: int) -> int:
    return _is_content(lines, i - 1) + _is_boundary(lines, i + 1)


def pair_quote_fences(lines: list[str], fences: list[int]) -> list[tuple[int, int | None]]:
    """Pair 0-based quote-fence lines into (opener, closer) blocks, or (fence, None) alone.

    Blocks of notes do not nest, so a block is two consecutive fences. Each pair is scored
    by how much its first fence reads as an opener (blank or heading above, text below) and
    its second as a closer (text above, blank below); a fence alone scores nothing. The
    pairing with the best total wins, so one stray fence is left alone instead of flipping
    every later pair.
    """
    n = len(fences)
    best = [0] * (n + 2)
    paired = [False] * (n + 1)
    for k in range(n - 2, -1, -1):
        score = _opener_evidence(lines, fences[k]) + _closer_evidence(lines, fences[k + 1]) - 1
        best[k] = best[k + 1]
        if score + best[k + 2] > best[k]:
            best[k] = score + best[k + 2]
            paired[k] = True
    out: list[tuple[int, int | None]] = []
    k = 0
    while k < n:
        if paired[k]:
            out.append((fences[k], fences[k + 1]))
            k += 2
        else:
            out.append((fences[k], None))
            k += 1
    return out
