"""Link rules that need no network: empty, malformed and undefined links, bare URLs, arXiv IDs.

The checks that fetch anything (dead links, redirects) live with the network code; these
rules only read the parsed :class:`~blogtool.document.Document`.

Two kinds of mistake never become links at all, so they are searched for in the prose:
an inline link whose target has spaces in it (``[see](Attention Is All You Need)``), and a
reference link whose label has no definition (``[text][missing]``). Everything that did
parse is read from ``doc.links``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from urllib.parse import unquote

from ..arxiv_id import InvalidArxivId, find_arxiv_references, parse_arxiv_id
from ..document import (
    CODE_FENCE,
    CODE_INDENT,
    CODE_INLINE,
    COMMENT,
    FRONT_MATTER,
    HTML_RAW,
    HTML_TAG,
    LINK_TARGET,
    LIQUID,
    MATH_BLOCK,
    MATH_INLINE,
    RAW_NOTE,
    REF_DEFINITION,
    Document,
    Link,
)
from ..papers import entries
from ..registry import Hit, Option, RuleContext, rule
from ._fixes import autolink, move_to_year
from ._util import enclosing_year, innermost_section

# Never searched: code, math, comments, front matter, raw notes. HTML tags, link targets and
# reference definitions are kept only where an arXiv ID inside them matters (BT206).
_NEVER = frozenset(
    {FRONT_MATTER, CODE_FENCE, CODE_INDENT, CODE_INLINE, MATH_BLOCK, MATH_INLINE, COMMENT}
    | {RAW_NOTE, HTML_RAW, LIQUID}
)
# For the broken-link scan everything parsed is blanked except bare URLs, because a URL
# with a space in it (``[x](https://a.com/a b.pdf)``) is half detected as a bare URL.
_NOT_LINK_SOURCE = _NEVER | {HTML_TAG, LINK_TARGET, REF_DEFINITION}

# ``[text](target)`` or ``![alt](source)`` on one line; the target may hold one level of
# parentheses, as in "(Attention Is All You Need (Vaswani et al., 2017))". Every piece is
# bounded and the alternatives start with different characters, so a match cannot backtrack
# into itself.
_INLINE_LINK = re.compile(r"(!?)\[([^\[\]\n]{0,300})\]\(((?:[^()\n]|\([^()\n]{0,100}\)){1,300})\)")
# ``[text][label]`` (full) or ``[text][]`` (collapsed); the text may wrap onto a second line.
_REFERENCE_LINK = re.compile(r"(?<![\w\]\\])(!?)\[([^\[\]]{1,300})\]\[([^\[\]\n]{0,300})\]")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
# Brackets that are not meant as links: citations [1], [2, 3], [4-6] and tokens [CLS], [SEP].
_BRACKET_TOKEN = re.compile(r"\d{1,4}(?:\s?[,\u2013-]\s?\d{1,4}){0,20}|[A-Z][A-Z0-9_]{0,30}")

# A target that was meant as a URL: a host name with no scheme, or a mistyped scheme.
_HOST_WITHOUT_SCHEME = re.compile(
    r"(?:www\.|[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,5}"
    r"\.(?:com|org|net|io|ai|edu|gov|dev|co|uk|de|fr|me|info)(?=[/:?#]|$))",
    re.I,
)
_BROKEN_SCHEME = re.compile(r"https?(?!://)[:/]", re.I)
_SCHEME_OR_SLASH = re.compile(r"^[a-z][a-z0-9+.-]{0,20}:|/", re.I)
_FILE_EXTENSION = re.compile(r"\.[A-Za-z]{2,4}$")
# [x]( "title"): markdown-it takes the quoted title for the URL
_TITLE_ONLY = re.compile(r"\"[^\"]*\"|'[^']*'")
# [back to top](#), [↑](#): a link to the top of the page on purpose
_TOP_OF_PAGE = re.compile(r"\btop\b|^\W*$", re.I)


def _shown(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _what(link: Link) -> str:
    return f"image [{_shown(link.text)}]" if link.is_image else f"link [{_shown(link.text)}]"


def _empty_target_message(link: Link) -> str:
    if link.kind == "reference":
        return (
            f"{_what(link)} uses reference [{_shown(link.label or link.text)}], whose URL is "
            "empty: fill in the definition"
        )
    if link.is_image:
        return f"{_what(link)} has an empty source: add the image path or remove the image"
    return f"{_what(link)} has an empty target: put the URL in the parentheses or unlink the text"


def _empty_targets(doc: Document, images: bool) -> Iterator[Hit]:
    for link in doc.links:
        if link.is_image != images or link.kind not in ("inline", "reference", "html"):
            continue
        target = unquote(link.target).strip()
        if not target:
            if link.kind == "html":
                attribute = "src" if images else "href"
                yield Hit(link.start, link.end, f'empty {attribute}="": put the URL in it')
            else:
                yield Hit(link.start, link.end, _empty_target_message(link))
        elif _TITLE_ONLY.fullmatch(target) and link.kind == "inline":
            yield Hit(
                link.start,
                link.end,
                f"{_what(link)} has only a title, {_shown(target)}, and no URL: put the URL "
                "before the title",
            )
        elif target == "#" and not images and not _TOP_OF_PAGE.search(link.text):
            yield Hit(
                link.start,
                link.end,
                f"{_what(link)} points at # (the top of the page), a placeholder: put the URL "
                "in the parentheses or unlink the text",
            )


@rule("BT201", "empty-link-target", "error")
def empty_link_target(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A link whose target is empty: it renders as text that goes nowhere.

    Flags ``[text]()``, ``[text](<>)``, ``[text]( "a title")`` (a title and no URL),
    ``[text](#)`` (the top of the page; ``[back to top](#)`` is left alone), ``<a href="">``
    and reference links whose definition has no URL. Images with an empty source, in
    Markdown or as ``<img src="">``, are BT204.

    Bad:

        The code is [here]().

    Good:

        The code is [on GitHub](https://github.com/eric-mitchell/direct-preference-optimization).
    """
    yield from _empty_targets(doc, images=False)


@rule("BT204", "empty-image-source", "error")
def empty_image_source(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """An image with no source: it renders as a broken image (or nothing at all).

    Bad:

        ![The transformer architecture]()

    Good:

        ![The transformer architecture](/assets/images/transformer.png)
    """
    yield from _empty_targets(doc, images=True)


def _looks_like_location(target: str) -> bool:
    """Whether a target with spaces was meant as a URL or a file rather than a title."""
    tokens = target.split()
    if not tokens:
        return False
    if any(_SCHEME_OR_SLASH.search(token) for token in tokens):
        return True
    return any(_FILE_EXTENSION.search(token) for token in (tokens[0], tokens[-1]))


def _unparsed_link_message(is_image: bool, text: str, target: str) -> str:
    written = f"{'!' if is_image else ''}[{_shown(text)}]({_shown(target)})"
    becomes = "an image" if is_image else "a link"
    if _looks_like_location(target):
        return (
            f"{written} is not {becomes} because its target has spaces: "
            "write each space as %20 or wrap the target in <...>"
        )
    wanted = "the image path" if is_image else "the URL"
    return (
        f"{written} is not {becomes}: {_shown(target, 40)!r} is not a URL or a "
        f"path; put {wanted} in the parentheses"
    )


def _parsed_target_problem(link: Link) -> str | None:
    target = link.target.strip()
    if not target or link.kind == "bare":
        return None
    if _BROKEN_SCHEME.match(target):
        return f"target {_shown(target)!r} has a mistyped scheme: write https://"
    if _HOST_WITHOUT_SCHEME.match(target):
        return (
            f"target {_shown(target)!r} has no https://, so it is read as a path on this "
            f"site: write https://{_shown(target)}"
        )
    plain = unquote(target)
    if link.kind == "inline" and re.search(r"\s", plain) and not re.search(r"[/.#:]", plain):
        return f"target {_shown(plain)!r} is not a URL or a path: put the URL there"
    return None


@rule("BT202", "invalid-link-target", "error")
def invalid_link_target(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A link whose target is not a URL or a path.

    CommonMark does not turn ``[see](Attention Is All You Need)`` into a link at all: the
    brackets and the title are printed as they are. The same happens to a URL with a space
    in it. Parsed links are flagged when the scheme is missing (``arxiv.org/abs/...`` is a
    path on your own site) or mistyped (``https:/``). A link with a title,
    ``[x](a.png "title")``, is a real link and is left alone.

    Bad:

        DPO builds on [the RLHF paper](Training language models to follow instructions).
        See [the paper](arxiv.org/abs/2305.18290).

    Good:

        DPO builds on [the RLHF paper](https://arxiv.org/abs/2203.02155).
        See [the paper](https://arxiv.org/abs/2305.18290).
    """
    scan = doc.masked(_NOT_LINK_SOURCE)
    for m in _INLINE_LINK.finditer(scan):
        target = m.group(3)
        if not target.strip() or not re.search(r"\s", target.strip()):
            continue
        raw_target = doc.text[m.start(3) : m.end(3)]
        yield Hit(
            m.start(),
            m.end(),
            _unparsed_link_message(bool(m.group(1)), m.group(2), raw_target),
        )
    for link in doc.links:
        problem = _parsed_target_problem(link)
        if problem:
            yield Hit(link.start, link.end, f"{_what(link)}: {problem}")


@rule("BT203", "undefined-reference", "error")
def undefined_reference(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A reference link ``[text][label]`` whose label has no ``[label]: url`` definition.

    Markdown prints such a link as the bracketed text. Labels match case-insensitively and
    with whitespace collapsed, as Markdown itself matches them. Only the full form
    ``[text][label]`` and the collapsed form ``[text][]`` are checked: a lone ``[CLS]`` or a
    citation ``[1]`` is ordinary text, and so are pairs of them such as ``[1][2]``.

    Bad:

        [The DPO paper][dpo] removes the reward model.

    Good:

        [The DPO paper][dpo] removes the reward model.

        [dpo]: https://arxiv.org/abs/2305.18290
    """
    starts = {link.start for link in doc.links}
    prose = doc.prose_text
    for m in _REFERENCE_LINK.finditer(prose):
        text, label = m.group(2), m.group(3)
        if _BLANK_LINE.search(text) or label.startswith("^") or m.start(3) - 1 in starts:
            continue
        collapsed = not label.strip()
        if not collapsed and _BRACKET_TOKEN.fullmatch(text.strip()):
            if _BRACKET_TOKEN.fullmatch(label.strip()):
                continue
        written = text if collapsed else label
        if not written.strip() or doc.defines_reference(written):
            continue
        shown = _shown(text if collapsed else label)
        yield Hit(
            m.start(),
            m.end(),
            f"reference [{shown}] is not defined, so [{_shown(text)}] is not a link: add a "
            f"line '[{shown}]: https://...' or fix the label",
        )


# What a renderer's autolinking takes for a link. GFM renderers differ: cmark-gfm (GitHub's
# parser, Jekyll's CommonMarkGhPages) leaves "www.x.org" in quotes and any URL after a "["
# still open in its paragraph as text, while remark-gfm and markdown-it's linkify link
# some of them. None links a host with "_" in its last two labels as written, or anything
# inside an HTML block (raw HTML); for gfm only that is reported. goldmark (Hugo's
# linkify) is one implementation: it links only at the start of the text, after white
# space or one of "*_~(", outside "[...]", with a lower-case scheme and a host with a dot
# and a lower-case top-level domain.
_RENDERER = {
    "kramdown": "kramdown",
    "commonmark": "CommonMark",
    "gfm": "GFM",
    "goldmark": "goldmark (Hugo)",
}
_AUTOLINK_START = frozenset(" \t*_~(")
# The line's inline text begins after blockquote markers (and a table's pipe).
_CONTAINER_PREFIX = re.compile(r"[ \t>|]*")
# Host characters as cmark-gfm reads them: no space or punctuation but "-", "_" and "."
_HOST = re.compile(r"[^\s!-,/:-@\[-^`{-~]*")
_GOLDMARK_URL = re.compile(r"(?:https?|ftp)://[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-z]")
_GOLDMARK_WWW = re.compile(r"www\.[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-z]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t>]*\n")
_BRACKET = re.compile(r"(?<!\\)[\[\]]")
_BRACKET_LOOKBACK = 20_000


def _inside_brackets(prose: str, at: int) -> bool:
    """Whether a ``[`` opened earlier in the paragraph is still open at ``at``."""
    start = max(0, at - _BRACKET_LOOKBACK)
    breaks = list(_PARAGRAPH_BREAK.finditer(prose, start, at))
    if breaks:
        start = breaks[-1].end()
    depth = 0
    for m in _BRACKET.finditer(prose, start, at):
        depth = depth + 1 if m.group(0) == "[" else max(0, depth - 1)
    return depth > 0


def _why_not_linked(doc: Document, link: Link, flavor: str, prose: str) -> str | None:
    """Why ``flavor``'s renderer leaves this bare URL as text, or None when it links it."""
    renderer = _RENDERER[flavor]
    if flavor not in ("gfm", "goldmark"):
        return f"{renderer} does not link bare URLs"
    line, col = doc.position(link.start)
    # MDX parses the children of JSX and HTML elements as Markdown, so there they are linked
    if line in doc.html_block_lines and not doc.path.lower().endswith(".mdx"):
        return f"it is inside an HTML block, where {renderer} does not link it"
    url = link.target
    scheme, _, host = url.partition("://") if "://" in url else ("", "", url)
    if flavor == "gfm":
        labels = _HOST.match(host).group(0).split(".")
        if any("_" in label for label in labels[-2:]):
            return f"{renderer} does not link a host with '_' in its last two labels"
        return None
    if _inside_brackets(prose, link.start):
        return f"it is inside [...], where {renderer} does not link it"
    before = doc.lines[line - 1][: col - 1]
    if before and before[-1] not in _AUTOLINK_START and not _CONTAINER_PREFIX.fullmatch(before):
        return (
            f"it follows {before[-1]!r}, and {renderer} links it only after a space, '(' "
            "or the start of a line"
        )
    if not (_GOLDMARK_URL if scheme else _GOLDMARK_WWW).match(url):
        return (
            f"{renderer} links only a lower-case scheme and a host with a dot and a "
            "lower-case domain"
        )
    return None


@rule("BT205", "bare-url", "warning", fix="safe")
def bare_url(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A URL typed into prose that the blog's Markdown renderer does not turn into a link.

    Depends on the flavor (the ``flavor`` setting, or the site's renderer). kramdown,
    Jekyll's default, and plain CommonMark link no bare URL, so every one is reported: the
    reader gets text to copy by hand. GFM and goldmark (Hugo, whose linkify is on by
    default) link most bare URLs, so only those they leave as text are reported:

    - gfm: a URL inside an HTML block (a ``<details>`` with no blank line after its tags),
      which is raw HTML (but not in an ``.mdx`` file, whose JSX children MDX reads as
      Markdown), and a host with ``_`` in its last two labels. GFM renderers
      disagree about the rest: cmark-gfm (GitHub, Jekyll's CommonMarkGhPages) leaves a
      quoted ``"www.example.com"`` or a URL inside ``[...]`` as text, while remark-gfm
      and markdown-it's linkify link some of them, so those are not reported;
    - goldmark: a URL inside an HTML block or inside ``[...]``, one not at the start of
      the text or after a space or ``*_~(`` (``"https://..."``, ``:https://...``), and a
      host with no dot and lower-case top-level domain (``http://localhost:8000``) or an
      upper-case scheme.

    Trailing punctuation (``.``, ``,``, ``)`` with no ``(``) is not part of the URL, as in
    both renderers. URLs inside code, math and comments are left alone, and so is a URL
    used as the text of a link.

    Bad (kramdown):

        The code is at https://github.com/eric-mitchell/direct-preference-optimization.

    Good:

        The code is at <https://github.com/eric-mitchell/direct-preference-optimization>.
    """
    spans = [(link.start, link.end) for link in doc.links if link.kind in ("inline", "reference")]
    spans.sort()
    prose = doc.prose_text
    i = 0
    for link in doc.links:  # sorted by start
        if link.kind != "bare":
            continue
        while i < len(spans) and spans[i][1] <= link.start:
            i += 1
        if i < len(spans) and spans[i][0] <= link.start < spans[i][1]:
            continue  # [https://...](https://...): the URL is the text of a real link
        if doc.text[max(0, link.start - 2) : link.start] == "](":
            continue  # [x](https://a.com/a b.pdf) is a broken link: BT202
        why = _why_not_linked(doc, link, ctx.flavor, prose)
        if why is None:
            continue
        url = link.target
        full = url if "://" in url else f"https://{url}"
        raw_html = doc.position(link.start)[0] in doc.html_block_lines
        yield Hit(
            link.start,
            link.end,
            f"bare URL {_shown(url)} is not a link: {why}; write <{_shown(full)}> or "
            f"[text]({_shown(full)})",
            fix=None if raw_html else autolink(doc, link),
        )


@rule("BT206", "invalid-arxiv-id", "error")
def invalid_arxiv_id(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """An arXiv link or ``arXiv:`` mention whose ID cannot exist.

    Checks ``arxiv.org/abs/ID`` and ``arxiv.org/pdf/ID`` in link targets, reference
    definitions, bare URLs and HTML tags, and ``arXiv:ID`` in prose. A valid ID is new style
    ``YYMM.NNNNN`` (4 digits after the dot before 2015) with an optional ``vN``, or old style
    ``archive/YYMMNNN``. Listing and author pages (``arxiv.org/list/...``) are not IDs.

    Bad:

        [Scaling laws](https://arxiv.org/abs/2001.083613)

    Good:

        [Scaling laws](https://arxiv.org/abs/2001.08361)
    """
    text = doc.masked(_NEVER)
    for ref in find_arxiv_references(text):
        try:
            parse_arxiv_id(ref.raw)
        except InvalidArxivId as exc:
            yield Hit(
                ref.start,
                ref.end,
                f"arXiv ID {_shown(ref.raw)} is invalid: {exc}; copy the ID from the "
                "paper's arXiv page",
            )


@rule(
    "BT207",
    "timeline-mismatch",
    "warning",
    fix="unsafe",
    options={
        "paper_level": Option(
            0, int, "heading level of a paper section: 0 for any level, or 1-6 for one level"
        ),
        "tolerance_months": Option(
            0, int, "months a paper may lie outside its year section and still be accepted"
        ),
    },
)
def timeline_mismatch(doc: Document, ctx: RuleContext) -> Iterator[Hit]:
    """A paper whose arXiv ID month is not in the year of the ``## YYYY`` section above it.

    Every paper entry under a year section counts (see ``blogtool papers``): a paper
    section (a heading with the paper's arXiv link in it or right under it, at any level
    unless ``paper_level`` picks one) and a blockquote, list item or table row that opens
    with the link. The month of the first version is read from the ID. With
    ``tolerance_months = 2`` a paper from December 2024 (2412) may sit under ``## 2025``.

    Bad:

        ## 2025
        ### Some paper
        [paper](https://arxiv.org/abs/2410.12345)

    Good:

        ## 2024
        ### Some paper
        [paper](https://arxiv.org/abs/2410.12345)
    """
    level = ctx.options["paper_level"]
    tolerance = max(0, ctx.options["tolerance_months"])
    for entry in entries(doc):
        paper, ref = entry.arxiv_id, entry.reference
        if paper is None or ref is None or entry.slipped:
            continue
        if entry.section is not None:
            if level and entry.level != level:
                continue
            year = enclosing_year(entry.section)
        else:
            holder = innermost_section(doc, entry.line)
            year = enclosing_year(holder) if holder is not None else None
        if year is None:
            continue
        month_index = paper.year * 12 + paper.month - 1
        if year * 12 - tolerance <= month_index <= year * 12 + 11 + tolerance:
            continue
        yield Hit(
            ref.start,
            ref.end,
            f"paper {paper.base} is from {calendar.month_name[paper.month]} {paper.year} but "
            f"sits under ## {year}: move it or fix the link",
            move_to_year(doc, entry.section, paper.year) if entry.section else None,
        )
