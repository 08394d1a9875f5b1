"""Defect variants: the text to plant, which rules must find it, and which half it is in.

One file per family under ``bench/quality/defects/``. A header of ``key: value`` lines, then
variants, each introduced by a line ``===`` with optional words after it:

    family: placeholders
    title: Placeholders
    expect: BT102 BT103 BT104
    ===
    [ADD_IMAGE_OF_BERT]
    === inline
    The encoder reads both directions {maybe talk about the masking ratio here}.

``inline`` plants the variant at the end of a line of prose instead of as a block of its own;
``expect=BT106,BT407`` replaces the family's rules for one variant; ``kind=NAME`` names a
structural slip; ``files=a.png,b/c.png`` are files the post's site holds (for links to a
local file that is missing or spelled in another case). In the text, ``{{SP}}`` is a space
(so trailing spaces survive editors) and ``⟦word⟧`` marks the span a finding must overlap
to count (spelling: the misspelled word).

A variant's half (tuning or held-out) comes from a hash of its family and text, so adding
or editing one variant never moves another.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .corpus import split_half

DEFECTS = Path(__file__).resolve().parent / "defects"
SLIPS = "slips"  # the family name of the structural slips file
MARK_OPEN, MARK_CLOSE = "⟦", "⟧"


@dataclass(frozen=True)
class Mark:
    """A span of the variant (0-based line, columns) that a finding must overlap."""

    line: int
    start: int
    end: int


@dataclass(frozen=True)
class Variant:
    family: str
    text: str  # as planted: markers removed, {{SP}} expanded; no trailing newline
    expect: frozenset[str]
    inline: bool = False
    kind: str = ""
    marks: tuple[Mark, ...] = ()
    files: tuple[str, ...] = ()  # files the site has, for missing-file variants

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.family}\n{self.text}".encode()).hexdigest()
        return f"{self.family}/{digest[:8]}"

    @property
    def half(self) -> str:
        return split_half(f"{self.family}\n{self.text}")

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass(frozen=True)
class Family:
    name: str
    title: str
    expect: frozenset[str]
    needs_spelling: bool
    variants: tuple[Variant, ...]


def _rule_ids(words: str) -> frozenset[str]:
    return frozenset(w.strip().upper() for w in words.replace(",", " ").split() if w.strip())


def _unmark(raw: str) -> tuple[str, tuple[Mark, ...]]:
    lines, marks = [], []
    for i, line in enumerate(raw.split("\n")):
        out = ""
        while MARK_OPEN in line:
            before, _, rest = line.partition(MARK_OPEN)
            inside, found, after = rest.partition(MARK_CLOSE)
            if not found:
                raise ValueError(f"unclosed {MARK_OPEN} in {raw!r}")
            out += before
            marks.append(Mark(i, len(out), len(out) + len(inside)))
            out += inside
            line = after
        lines.append(out + line)
    return "\n".join(lines), tuple(marks)


def parse(text: str, where: str = "<string>") -> Family:
    header: dict[str, str] = {}
    blocks: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        if line == "===" or line.startswith("=== "):
            blocks.append((line[3:].strip(), []))
        elif blocks:
            blocks[-1][1].append(line)
        elif line.strip() and not line.startswith("#"):
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"{where}: header line without ':': {line!r}")
            header[key.strip()] = value.strip()
    for key in ("family", "expect"):
        if key not in header:
            raise ValueError(f"{where}: no {key!r} in the header")
    name = header["family"]
    expect = _rule_ids(header["expect"])
    variants = []
    for options, body in blocks:
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
        if not body:
            continue
        raw = "\n".join(body).replace("{{SP}}", " ")
        planted, marks = _unmark(raw)
        words = options.split()
        settings = dict(w.split("=", 1) for w in words if "=" in w)
        flags = {w for w in words if "=" not in w}
        unknown = (flags - {"inline"}) | (settings.keys() - {"expect", "kind", "files"})
        if unknown:
            raise ValueError(f"{where}: unknown variant option(s) {sorted(unknown)}")
        if "inline" in flags and "\n" in planted:
            raise ValueError(f"{where}: an inline variant must be one line: {planted!r}")
        variants.append(
            Variant(
                name,
                planted,
                _rule_ids(settings["expect"]) if "expect" in settings else expect,
                "inline" in flags,
                settings.get("kind", ""),
                marks,
                tuple(f for f in settings.get("files", "").split(",") if f),
            )
        )
    ids = [v.id for v in variants]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{where}: the same variant is written twice")
    return Family(
        name,
        header.get("title", name),
        expect,
        header.get("needs", "") == "spelling",
        tuple(variants),
    )


def load(directory: Path = DEFECTS) -> list[Family]:
    """Every family file of ``directory``, in file-name order."""
    return [parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(directory.glob("*.txt"))]
