"""A scanner of TeX math source, after MathJax, and pylatexenc's second opinion.

:func:`scan_math` walks the source of one math span the way MathJax reads it (control
words and symbols, ``%`` comments, braces, environments, ``\\left``/``\\right``, scripts,
text arguments) in one linear pass that never recurses, and records what it finds:
unbalanced braces and environments, commands that run out of arguments, unpaired
``\\left``/``\\right``, double scripts and non-ASCII letters. :func:`pylatexenc_verdict`
asks pylatexenc about a span, never raising. Both are pure functions of the source,
memoised; the math rules (:mod:`blogtool.rules.math`) decide what to report.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# pylatexenc is asked about spans up to this size and nesting depth; beyond them the scan
# alone decides (pylatexenc is slow on huge input and recurses once per level).
MAX_PYLATEXENC_CHARS = 20_000
MAX_PYLATEXENC_DEPTH = 100

_WORD = re.compile(r"[A-Za-z]+")
_ENV_NAME = re.compile(r"[ \t]*\{([^{}\n]{1,60})\}")

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
