"""LaTeX math rules: every math span should be something MathJax can typeset.

The rules read ``doc.math`` (inline ``$...$``, display ``$$...$$``, top-level amsmath
environments, and ``\\(...\\)``, ``\\[...\\]`` with one or two backslashes) and one
search of the prose for a ``$$`` that never became math (BT302).

How a span is checked. One linear pass, :func:`blogtool.tex.scan_math`, walks the TeX
source the way MathJax does (control words and symbols, ``%`` comments, braces,
environments, ``\\left``/``\\right``, scripts, text arguments) and records what it finds.
pylatexenc (``LatexWalker(content, tolerant_parsing=False).get_latex_nodes()``) is then
asked only about the spans the pass found something in: an unbalanced brace or environment is
reported when pylatexenc fails to parse the span too, and a command that runs out of
arguments (``\\frac{a}`` at the end) when pylatexenc fails at that command. A span that
pylatexenc accepts is left alone, so a quirk of one parser never becomes a false alarm;
a span too large (over 20,000 characters) or too deeply nested (over 100 groups) for
pylatexenc, or one it crashes on, is judged by the scan alone.

Why not pylatexenc on every span (measured on 12,687 spans: 37 published ML blog posts
and a deep-learning textbook): pylatexenc takes 0.23 ms per span on average and over 1 ms
for a long display equation, the scan 16 microseconds. All six rules together check a
2,963-line draft with 910 spans in about 60 ms. pylatexenc also recurses once per nesting
level (3,000 nested braces raise RecursionError); the scan does not recurse. On those
12,687 spans, all of them published, the rules report nothing but two display blocks
with a blank line inside (BT302), while pylatexenc alone rejects three valid spans
(a ``\\`` line break at the very end, which it reads as a command missing its argument).

Positions point at the offending character inside the math (the ``{`` that is never
closed, the second ``^``, the ``\\left``), in the file's own coordinates: offsets are
taken from the raw source between the delimiters, so a span inside a blockquote or a
list item still maps to the right column.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from ..document import COMMENT, FRONT_MATTER, HTML_TAG, RAW_NOTE, Document, MathSpan
from ..registry import Hit, Option, RuleContext, rule
from ..tex import Finding, pylatexenc_verdict, scan_math, tex_command
from ._fixes import tex_letter

_AMSMATH_OPEN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
# A lone backslash at the very end: the whole run of backslashes before trailing blank
# lines (in a blockquote those still carry their ``>``).
_TRAILING_BACKSLASH = re.compile(r"(?<!\\)(\\+)([ \t]*)((?:\n[ \t>]*)*)\Z")
_PROSE_DISPLAY_DELIM = re.compile(r"(?<!\$)\$\$(?!\$)")
_BLANK_LINE = re.compile(r"\n[ \t>]*\n")


# ---------------------------------------------------------------------- spans


@dataclass(frozen=True)
class MathSource:
    """The raw TeX of a span and where it starts in ``doc.text``."""

    span: MathSpan
    offset: int
    content: str


def math_sources(doc: Document) -> list[MathSource]:
    """The raw source of every math span, in the file's own offsets.

    Taken from ``doc.text`` rather than ``MathSpan.content`` so that offsets need no
    mapping in blockquotes and list items (where the content lost its ``>`` and indent).
    Top-level amsmath environments are read up to their ``\\end{...}`` line, which
    markdown-it's token map leaves out. A line that starts and ends with ``$$`` is one
    block to markdown-it even when it reads ``$$a$$ text $$b$$``; MathJax sees two
    formulas there, and so do these rules. Spans in comments are skipped.
    """
    text = doc.text
    out: list[MathSource] = []
    for span in doc.math:
        if doc.kind_at(span.start) in (RAW_NOTE, COMMENT):
            continue
        if span.content_end is not None:  # \\( ... \\) and its kin: escapes resolved
            out.append(MathSource(span, span.content_start, span.content))
            continue
        raw = text[span.start : span.end]
        if not span.display:
            end = span.end - 1 if raw.endswith("$") and len(raw) > 1 else span.end
            out.append(MathSource(span, span.start + 1, text[span.start + 1 : end]))
            continue
        line_end = text.find("\n", span.start)
        env = _AMSMATH_OPEN.search(text, span.start, len(text) if line_end < 0 else line_end)
        opened = raw.find("$$")
        if opened >= 0 and (env is None or span.start + opened < env.start()):
            start = span.start + opened + 2
            close = raw.rfind("$$")
            end = span.start + close if close >= opened + 2 else span.end
            out.extend(_formulas(span, start, text[start:end]))
        elif env is not None:
            end = _amsmath_end(doc, env.start(), env.group(1))
            out.append(MathSource(span, env.start(), text[env.start() : end]))
        else:
            out.append(MathSource(span, span.content_start, span.content))
    return out


def _formulas(span: MathSpan, start: int, content: str) -> Iterator[MathSource]:
    """The formulas of a ``$$`` block: one, or several when ``$$`` occurs inside."""
    at = 0
    for index, piece in enumerate(content.split("$$")):
        if index % 2 == 0:
            yield MathSource(span, start + at, piece)
        at += len(piece) + 2


def _amsmath_end(doc: Document, start: int, name: str) -> int:
    """End of the line that closes an amsmath environment, found as markdown-it finds it."""
    closing = f"\\end{{{name}}}"
    line, _ = doc.position(start)
    for index in range(line - 1, len(doc.lines)):
        if doc.lines[index].rstrip().endswith(closing):
            return doc.line_starts[index] + len(doc.lines[index].rstrip())
    return len(doc.text)


def _hit(source: MathSource, finding: Finding) -> Hit:
    return Hit(source.offset + finding.start, source.offset + finding.end, finding.message)


# ---------------------------------------------------------------------- rules


@rule("BT301", "latex-syntax", "error")
def latex_syntax(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """Math that cannot be parsed: unbalanced braces, mismatched environments, missing arguments.

    MathJax shows a red error box (or the raw TeX) for the whole formula when a brace is
    missing or a ``\\begin{aligned}`` is closed by ``\\end{align}``. The check reports the
    ``{`` that is never closed, the ``}`` that closes nothing, the mismatched ``\\end``, or
    the command that runs out of arguments at the end of the math. A span is reported only
    when pylatexenc cannot parse it either (see the module docstring), so valid MathJax
    that pylatexenc happens to dislike is left alone.

    Bad:

        $$\\frac{\\pi_\\theta(y \\mid x)}{\\pi_{\\text{ref}}(y \\mid x)$$
        $$\\begin{aligned} a &= b \\end{align}$$

    Good:

        $$\\frac{\\pi_\\theta(y \\mid x)}{\\pi_{\\text{ref}}(y \\mid x)}$$
        $$\\begin{aligned} a &= b \\end{aligned}$$
    """
    for source in math_sources(doc):
        scan = scan_math(source.content)
        if scan.structure is not None:
            verdict = pylatexenc_verdict(source.content, scan.max_depth)
            if verdict.status != "ok":
                yield _hit(source, scan.structure)
            continue
        if not scan.missing_arguments:
            continue
        verdict = pylatexenc_verdict(source.content, scan.max_depth)
        if verdict.status != "error":
            continue
        for finding in scan.missing_arguments:
            if finding.start <= verdict.pos <= finding.boundary:
                yield _hit(source, finding)
                break


@rule("BT302", "unclosed-display-math", "error")
def unclosed_display_math(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A ``$$`` that opens display math and is never closed, or holds a blank line that ends it.

    An unclosed ``$$`` leaves the ``$$`` and the TeX after it as literal text in the post.
    The ``$$`` is reported at its own line; the rest of the file is still checked. A single
    ``$`` is never reported: prices such as $5 are ordinary prose.

    Whether a blank line inside ``$$ ... $$`` ends the math depends on the flavor (the
    ``flavor`` setting, or the site's renderer):

    - kramdown (Jekyll) reads a ``$$`` block that stands alone, with a blank line (or the
      start of the post) before its opening ``$$`` and a blank line (or the end) after its
      closing one, up to the next ``$$``, blank lines and all; such a block is left alone.
      So are ``$$`` pairs inside a block-level HTML element such as ``<div>``, whose inside
      kramdown passes on as raw HTML (unless the tag says ``markdown="1"``) for MathJax to
      read whole. A ``$$`` inside a paragraph still ends with the paragraph.
    - gfm, commonmark and goldmark end the paragraph at the blank line, and the ``$$`` with
      it: GitHub's own ``$$`` math lives in one paragraph, plain GFM and CommonMark have no
      math syntax (MathJax and KaTeX do not pair a ``$$`` across two ``<p>`` elements), and
      Hugo's passthrough extension does not cross paragraphs either. (pandoc forbids the
      blank line too; remark-math allows it.) There every blank line inside is reported.

    Bad:

        $$
        \\mathcal{L} = -\\log \\sigma(\\beta r)

        The loss above ...

    Good:

        $$
        \\mathcal{L} = -\\log \\sigma(\\beta r)
        $$
    """
    text = doc.text
    prose = doc.prose_text
    found = [m for m in _PROSE_DISPLAY_DELIM.finditer(prose) if not _escaped(text, m.start())]
    raw_html: list[tuple[int, int]] | None = None  # found only when a kramdown pair needs it
    skip = False
    for index, m in enumerate(found):
        if skip:
            skip = False
            continue
        after = found[index + 1] if index + 1 < len(found) else None
        if after is not None:
            between = text[m.end() : after.start()]
            blank = _BLANK_LINE.search(between)
            if blank is None:
                skip = True  # $$ ... $$ that markdown-it left alone (inside HTML): a pair
                continue
            if ctx.flavor == "kramdown":
                if raw_html is None:
                    raw_html = _kramdown_raw_html(doc)
                if _kramdown_keeps(doc, m.start(), after.start(), raw_html):
                    skip = True
                    continue
            if _looks_like_closer(doc, after.start()):
                skip = True
                line, _ = doc.position(m.end() + blank.start() + 1)
                yield Hit(m.start(), m.end(), _blank_line_message(line, ctx.flavor))
                continue
        yield Hit(
            m.start(),
            m.end(),
            "display math opened here is never closed (or holds a blank line, which ends "
            "it): add the closing $$",
        )


def _blank_line_message(line: int, flavor: str) -> str:
    if flavor == "kramdown":
        why = (
            "which ends it (kramdown allows one only when the $$ block stands alone, with "
            "blank lines before and after it)"
        )
    else:
        why = f"which ends it under {flavor}"
    return f"display math opened here holds a blank line (line {line}), {why}: remove it"


# kramdown, as Jekyll runs it (parse_block_html off), passes the inside of a block-level
# HTML element on as raw HTML unless the tag asks for markdown="1" (or "block", "span").
# Span elements and elements without a body never open such a block.
_KRAMDOWN_SPAN_ELEMENTS = frozenset(
    "a abbr acronym b big bdo br button cite code del dfn em i img input ins kbd label mark "
    "option q rb rbc rp rt rtc ruby samp select small span strong sub sup time tt u var".split()
)
_EMPTY_ELEMENTS = frozenset(
    "area base br col command embed hr img input keygen link meta param source track wbr".split()
)
_BLOCK_HTML_OPEN = re.compile(r"^[ \t]{0,3}<([A-Za-z][A-Za-z0-9-]*)([^<>]*)>", re.M)
_MARKDOWN_ATTRIBUTE = re.compile(r"""\bmarkdown\s*=\s*["']?(?:1|block|span)\b""")


def _kramdown_raw_html(doc: Document) -> list[tuple[int, int]]:
    """Offsets of the block-level HTML elements whose inside kramdown leaves raw."""
    text = doc.text
    spans: list[tuple[int, int]] = []
    resume = 0
    for m in _BLOCK_HTML_OPEN.finditer(text):
        name = m.group(1).lower()
        if m.start() < resume or name in _KRAMDOWN_SPAN_ELEMENTS or name in _EMPTY_ELEMENTS:
            continue
        if m.group(2).rstrip().endswith("/") or _MARKDOWN_ATTRIBUTE.search(m.group(2)):
            continue
        if doc.kind_at(m.start(1) - 1) != HTML_TAG:
            continue  # a tag in code, a comment or math
        end = _closing_tag_end(text, m.end(), name)
        spans.append((m.start(), end))
        resume = end
    return spans


def _closing_tag_end(text: str, at: int, name: str) -> int:
    """End of the tag closing ``name`` (nested ones counted), or of the text: kramdown
    closes an element left open at the end of the document."""
    depth = 1
    for m in re.finditer(rf"<(/?){re.escape(name)}(?=[\s/>])", text[at:], re.I):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            close = text.find(">", at + m.end())
            return len(text) if close < 0 else close + 1
    return len(text)


def _kramdown_keeps(doc: Document, opener: int, closer: int, raw_html: list) -> bool:
    """Whether kramdown (or MathJax in raw HTML) reads ``$$`` at ``opener`` to ``closer`` as
    one formula although a blank line lies between them."""
    i = bisect_right(raw_html, (opener, len(doc.text))) - 1
    if i >= 0 and raw_html[i][0] <= opener < raw_html[i][1]:
        return closer < raw_html[i][1]
    return _starts_block(doc, opener) and _looks_like_closer(doc, closer)


def _starts_block(doc: Document, at: int) -> bool:
    """A ``$$`` first on its line (after any ``>``), after a blank line or the front matter."""
    line, col = doc.position(at)
    if doc.lines[line - 1][: col - 1].strip(" \t>"):
        return False
    if line == 1:
        return True
    previous = line - 2
    return not doc.lines[previous].strip(" \t>") or (
        doc.kind_at(doc.line_starts[previous]) == FRONT_MATTER
    )


def _escaped(text: str, at: int) -> bool:
    backslashes = 0
    while at - backslashes > 0 and text[at - backslashes - 1] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _looks_like_closer(doc: Document, at: int) -> bool:
    """A ``$$`` that ends its line and is followed by a blank line or the end of the file."""
    line, col = doc.position(at)
    if doc.lines[line - 1][col + 1 :].strip():
        return False
    return line >= len(doc.lines) or not doc.lines[line].strip(" \t>")


@rule("BT303", "latex-left-right", "error")
def latex_left_right(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A ``\\left`` with no ``\\right`` (or the reverse) in the same group or line.

    TeX and MathJax pair every ``\\left`` with a ``\\right`` inside one brace group, and
    inside one line or cell of an ``aligned`` block: a formula split across lines needs
    ``\\right.`` before the break and ``\\left.`` after it. ``\\left.`` and ``\\right.``
    count as delimiters; ``\\middle`` needs no partner.

    Bad:

        $$\\left( \\frac{a}{b} $$
        $$\\begin{aligned}
        f &= \\left( a + b \\\\ &\\quad + c \\right)
        \\end{aligned}$$

    Good:

        $$\\left( \\frac{a}{b} \\right)$$
        $$\\begin{aligned}
        f &= \\left( a + b \\right. \\\\ &\\quad \\left. + c \\right)
        \\end{aligned}$$
    """
    for source in math_sources(doc):
        scan = scan_math(source.content)
        if scan.structure is not None:
            continue  # BT301 reports the broken span; pairing inside it means nothing
        for finding in scan.left_right:
            yield _hit(source, finding)


@rule("BT304", "latex-double-script", "error")
def latex_double_script(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """Two superscripts or two subscripts on one base: ``x^2^3``, ``a_i_j``, ``x^2'``.

    TeX stops with "Double superscript" and MathJax draws an error box. A base may carry
    one subscript and one superscript in either order (``x_i^2``), primes join a following
    superscript (``x'^2``), and a braced group is a new base (``{x^2}^3``).

    Bad:

        $x^2^3$, $a_i_j$

    Good:

        $x^{2^3}$, $a_{i,j}$, $x_i^2$, ${x^2}^3$
    """
    for source in math_sources(doc):
        scan = scan_math(source.content)
        if scan.structure is not None:
            continue
        for finding in scan.double_scripts:
            yield _hit(source, finding)


@rule("BT305", "latex-trailing-backslash", "error")
def latex_trailing_backslash(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """Math whose last character is a lone backslash.

    A stray ``\\`` at the end usually means a command was cut off. An even run (``\\\\``,
    the line break at the end of an aligned row) is fine, and so is ``\\`` followed by a
    space (a control space).

    Bad:

        $$
        \\nabla_\\theta J(\\theta) \\
        $$

    Good:

        $$
        \\nabla_\\theta J(\\theta)
        $$
    """
    for source in math_sources(doc):
        content = source.content
        if "\\" not in content[-300:]:
            continue
        m = _TRAILING_BACKSLASH.search(content, max(0, len(content) - 300))
        if m is None or len(m.group(1)) % 2 == 0 or m.group(2):
            continue
        at = m.end(1) - 1
        yield Hit(
            source.offset + at,
            source.offset + at + 1,
            "math ends in a lone backslash: finish the command or remove the \\",
        )


@rule(
    "BT306",
    "latex-non-ascii",
    "warning",
    fix="safe",
    options={"allow": Option([], list, "non-ASCII letters allowed in math, e.g. ['é']")},
)
def latex_non_ascii(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """Non-ASCII letters typed into math: ``α`` instead of ``\\alpha``.

    Pasted Unicode letters render in a different font from the rest of the formula (or
    not at all with some fonts) and break copy-paste into LaTeX. Letters inside text
    arguments (``\\text``, ``\\textrm`` and the other ``\\text...`` commands, ``\\mbox``,
    ``\\operatorname``) are words and are left alone; ``\\mathrm`` is math and is not.
    Symbols such as ``≤`` or ``→`` are not letters and are not reported.

    Bad:

        $\\mathcal{L}(θ) = -\\log σ(β r)$

    Good:

        $\\mathcal{L}(\\theta) = -\\log \\sigma(\\beta r)$, $\\text{naïve Bayes}$
    """
    allowed = set("".join(str(ch) for ch in ctx.options["allow"]))
    for source in math_sources(doc):
        if source.content.isascii():
            continue
        for finding in scan_math(source.content).non_ascii:
            letter = source.content[finding.start]
            if letter not in allowed:
                at = source.offset + finding.start
                command = tex_command(letter)
                fix = tex_letter(doc.text, at, letter, command) if command else None
                yield Hit(at, at + 1, finding.message, fix)
