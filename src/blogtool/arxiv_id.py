"""arXiv identifiers: parse what people paste, explain what is wrong, find mentions in text.

Pure functions, no I/O: the arXiv client, the stub writer and a lint rule all share them.

Two schemes exist (https://info.arxiv.org/help/arxiv_identifier.html):

- new style, from April 2007: ``YYMM.NNNN`` (0704 to 1412) or ``YYMM.NNNNN`` (from 1501),
  optionally followed by a version ``vN``;
- old style, August 1991 to March 2007: ``archive/YYMMNNN`` (``hep-th/9901001``), sometimes
  written with a subject class (``math.GT/0309136``) that is not part of the identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "OLD_STYLE_ARCHIVES",
    "ArxivId",
    "ArxivReference",
    "InvalidArxivId",
    "find_arxiv_references",
    "parse_arxiv_id",
]

# Archives that had identifiers of their own before the 2007 scheme. Later archives
# (stat, q-fin, eess, econ) only ever had new-style identifiers.
OLD_STYLE_ARCHIVES: frozenset[str] = frozenset(
    {
        "acc-phys",
        "adap-org",
        "alg-geom",
        "ao-sci",
        "astro-ph",
        "atom-ph",
        "bayes-an",
        "chao-dyn",
        "chem-ph",
        "cmp-lg",
        "comp-gas",
        "cond-mat",
        "cs",
        "dg-ga",
        "funct-an",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "mtrl-th",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "patt-sol",
        "physics",
        "plasm-ph",
        "q-alg",
        "q-bio",
        "quant-ph",
        "solv-int",
        "supr-con",
    }
)

# First and last months of each scheme, as (year, month).
_NEW_STYLE_START = (2007, 4)
_FIVE_DIGITS_START = (2015, 1)
_OLD_STYLE_START = (1991, 8)
_OLD_STYLE_END = (2007, 3)


class InvalidArxivId(ValueError):
    """The text is not a valid arXiv identifier; the message says why."""


@dataclass(frozen=True)
class ArxivId:
    """A valid arXiv identifier.

    ``base`` is the canonical identifier without version: ``2305.18290`` or ``hep-th/9901001``
    (a subject class such as the ``.GT`` of ``math.GT/0309136`` is kept in ``subject_class``
    and left out of ``base``, as arXiv itself does).
    """

    base: str
    version: int | None
    yymm: str
    year: int
    month: int
    number: str
    archive: str | None = None
    subject_class: str | None = None

    @property
    def is_old_style(self) -> bool:
        return self.archive is not None

    @property
    def versioned(self) -> str:
        """``base`` followed by ``vN`` when a version was given."""
        return self.base if self.version is None else f"{self.base}v{self.version}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.versioned}"

    def without_version(self) -> ArxivId:
        if self.version is None:
            return self
        return ArxivId(
            self.base,
            None,
            self.yymm,
            self.year,
            self.month,
            self.number,
            self.archive,
            self.subject_class,
        )

    def sort_key(self) -> tuple[int, int, str, int, int]:
        """Order by submission month, then number, then version (none first).

        Old-style numbers restart in every archive, so the archive breaks ties between them.
        """
        return (self.year, self.month, self.archive or "", int(self.number), self.version or 0)

    def __str__(self) -> str:
        return self.versioned


class ArxivReference(NamedTuple):
    """A candidate identifier found in text: ``text[start:end] == raw``. It may be invalid."""

    start: int
    end: int
    raw: str


# --- parsing -----------------------------------------------------------------------------

_URL_PREFIX = re.compile(
    r"(?:https?://)?(?:(?:www|export)\.)?arxiv\.org/(?P<kind>[a-z]+)/",
    re.IGNORECASE,
)
_ARXIV_PREFIX = re.compile(r"arxiv:\s?", re.IGNORECASE)
# [0-9], not \d: identifiers are ASCII, and \d also matches "２３０５" (fullwidth digits) and
# the digits of every other script, which int() accepts too.
_NEW_STYLE = re.compile(r"(?P<yymm>[0-9]+)\.(?P<number>[0-9]+)(?:v(?P<version>[0-9]+))?")
_OLD_STYLE = re.compile(
    r"(?P<archive>[a-z][a-z-]*)(?:\.(?P<subject>[a-z][a-z-]*))?/(?P<digits>[0-9]+)"
    r"(?:v(?P<version>[0-9]+))?",
    re.IGNORECASE | re.ASCII,  # no Kelvin sign for a "k"
)
_URL_KINDS = ("abs", "pdf", "html")


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse an identifier in any form people paste.

    Accepted: ``2305.18290``, ``2305.18290v2``, ``arXiv:2305.18290``, abstract, PDF and HTML
    URLs on arxiv.org (with or without scheme, ``www.`` or ``export.``, ``.pdf`` suffix),
    and old-style ``hep-th/9901001``, ``math.GT/0309136``, ``cs/0112017v1``.

    Raises :class:`InvalidArxivId` with a message saying what is wrong.
    """
    if not text.strip():
        raise InvalidArxivId("empty arXiv ID")
    candidate = _strip_wrapping(text)
    if not candidate:
        raise InvalidArxivId(f"no arXiv ID after {text.strip()!r}")
    if not candidate.isascii():
        raise InvalidArxivId(
            f"{candidate!r} is not an arXiv ID: IDs are written with the ASCII digits 0-9"
        )
    match = _NEW_STYLE.fullmatch(candidate)
    if match:
        return _parse_new_style(match)
    match = _OLD_STYLE.fullmatch(candidate)
    if match:
        return _parse_old_style(match)
    raise InvalidArxivId(
        f"{candidate!r} is not an arXiv ID "
        "(expected YYMM.NNNNN like 2305.18290, or archive/YYMMNNN like hep-th/9901001)"
    )


def _strip_wrapping(text: str) -> str:
    """Remove URL, ``arXiv:`` prefix, ``.pdf`` suffix, query and fragment around the ID."""
    candidate = text.strip().strip("<>").strip()
    url = _URL_PREFIX.match(candidate)
    if url:
        kind = url.group("kind").lower()
        if kind not in _URL_KINDS:
            raise InvalidArxivId(
                f"arxiv.org/{kind}/ is not an abstract, PDF or HTML link to a paper"
            )
        candidate = candidate[url.end() :]
        candidate = re.split(r"[?#]", candidate, maxsplit=1)[0].rstrip("/")
        if candidate.lower().endswith(".pdf"):
            candidate = candidate[: -len(".pdf")]
        return candidate
    prefix = _ARXIV_PREFIX.match(candidate)
    if prefix:
        candidate = candidate[prefix.end() :]
    return candidate


def _parse_new_style(match: re.Match[str]) -> ArxivId:
    yymm, number = match.group("yymm"), match.group("number")
    version = _parse_version(match.group("version"))
    if len(yymm) != 4:
        raise InvalidArxivId(
            f"expected 4 digits (YYMM) before the dot, found {len(yymm)} in {yymm!r}"
        )
    year, month = 2000 + int(yymm[:2]), int(yymm[2:])
    _check_month(month)
    if (year, month) < _NEW_STYLE_START:
        raise InvalidArxivId(
            f"{yymm} is before 0704: new-style IDs start in April 2007 "
            "(older papers have IDs like hep-th/9901001)"
        )
    expected = 5 if (year, month) >= _FIVE_DIGITS_START else 4
    if len(number) != expected:
        direction = "many" if len(number) > expected else "few"
        raise InvalidArxivId(
            f"too {direction} digits after the dot ({len(number)}; new-style IDs have "
            f"4 digits before 1501 and 5 from 1501, so {yymm} needs {expected})"
        )
    if int(number) == 0:
        raise InvalidArxivId(f"paper number {number} does not exist (numbers start at 1)")
    return ArxivId(
        base=f"{yymm}.{number}",
        version=version,
        yymm=yymm,
        year=year,
        month=month,
        number=number,
    )


def _parse_old_style(match: re.Match[str]) -> ArxivId:
    archive = match.group("archive").lower()
    subject = match.group("subject")
    digits = match.group("digits")
    version = _parse_version(match.group("version"))
    if archive not in OLD_STYLE_ARCHIVES:
        raise InvalidArxivId(
            f"{archive!r} is not an arXiv archive with old-style IDs (e.g. hep-th, math, cs)"
        )
    if len(digits) != 7:
        raise InvalidArxivId(
            f"old-style IDs have 7 digits after the slash (YYMMNNN), found {len(digits)}"
        )
    yy, month, number = int(digits[:2]), int(digits[2:4]), digits[4:]
    _check_month(month)
    year = 1900 + yy if yy >= 91 else 2000 + yy
    if not _OLD_STYLE_START <= (year, month) <= _OLD_STYLE_END:
        raise InvalidArxivId(
            f"{digits[:4]} is outside 9108-0703, the months old-style IDs were issued "
            "(newer papers have IDs like 2305.18290)"
        )
    if int(number) == 0:
        raise InvalidArxivId(f"paper number {number} does not exist (numbers start at 1)")
    return ArxivId(
        base=f"{archive}/{digits}",
        version=version,
        yymm=digits[:4],
        year=year,
        month=month,
        number=number,
        archive=archive,
        subject_class=subject,
    )


def _check_month(month: int) -> None:
    if not 1 <= month <= 12:
        raise InvalidArxivId(f"month {month:02d} is not 01-12")


def _parse_version(text: str | None) -> int | None:
    if text is None:
        return None
    if text.startswith("0"):
        raise InvalidArxivId(f"version v{text} is not valid (versions are v1, v2, ...)")
    return int(text)


# --- finding mentions in text ------------------------------------------------------------

# Possessive quantifiers (Python 3.11) never give back what they took, so each attempt costs
# at most the length of the run it reads and a scan stays linear in the text length.
# Any script's digits (\d) make a candidate, so an ID typed with fullwidth digits is found
# and reported: parse_arxiv_id accepts ASCII digits only.
_ID_CANDIDATE = r"(?:[A-Za-z][A-Za-z-]*+(?:\.[A-Za-z][A-Za-z-]*+)?+/)?+\d[A-Za-z\d.]*+"
_MENTION = re.compile(
    r"(?:"
    r"(?:https?://)?+(?<![\w.-])(?:(?:www|export)\.)?+(?i:arxiv\.org)/(?i:abs|pdf|html)/"
    r"|(?<![\w.-])(?i:arxiv):[ ]?+"
    r")"
    rf"(?P<id>{_ID_CANDIDATE})"
)


def find_arxiv_references(text: str) -> list[ArxivReference]:
    """Find ``arXiv:ID`` and ``arxiv.org/abs|pdf|html/ID`` mentions in plain text.

    Returns every candidate, including malformed ones such as ``arXiv:2001.083613``, so a
    caller can report them with :func:`parse_arxiv_id`'s message. Offsets cover the ID only
    (no ``arXiv:`` prefix, no trailing ``.pdf`` or sentence-ending dot). The text should be
    prose: the caller masks code and math first.
    """
    references: list[ArxivReference] = []
    for match in _MENTION.finditer(text):
        start, end = match.span("id")
        raw = match.group("id").rstrip(".")
        if raw.lower().endswith(".pdf"):
            raw = raw[: -len(".pdf")]
        references.append(ArxivReference(start, start + len(raw), raw))
    return references
