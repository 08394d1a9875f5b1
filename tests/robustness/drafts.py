"""Hypothesis strategies for hostile drafts, and the checks every lint result must pass.

A draft is built from blocks an author (or a paste accident) really produces: headings,
fences closed and not, ``$``/``$$`` balanced and not, ``<details>`` and ``<!--`` closed
and not, deep brackets and braces, links of every shape, tables, front matter. The raw
text then gets the damage files really carry: CRLF or CR line endings, a BOM, NUL bytes,
bytes that are not UTF-8 (decoded with ``surrogateescape``) and very long lines.
"""

from __future__ import annotations

from hypothesis import strategies as st

from blogtool.document import normalize_text
from blogtool.engine import INTERNAL_ERROR, FileResult

WORDS = ["the", "model", "teh", "attention", "TODO", "[citation needed]", "x", "2019", "GPT-4"]
URLS = [
    "https://arxiv.org/abs/2305.18290",
    "https://arxiv.org/abs/9999.99999v3",
    "http://example.org/a_(b)?q[]=1#frag",
    "www.example.org",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "#a-heading",
    "../images/fig.png",
    "",
]

# Characters that mean something to Markdown, TeX or HTML, and a few that mean trouble.
_SPECIALS = "[](){}<>$\\`*_~#|!-:\"'&^\t \n"
_TROUBLE = ["\x00", "\ufeff", "\r", "\u2028", "\x85", "\x0c", "\udc80", "\udcff", "é", "α"]

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)
urls = st.sampled_from(URLS)
depth = st.integers(0, 60)
raw_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(_SPECIALS),
        st.sampled_from(_TROUBLE),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=40,
)


@st.composite
def links(draw: st.DrawFn) -> str:
    text, url, label = draw(words), draw(urls), draw(st.sampled_from(["r", "p1", "", "x y"]))
    shape = draw(st.integers(0, 11))
    return [
        f"[{text}]({url})",
        f"[{text}]()",
        f"[{text}](<{url}>)",
        f'[{text}]({url} "a title")',
        f"[{text}][{label}]",
        f"[{text}][]",
        f"[{text}]",
        f"\n[{label}]: {url}\n",
        f"<{url}>",
        f" {url} ",
        f"![{text}]({url})",
        f"[^{label or 1}]",
    ][shape]


@st.composite
def nested(draw: st.DrawFn) -> str:
    """Brackets or braces nested deeply, balanced or not, maybe inside math."""
    opener, closer = draw(st.sampled_from([("[", "]"), ("{", "}"), ("(", ")"), ("\\{", "\\}")]))
    inner = opener * draw(depth) + draw(words) + closer * draw(depth)
    return draw(st.sampled_from(["{}", "${}$", "$$\n{}\n$$", "[{}](u)", "{}\n"])).format(inner)


@st.composite
def blocks(draw: st.DrawFn) -> str:
    body = draw(words)
    level = "#" * draw(st.integers(1, 7))
    fence = draw(st.sampled_from(["```", "~~~", "````", "```python"]))
    choice = draw(st.integers(0, 21))
    if choice == 0:
        return f"{level} {body}"
    if choice == 1:
        return f"## {draw(st.integers(1990, 2030))}"
    if choice == 2:
        return f"### {body}\n\n[paper]({draw(urls)})"
    if choice == 3:
        return f"{fence}\n{body}\n{fence[:3]}"
    if choice == 4:
        return f"{fence}\n{body}"  # never closed
    if choice == 5:
        return f"${body}$ and $$ {body} $$"
    if choice == 6:
        return draw(st.sampled_from(["$", "$$", "$$\n", "\\$", "$x$$", "$$$"])) + body
    if choice == 7:
        return f"$$\n\\begin{{align}}\n{body} \\\\\n\\end{{align}}\n$$"
    if choice == 8:
        return f"<details>\n<summary>Quick Summary</summary>\n\n{body}\n\n</details>"
    if choice == 9:
        return draw(st.sampled_from(["<details>", "</details>", "<summary>", "<details><p>"]))
    if choice == 10:
        return f"<!-- {body} -->"
    if choice == 11:
        return f"<!-- {body}"  # never closed
    if choice == 12:
        return draw(nested())
    if choice == 13:
        return " ".join(draw(st.lists(links(), min_size=1, max_size=4)))
    if choice == 14:
        return f"| a | b |\n|---|:-:|\n| {body} | {draw(links())} |\n| `x|y` | $a|b$ |"
    if choice == 15:
        return f"---\ntitle: {body}\ntags: [a, b]\n---"
    if choice == 16:
        fence = draw(st.sampled_from(['"""', '""""', "'''", '"""  ', '> """']))
        inside = draw(st.sampled_from([body, "", f"{body}\n\n<details>\n<summary>{body}"]))
        closer = draw(st.sampled_from(['"""', '""""', "'''", ""]))
        return f"{fence}\n{inside}\n{closer}"
    if choice == 17:
        prefix = draw(st.sampled_from(["> ", "- ", "1. ", "    ", "> - ", "  * "]))
        return "\n".join(prefix * draw(st.integers(1, 8)) + body for _ in range(2))
    if choice == 18:
        return (body + " ") * draw(st.integers(50, 400))  # a long line
    if choice == 19:
        return f"\\left( {body} \\right) x^2^3 a_i_j \\frac{{a}}{{b}} \\"
    if choice == 20:
        return f"<script>{body}</script>" if draw(st.booleans()) else f"<div>\n{body}\n</div>"
    return draw(raw_text)


@st.composite
def drafts(draw: st.DrawFn) -> str:
    """A hostile draft as :func:`str` (what a file decoded with surrogateescape holds)."""
    parts = draw(st.lists(blocks(), max_size=14))
    separators = st.sampled_from(["\n\n", "\n", "", " ", "\n\n\n"])
    text = "".join(part + draw(separators) for part in parts)
    ending = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    if ending == "mixed":
        text = "".join(
            piece + draw(st.sampled_from(["\n", "\r\n", "\r"])) for piece in text.split("\n")
        )
    elif ending != "\n":
        text = text.replace("\n", ending)
    if draw(st.booleans()):
        raw = text.encode("utf-8", "surrogateescape")
        damage = draw(
            st.lists(st.sampled_from([b"\x00", b"\xff", b"\xc3", b"\xe2\x80"]), max_size=3)
        )
        for chunk in damage:
            at = draw(st.integers(0, len(raw)))
            raw = raw[:at] + chunk + raw[at:]
        text = raw.decode("utf-8", "surrogateescape")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


def file_lines(text: str) -> list[str]:
    """The lines of a draft as blogtool numbers them (LF, CRLF and CR all end a line)."""
    return normalize_text(text).split("\n")


def problems_with(result: FileResult, text: str) -> list[str]:
    """Every way ``result`` breaks the promises of lint about ``text``: [] when it keeps them."""
    lines = file_lines(text)
    found: list[str] = []
    if result.error:
        found.append(f"file not linted: {result.error}")
    seen: set[tuple] = set()
    for v in result.violations:
        where = f"{v.rule_id} at {v.line}:{v.col}-{v.end_line}:{v.end_col}"
        if v.rule_id == INTERNAL_ERROR:
            found.append(f"internal error: {v.message}")
        if not 1 <= v.line <= len(lines):
            found.append(f"{where}: line outside the file's {len(lines)} lines")
        elif not 1 <= v.col <= len(lines[v.line - 1]) + 1:
            found.append(f"{where}: column outside line {v.line} ({len(lines[v.line - 1])} chars)")
        if not v.line <= v.end_line <= len(lines):
            found.append(f"{where}: end line outside the file or before the start")
        elif not 1 <= v.end_col <= len(lines[v.end_line - 1]) + 1:
            found.append(f"{where}: end column outside line {v.end_line}")
        key = (v.rule_id, v.line, v.col, v.message)
        if key in seen:
            found.append(f"{where}: reported twice")
        seen.add(key)
    return found
