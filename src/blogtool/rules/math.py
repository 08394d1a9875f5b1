"""LaTeX math rules: every math span should be something MathJax can typeset.

The rules read ``doc.math`` (inline ``$...$``, display ``$$...$$``, top-level amsmath
environments, and ``\\(...\\)``, ``\\[...\\]`` with one or two backslashes) and one
search of the prose for a ``$$`` that never became math (BT302).

How a span is checked. One linear pass, :func:`scan_math`, walks the TeX source the way
MathJax does (control words and symbols, ``%`` comments, braces, environments,
``\\left``/``\\right``, scripts, text arguments) and records what it finds. pylatexenc
(``LatexWalker(content, tolerant_parsing=False).get_latex_nodes()``) is then asked only
about the spans the pass found something in: an unbalanced brace or environment is
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
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..document import COMMENT, FRONT_MATTER, HTML_TAG, RAW_NOTE, Document, MathSpan
from ..registry import Hit, Option, RuleContext, rule
from ._fixes import tex_letter

# pylatexenc is asked about spans up to this size and nesting depth; beyond them the scan
# alone decides (pylatexenc is slow on huge input and recurses once per level).
MAX_PYLATEXENC_CHARS = 20_000
MAX_PYLATEXENC_DEPTH = 100

_WORD = re.compile(r"[A-Za-z]+")
_ENV_NAME = re.compile(r"[ \t]*\{([^{}\n]{1,60})\}")
_AMSMATH_OPEN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
# A lone backslash at the very end: the whole run of backslashes before trailing blank
# lines (in a blockquote those still carry their ``>``).
_TRAILING_BACKSLASH = re.compile(r"(?<!\\)(\\+)([ \t]*)((?:\n[ \t>]*)*)\Z")
_PROSE_DISPLAY_DELIM = re.compile(r"(?<!\$)\$\$(?!\$)")
_BLANK_LINE = re.compile(r"\n[ \t>]*\n")

# Commands whose next brace groups are not math: words (non-ASCII letters are fine there),
# labels, colours and URLs, and the pieces of a macro definition (checked when used).
_TEXT_MACROS = frozenset(
    "text textrm textit textbf textsf texttt textup textmd textsc textnormal mbox hbox "
    "operatorname".split()
)
_TEXT_GROUPS = {
    **dict.fromkeys(_TEXT_MACROS, 1),
    **dict.fromkeys("label tag ref eqref href url require color cssId class".split(), 1),
    **dict.fromkeys("def gdef".split(), 1),
    **dict.fromkeys("newcommand renewcommand providecommand DeclareMathOperator".split(), 2),
}
# Commands that attach to the preceding operator instead of starting a new atom.
_LIMITS = frozenset({"limits", "nolimits", "displaylimits"})
# Mandatory arguments of common MathJax commands; anything else is read as taking none,
# which can only make the double-script check quieter, never louder.
_ARGS = {
    **dict.fromkeys(
        "hat bar tilde vec dot ddot dddot check breve acute grave mathring widehat widetilde "
        "overline underline overbrace underbrace overrightarrow overleftarrow "
        "overleftrightarrow sqrt mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak "
        "mathscr mathnormal boldsymbol bm pmb cancel bcancel xcancel phantom hphantom "
        "vphantom boxed fbox label tag ensuremath mathop mathbin mathrel mathord mathopen "
        "mathclose mathpunct mathinner color".split(),
        1,
    ),
    **dict.fromkeys(
        "frac dfrac tfrac cfrac binom dbinom tbinom overset underset stackrel textcolor".split(),
        2,
    ),
    **dict.fromkeys(_TEXT_MACROS, 1),
}

# The LaTeX spelling of letters people paste into math.
_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "varepsilon",
    "ϵ": "epsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ϑ": "vartheta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ϖ": "varpi",
    "ρ": "rho",
    "ϱ": "varrho",
    "σ": "sigma",
    "ς": "varsigma",
    "τ": "tau",
    "υ": "upsilon",
    "φ": "varphi",
    "ϕ": "phi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "Γ": "Gamma",
    "Δ": "Delta",
    "Θ": "Theta",
    "Λ": "Lambda",
    "Ξ": "Xi",
    "Π": "Pi",
    "Σ": "Sigma",
    "Υ": "Upsilon",
    "Φ": "Phi",
    "Ψ": "Psi",
    "Ω": "Omega",
    "µ": "mu",
    "ℓ": "ell",
    "ℏ": "hbar",
    "ı": "imath",
    "ȷ": "jmath",
    "ℵ": "aleph",
}
# Styled letters, by their Unicode names: "DOUBLE-STRUCK CAPITAL R" is \mathbb{R}.
_STYLED_LETTER = re.compile(
    r"(?:MATHEMATICAL )?(DOUBLE-STRUCK|SCRIPT|BLACK-LETTER|FRAKTUR|BOLD)(?: ITALIC)? "
    r"(CAPITAL|SMALL) ([A-Z])$"
)
_STYLE_COMMANDS = {
    "DOUBLE-STRUCK": "mathbb",
    "SCRIPT": "mathcal",
    "BLACK-LETTER": "mathfrak",
    "FRAKTUR": "mathfrak",
    "BOLD": "mathbf",
}


# ---------------------------------------------------------------------- the scan


@dataclass(frozen=True)
class Finding:
    """Something :func:`scan_math` found, as offsets into the span's content."""

    kind: str  # structure, missing-argument, left-right, double-script, non-ascii
    start: int
    end: int
    message: str
    boundary: int = -1  # missing-argument: where the arguments ran out


@dataclass(frozen=True)
class MathScan:
    structure: Finding | None  # the first unbalanced brace or environment
    missing_arguments: tuple[Finding, ...]
    left_right: tuple[Finding, ...]
    double_scripts: tuple[Finding, ...]
    non_ascii: tuple[Finding, ...]
    max_depth: int


class _Frame:
    """One level of grouping: the whole span, a ``{...}`` group or an environment."""

    __slots__ = (
        "kind",
        "pos",
        "name",
        "text",
        "is_argument",
        "lefts",
        "split",
        "sup",
        "sub",
        "prime",
        "pending",
        "args",
        "args_of",
        "text_groups",
    )

    def __init__(
        self, kind: str, pos: int, name: str = "", text: bool = False, is_argument: bool = False
    ) -> None:
        self.kind = kind  # "top", "group" or "env"
        self.pos = pos
        self.name = name
        self.text = text  # inside \text{...} and friends
        self.is_argument = is_argument  # a script's or a command's argument: not a new atom
        self.lefts: list[tuple[int, int]] = []
        self.split = 0  # \left reported open at a line break: its \right comes later
        self.sup = False  # the current atom has a superscript
        self.sub = False
        self.prime = False  # ...which came from primes, so one ^ may still join it
        self.pending = ""  # "^" or "_" still waiting for its argument
        self.args = 0  # arguments still owed to the last command
        self.args_of: tuple[int, int, str] | None = None
        self.text_groups = 0  # how many of the next brace groups are not math

    def new_atom(self) -> None:
        self.sup = self.sub = self.prime = False


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.frames = [_Frame("top", 0)]
        self.structure: Finding | None = None
        self.missing: list[Finding] = []
        self.left_right: list[Finding] = []
        self.double: list[Finding] = []
        self.non_ascii: list[Finding] = []
        self.max_depth = 0

    # -- results

    def broken(self, start: int, end: int, message: str) -> None:
        if self.structure is None:
            self.structure = Finding("structure", start, end, message)

    def result(self) -> MathScan:
        return MathScan(
            self.structure,
            tuple(self.missing),
            tuple(self.left_right),
            tuple(self.double),
            tuple(self.non_ascii),
            self.max_depth,
        )

    # -- the walk

    def run(self) -> MathScan:
        text = self.text
        n = len(text)
        i = 0
        while i < n:
            ch = text[i]
            frame = self.frames[-1]
            if ch == "\\":
                i = self.control(i)
            elif ch == "{":
                self.open_group(i)
                i += 1
            elif ch == "}":
                self.close_group(i)
                i += 1
            elif ch in " \t\r\n":
                i += 1
            elif ch == "%" and not frame.text:
                newline = text.find("\n", i)
                i = n if newline < 0 else newline + 1
            elif frame.text:
                i += 1
            else:
                if ch == "^" or ch == "_":
                    self.script(ch, i)
                elif ch == "'":
                    self.prime(i)
                elif ch == "&":
                    self.cell_break(i, "&")
                else:
                    if ch.isalpha() and not ch.isascii():
                        self.non_ascii.append(
                            Finding("non-ascii", i, i + 1, _non_ascii_message(ch))
                        )
                    self.atom(frame)
                i += 1
        self.finish()
        return self.result()

    def atom(self, frame: _Frame) -> None:
        """A character or command that is not a script: the argument owed, or a new base."""
        if frame.pending:
            frame.pending = ""
        elif frame.args:
            frame.args -= 1
        else:
            frame.new_atom()

    def control(self, i: int) -> int:
        text = self.text
        if i + 1 >= len(text):
            return i + 1  # a trailing backslash: BT305's business
        frame = self.frames[-1]
        word = _WORD.match(text, i + 1)
        if word is None:
            symbol = text[i + 1]
            if frame.text:
                return i + 2
            if symbol == "\\":
                self.cell_break(i, "\\\\")
            else:
                self.atom(frame)
            return i + 2
        name = word.group()
        end = word.end()
        if frame.text:
            return end
        if name == "begin":
            return self.begin(i, end)
        if name == "end":
            return self.end(i, end)
        if name in ("left", "right", "middle"):
            return self.delimiter(name, i, end)
        if name in _LIMITS:
            return end
        if name in _TEXT_GROUPS:
            frame.text_groups = _TEXT_GROUPS[name]
            if text.startswith("*", end):  # \operatorname*
                end += 1
        self.command(frame, name, i, end)
        return end

    def command(self, frame: _Frame, name: str, start: int, end: int) -> None:
        owed = _ARGS.get(name, 0)
        if frame.pending:
            frame.pending = ""  # x^\mathrm{T}: the command and its arguments are the script
        elif frame.args:
            frame.args -= 1
            return  # a command as another command's argument; its own arguments are ignored
        else:
            frame.new_atom()
        frame.args = owed
        frame.args_of = (start, end, name) if owed else None

    def open_group(self, i: int) -> None:
        frame = self.frames[-1]
        is_argument = bool(frame.pending or frame.args)
        if frame.pending:
            frame.pending = ""
        elif frame.args:
            frame.args -= 1
        group = _Frame(
            "group", i, text=frame.text or frame.text_groups > 0, is_argument=is_argument
        )
        frame.text_groups = max(0, frame.text_groups - 1)
        self.frames.append(group)
        self.max_depth = max(self.max_depth, len(self.frames) - 1)

    def close_group(self, i: int) -> None:
        frame = self.frames[-1]
        if frame.kind == "group":
            self.frames.pop()
            self.unclosed_lefts(frame, "before the } that closes its group")
            if not frame.is_argument:
                self.frames[-1].new_atom()
        elif frame.kind == "env":
            self.broken(
                i,
                i + 1,
                f"unbalanced braces: this }} has no matching {{ inside \\begin{{{frame.name}}}: "
                "remove it or add the missing {",
            )
        else:
            self.broken(
                i, i + 1, "unbalanced braces: this } has no matching {: remove it or add the {"
            )

    def begin(self, i: int, end: int) -> int:
        m = _ENV_NAME.match(self.text, end)
        if m is None:
            return end
        frame = self.frames[-1]
        self.atom(frame)
        self.frames.append(_Frame("env", i, m.group(1).strip()))
        self.max_depth = max(self.max_depth, len(self.frames) - 1)
        return m.end()

    def end(self, i: int, end: int) -> int:
        m = _ENV_NAME.match(self.text, end)
        if m is None:
            return end
        name = m.group(1).strip()
        frame = self.frames[-1]
        self.owed_arguments(frame, i)
        if frame.kind == "env" and frame.name == name:
            self.frames.pop()
            self.unclosed_lefts(frame, f"before \\end{{{name}}}")
            self.frames[-1].new_atom()
        elif frame.kind == "env":
            self.broken(
                i,
                m.end(),
                f"\\end{{{name}}} does not match the open \\begin{{{frame.name}}}: "
                "make the two names the same",
            )
        elif any(f.kind == "env" and f.name == name for f in self.frames):
            self.broken(
                frame.pos,
                frame.pos + 1,
                f"unbalanced braces: this {{ is never closed before \\end{{{name}}}: add the }}",
            )
        else:
            self.broken(
                i,
                m.end(),
                f"\\end{{{name}}} has no matching \\begin{{{name}}}: add the \\begin or remove "
                "the \\end",
            )
        return m.end()

    def delimiter(self, name: str, i: int, end: int) -> int:
        text = self.text
        n = len(text)
        j = end
        while j < n and text[j] in " \t\n":
            j += 1
        if j < n and text[j] == "\\":
            word = _WORD.match(text, j + 1)
            j = word.end() if word else min(j + 2, n)
        elif j < n:
            j += 1
        frame = self.frames[-1]
        frame.pending = ""
        frame.args = 0
        frame.new_atom()
        if name == "left":
            frame.lefts.append((i, j))
        elif name == "right":
            if frame.lefts:
                frame.lefts.pop()
            elif frame.split:
                frame.split -= 1  # the other half of a pair already reported at the break
            else:
                shown = text[i:j]
                self.left_right.append(
                    Finding(
                        "left-right",
                        i,
                        j,
                        f"{shown} has no matching \\left: add a \\left before it "
                        "(\\left. for an invisible one), or use \\bigr for a lone large "
                        "delimiter",
                    )
                )
        return j

    def unclosed_lefts(self, frame: _Frame, where: str) -> None:
        self.report_lefts(
            frame, f"has no matching \\right {where}: add one (\\right. for an invisible one)"
        )

    def report_lefts(self, frame: _Frame, problem: str) -> None:
        for start, end in frame.lefts:
            shown = self.text[start:end]
            self.left_right.append(Finding("left-right", start, end, f"{shown} {problem}"))
        frame.lefts.clear()

    def cell_break(self, i: int, what: str) -> None:
        frame = self.frames[-1]
        if frame.kind == "env":
            frame.split += len(frame.lefts)
            self.report_lefts(
                frame,
                f"is still open at the {what} that ends this line or cell: \\left and "
                "\\right must pair up within one; close it with \\right. and reopen with "
                "\\left. after the break",
            )
        frame.pending = ""
        frame.args = 0
        frame.new_atom()

    def script(self, ch: str, i: int) -> None:
        frame = self.frames[-1]
        if frame.pending or frame.args:
            frame.pending = frame.pending or ch
            return  # x^^2 or \frac^: odd, and not this check's business
        if ch == "^":
            if frame.sup and frame.prime:
                frame.prime = False  # x'^2 is one superscript
            elif frame.sup:
                self.double.append(
                    Finding(
                        "double-script",
                        i,
                        i + 1,
                        "double superscript: this ^ follows another on the same base: "
                        "group with braces, x^{a^b} or {x^a}^b",
                    )
                )
            frame.sup = True
        else:
            if frame.sub:
                self.double.append(
                    Finding(
                        "double-script",
                        i,
                        i + 1,
                        "double subscript: this _ follows another on the same base: "
                        "group with braces, x_{a_b} or x_{a,b}",
                    )
                )
            frame.sub = True
        frame.pending = ch

    def prime(self, i: int) -> None:
        frame = self.frames[-1]
        if frame.pending or frame.args:
            self.atom(frame)
            return
        if frame.sup and not frame.prime:
            self.double.append(
                Finding(
                    "double-script",
                    i,
                    i + 1,
                    "a prime after a superscript is a double superscript: write x'^2 "
                    "instead of x^2', or {x^2}'",
                )
            )
        frame.sup = True
        frame.prime = True

    def owed_arguments(self, frame: _Frame, boundary: int) -> None:
        if frame.args and frame.args_of is not None:
            start, end, name = frame.args_of
            owed = _ARGS.get(name, 0)
            self.missing.append(
                Finding(
                    "missing-argument",
                    start,
                    end,
                    f"\\{name} is missing an argument (it takes {owed}): add it",
                    boundary,
                )
            )
            frame.args = 0

    def finish(self) -> None:
        n = len(self.text)
        frames = self.frames
        self.owed_arguments(frames[-1], n)
        if len(frames) > 1:
            inner = frames[-1]
            if inner.kind == "group":
                self.broken(
                    inner.pos,
                    inner.pos + 1,
                    "unbalanced braces: this { is never closed: add the matching }",
                )
            else:
                self.broken(
                    inner.pos,
                    inner.pos + len(f"\\begin{{{inner.name}}}"),
                    f"\\begin{{{inner.name}}} is never closed: add \\end{{{inner.name}}}",
                )
        else:
            self.unclosed_lefts(frames[0], "before the math ends")


@lru_cache(maxsize=4096)
def scan_math(content: str) -> MathScan:
    """Scan the TeX source of one math span (a pure function, memoised on the source)."""
    return _Scanner(content).run()


def tex_command(ch: str) -> str | None:
    """The TeX command for a letter pasted into math (``α``: ``\\alpha``), if there is one."""
    if ch in _GREEK:
        return f"\\{_GREEK[ch]}"
    styled = _STYLED_LETTER.match(unicodedata.name(ch, ""))
    if styled is not None:
        letter = styled.group(3) if styled.group(2) == "CAPITAL" else styled.group(3).lower()
        return f"\\{_STYLE_COMMANDS[styled.group(1)]}{{{letter}}}"
    return None


def _non_ascii_message(ch: str) -> str:
    better = tex_command(ch)
    if better is None:
        return (
            f"non-ASCII letter {ch} in math: write the LaTeX command, or put words in \\text{{...}}"
        )
    return f"non-ASCII letter {ch} in math: write {better}"


# ---------------------------------------------------------------------- pylatexenc


@dataclass(frozen=True)
class ParseVerdict:
    """pylatexenc's opinion of a span: ``ok``, or ``error`` at ``pos``, or ``unknown``."""

    status: str
    pos: int = -1
    message: str = ""


@lru_cache(maxsize=512)
def pylatexenc_verdict(content: str, depth: int = 0) -> ParseVerdict:
    """Parse with pylatexenc, never raising: too large, too deep or a crash is ``unknown``."""
    if len(content) > MAX_PYLATEXENC_CHARS or depth > MAX_PYLATEXENC_DEPTH:
        return ParseVerdict("unknown")
    try:
        from pylatexenc.latexwalker import LatexWalker, LatexWalkerParseError
    except ImportError:  # pragma: no cover - pylatexenc is a dependency
        return ParseVerdict("unknown")
    try:
        LatexWalker(content, tolerant_parsing=False).get_latex_nodes()
    except LatexWalkerParseError as exc:
        pos = exc.pos if isinstance(exc.pos, int) else -1
        return ParseVerdict("error", pos, str(exc).splitlines()[0] if str(exc) else "")
    except (RecursionError, Exception):  # noqa: BLE001 - a parser crash is not a finding
        return ParseVerdict("unknown")
    return ParseVerdict("ok")


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
