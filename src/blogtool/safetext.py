"""Text from outside (arXiv metadata, file names, headings) made safe for where it goes.

Three places, three functions:

- :func:`one_line` -- plain text on one line: no control characters, no invisible
  reordering marks, every run of whitespace (newlines included) one space. arXiv metadata
  becomes this as soon as it is read, from the feed or from the cache.
- :func:`markdown_inline` -- a one-line value that, put anywhere in a Markdown line, stays
  literal text: no HTML tag or comment, no link (bracketed, autolinked or bare), no emphasis,
  no math, and nothing that opens a block (heading, list, quote, fence, setext underline)
  when it starts the line.
- :func:`for_terminal` -- text printed to a terminal: control characters and escape
  sequences are shown as ``\\x1b`` and the like instead of being obeyed.
"""

from __future__ import annotations

import re

# Bidirectional overrides and isolates (and the marks): they reorder what a reader sees
# without being visible themselves ("Trojan Source").
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# C0 and C1 controls (tab, newline and the other whitespace controls are whitespace and become
# a space) and DEL; lone surrogates cannot be written as UTF-8.
_CONTROL = re.compile(rf"[\x00-\x08\x0e-\x1b\x7f\x80-\x84\x86-\x9f{_BIDI}]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")

# Backslash escapes (any ASCII punctuation may be escaped in CommonMark): code, emphasis,
# links and footnotes, headings and their closing #, tables, math, strikethrough and fences.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]#|$~])")
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# What opens a block when a line starts with it: list items and setext underlines
# (``-``, ``+``, ``=``) and ordered list items (``1.`` and ``1)``).
_BLOCK_START = re.compile(r"^(?:([-+=])|([0-9]{1,9})([.)]))")
# What GitHub-flavoured Markdown (and Hugo's linkify) turns into a link without any markup:
# a URL, a www. name or an e-mail address in plain text. Escaping the ":" of the scheme, the
# "." after www and the "@" keeps the text and drops the link.
_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp):(?=//)|\bwww\.|@")

# What a terminal obeys: every control character but newline and tab, and the bidi marks.
_TERMINAL_UNSAFE = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f{_BIDI}]")


def one_line(text: str) -> str:
    """``text`` as plain one-line text: controls and bidi marks dropped, whitespace collapsed."""
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))
    return " ".join(text.split())


def markdown_inline(text: str) -> str:
    """A value inserted into a Markdown line that renders as exactly its text.

    ``<``, ``>`` and ``&`` become entities (which also read right inside an HTML block);
    other punctuation with a meaning is backslash-escaped.
    """
    text = one_line(text)
    text = "".join(_HTML_SPECIAL.get(char, char) for char in text)
    text = _INLINE_SPECIAL.sub(r"\\\1", text)
    # the backslash goes before the match's last character: the ":", the "." or the "@"
    text = _AUTOLINK.sub(lambda m: f"{m.group(0)[:-1]}\\{m.group(0)[-1]}", text)
    return _BLOCK_START.sub(_escape_block_start, text, count=1)


def _escape_block_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


def for_terminal(text: str) -> str:
    """``text`` with every control character (but newline and tab) shown as an escape."""
    return _TERMINAL_UNSAFE.sub(_shown, text)


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
