"""Applying the fixes rules offer: choose them, keep them apart, put them on the file, check.

Pure: text in, text out; the lint it checks with is a function it is given. Reading and
writing drafts is :mod:`blogtool.fixfiles`.

A :class:`~blogtool.violation.Fix` is edits on ``Document.text``, where the BOM is gone and
every line ending is ``\\n``. :func:`apply_edits` maps those offsets onto the file's own
characters, so a BOM, CRLF or lone CR endings and trailing spaces outside a fixed span stay
byte for byte; a new line inside a replacement gets the file's usual ending.

A pass applies every eligible fix that overlaps no earlier one (in document order: the first
wins, the others wait for the next pass, where the re-linted draft offers them again if they
still apply). After each pass the draft is parsed and linted again, and the pass is kept only
if the draft still *parses the same way* (:func:`verdict`):

- each fixed finding is gone: its rule reports fewer findings by at least the number fixed;
- no rule reports more than before, so a fix never trades one problem for another;
- the shape of the draft is kept: as many headings, links, math spans and code spans, and
  no new repair (an unclosed fence or comment that now swallows the rest of the file).

When a pass fails, its fixes are tried one at a time against the same text, and those that
fail alone are refused, with the reason, and never tried again in this run. Passes repeat
until no fix is left to apply, at most ``max_passes`` times, so that fixing twice is the
same as fixing once.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .document import CODE_KINDS, Document
from .violation import Edit, Violation

Lint = Callable[[Document], Sequence[Violation]]

MAX_PASSES = 8


@dataclass(frozen=True)
class FixNote:
    """One fix that was applied, refused or left out; ``line``/``col`` are in the file as read."""

    rule_id: str
    line: int
    col: int
    title: str
    reason: str = ""


@dataclass(frozen=True)
class FixOutcome:
    original: str  # the file's text as read
    text: str  # the file's text with the fixes applied
    applied: tuple[FixNote, ...]
    refused: tuple[FixNote, ...]  # tried, and the draft no longer parsed the same way
    skipped: tuple[FixNote, ...]  # eligible, but not applied within the passes allowed
    remaining: tuple[Violation, ...]  # what lint reports on ``text``

    @property
    def changed(self) -> bool:
        return self.text != self.original


def eligible(violation: Violation, unsafe: bool = False) -> bool:
    fix = violation.fix
    return fix is not None and bool(fix.edits) and (fix.safe or unsafe)


def _overlap(a: Edit, b: Edit) -> bool:
    """Two edits touch the same text, or insert at the same place (their order is unclear)."""
    if a.start == b.start:
        return True
    return a.start < b.end and b.start < a.end


def _well_formed(edits: Sequence[Edit], length: int) -> bool:
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    if any(not 0 <= e.start <= e.end <= length for e in ordered):
        return False
    return all(not _overlap(a, b) for a, b in zip(ordered, ordered[1:], strict=False))


def choose(
    violations: Iterable[Violation], text_length: int, unsafe: bool = False
) -> tuple[list[Violation], list[Violation]]:
    """The violations whose fixes one pass applies, and those left out because their fix
    overlaps one chosen before it (document order: the first wins).

    Two violations with the very same edits (two rules proposing one repair) are both
    chosen: the repair is made once. A fix whose own edits overlap or leave the text is
    never chosen.
    """
    candidates = [
        v for v in violations if eligible(v, unsafe) and _well_formed(v.fix.edits, text_length)
    ]
    candidates.sort(key=lambda v: (min(e.start for e in v.fix.edits), v.sort_key()))
    taken: list[Edit] = []
    repairs: set[tuple[Edit, ...]] = set()
    chosen: list[Violation] = []
    left_out: list[Violation] = []
    for v in candidates:
        edits = tuple(sorted(v.fix.edits, key=lambda e: e.start))
        if edits in repairs:
            chosen.append(v)
            continue
        if any(_overlap(e, t) for e in edits for t in taken):
            left_out.append(v)
            continue
        taken.extend(edits)
        repairs.add(edits)
        chosen.append(v)
    return chosen, left_out


def edits_of(violations: Iterable[Violation]) -> list[Edit]:
    """The edits of the chosen violations' fixes, each repair once."""
    seen: dict[Edit, None] = {}
    for v in violations:
        for e in v.fix.edits:
            seen.setdefault(e, None)
    return sorted(seen, key=lambda e: (e.start, e.end))


# ------------------------------------------------------------------ from Document to file

_CRLF = re.compile("\r\n")
_ENDING = re.compile("\r\n|\r|\n")


class FileOffsets:
    """Maps offsets into the normalised text (``normalize_text``) onto the file's text.

    Normalising drops a BOM and turns each CRLF into one ``\\n``; every other character
    (a lone CR, a NUL, a lone surrogate) stays one character. So the file offset is the
    text offset, plus the BOM, plus the CRLFs that end before it.
    """

    def __init__(self, raw: str) -> None:
        self.bom = 1 if raw.startswith("\ufeff") else 0
        # each CRLF's position in the normalised text: its raw start less the CRLFs before it
        self._crlf = [m.start() - self.bom - i for i, m in enumerate(_CRLF.finditer(raw))]
        endings = Counter(_ENDING.findall(raw))
        self.newline = max(("\n", "\r\n", "\r"), key=lambda e: endings[e]) if endings else "\n"

    def __call__(self, offset: int) -> int:
        return offset + self.bom + bisect_left(self._crlf, offset)


def apply_edits(raw: str, edits: Iterable[Edit]) -> str:
    """``raw`` (the file's text) with non-overlapping edits on its normalised text applied.

    Only the characters inside each edit's span change; a ``\\n`` in a replacement is
    written with the file's most common line ending.
    """
    where = FileOffsets(raw)
    out = raw
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        replacement = e.replacement
        if where.newline != "\n":
            replacement = replacement.replace("\n", where.newline)
        out = out[: where(e.start)] + replacement + out[where(e.end) :]
    return out


def shift_forward(offset: int, edits: Sequence[Edit]) -> int:
    """Where ``offset`` of the text before ``edits`` is after them (inside a replaced span:
    the start of its replacement)."""
    delta = 0
    for e in sorted(edits, key=lambda e: e.start):
        if offset < e.start:
            break
        if offset < e.end:
            return e.start + delta
        delta += len(e.replacement) - (e.end - e.start)
    return offset + delta


def shift_back(offset: int, edits: Sequence[Edit], before: str = "") -> int:
    """Where ``offset`` in the text after ``edits`` was in ``before``, the text they were
    applied to. Inside an inserted block that ``before`` held elsewhere (a moved section),
    the same place in the block where it was; inside any other replacement, the same
    distance into the replaced span, at most its end."""
    delta = 0
    for e in sorted(edits, key=lambda e: e.start):
        new_start = e.start + delta
        new_end = new_start + len(e.replacement)
        if offset < new_start:
            break
        if offset < new_end:
            moved = _moved_from(e, edits, before)
            if moved is not None:
                return moved + offset - new_start
            return min(e.start + offset - new_start, e.end)
        delta += len(e.replacement) - (e.end - e.start)
    return offset - delta


def _moved_from(insert: Edit, edits: Sequence[Edit], before: str) -> int | None:
    """Where a removed span of ``edits`` held the inserted text (as many characters into the
    insert as into the span), or None."""
    block = insert.replacement
    if not before or insert.start != insert.end or not block.strip():
        return None
    for e in edits:
        if e.replacement or e is insert:
            continue
        at = before.find(block.lstrip("\n").rstrip("\n"), e.start, e.end)
        if at >= 0:
            return at - (len(block) - len(block.lstrip("\n")))
    return None


# ------------------------------------------------------------------ "parses the same way"


def shape(doc: Document) -> tuple:
    """What a fix must not change about a draft's parse: its structure, counted."""
    return (
        len(doc.sections),
        len(doc.links),
        len(doc.math),
        sum(1 for r in doc.regions if r.kind in CODE_KINDS),
        sorted(Counter(p.kind for p in doc.problems).items()),
    )


def verdict(
    before_doc: Document,
    before: Sequence[Violation],
    after_doc: Document,
    after: Sequence[Violation],
    fixed: Sequence[Violation],
) -> str | None:
    """None when the fixes did what they promise; otherwise why the result is refused."""
    had = Counter(v.rule_id for v in before)
    has = Counter(v.rule_id for v in after)
    edits = edits_of(fixed)
    # A finding is gone when its rule no longer reports at the place the fix moved it to.
    # Counting is not enough: fixing one heading level may reveal the next skip below it,
    # a new finding of the same rule that the next pass fixes.
    still = {(v.rule_id, after_doc.offset(v.line, v.col)) for v in after}
    for v in fixed:
        if (v.rule_id, shift_forward(before_doc.offset(v.line, v.col), edits)) in still:
            return f"{v.rule_id} still reports it after the fix"
    for rule_id, count in has.items():
        if count > had[rule_id]:
            known = {v.message for v in before if v.rule_id == rule_id}
            new = next((v for v in after if v.rule_id == rule_id and v.message not in known), None)
            detail = f": {new.message}" if new is not None else ""
            return f"it would add a {rule_id} finding{detail}"
    if shape(after_doc) != shape(before_doc):
        return "the draft would no longer parse the same way (headings, links, math or code)"
    return None


# ------------------------------------------------------------------ the passes


@dataclass
class _State:
    raw: str
    doc: Document
    found: Sequence[Violation]


def _try(state: _State, chosen: Sequence[Violation], lint: Lint) -> tuple[_State, str | None]:
    raw = apply_edits(state.raw, edits_of(chosen))
    doc = Document.from_text(raw, state.doc.path)
    found = lint(doc)
    return _State(raw, doc, found), verdict(state.doc, state.found, doc, found, chosen)


def _key(doc: Document, v: Violation) -> tuple:
    """A refused fix, recognised again in a later pass though its offsets have moved."""
    return (
        v.rule_id,
        v.fix.title,
        tuple((doc.text[e.start : e.end], e.replacement) for e in v.fix.edits),
    )


def fix_text(
    raw: str,
    path: str,
    lint: Lint,
    unsafe: bool = False,
    max_passes: int = MAX_PASSES,
) -> FixOutcome:
    """Apply the safe fixes (all of them with ``unsafe``) to the file text ``raw``."""
    first = Document.from_text(raw, path)
    state = _State(raw, first, lint(first))
    # the edits of each kept pass and the text they were made on, to place notes in ``raw``
    history: list[tuple[list[Edit], str]] = []
    applied: list[FixNote] = []
    refused: dict[tuple, FixNote] = {}

    def note(doc: Document, v: Violation, reason: str = "") -> FixNote:
        offset = doc.offset(v.line, v.col)  # where the finding is, in this pass's text
        for edits, before in reversed(history):
            offset = shift_back(offset, edits, before)
        line, col = first.position(offset)
        return FixNote(v.rule_id, line, col, v.fix.title, reason)

    for _ in range(max_passes):
        wanted = [v for v in state.found if eligible(v, unsafe)]
        wanted = [v for v in wanted if _key(state.doc, v) not in refused]
        chosen, _ = choose(wanted, len(state.doc.text), unsafe)
        if not chosen:
            break
        after, why = _try(state, chosen, lint)
        if why is not None:
            good = []
            for v in chosen:
                _, alone = _try(state, [v], lint)
                if alone is None:
                    good.append(v)
                else:
                    refused[_key(state.doc, v)] = note(state.doc, v, alone)
            if not good:
                continue
            after, why = _try(state, good, lint)
            if why is not None:  # each works alone, not together: keep the first alone
                good = good[:1]
                after, why = _try(state, good, lint)
            chosen = good
        applied.extend(note(state.doc, v) for v in chosen)
        history.append((edits_of(chosen), state.doc.text))
        state = after
    skipped = [
        note(state.doc, v, "not applied within the passes allowed")
        for v in state.found
        if eligible(v, unsafe) and _key(state.doc, v) not in refused
    ]
    return FixOutcome(
        raw,
        state.raw,
        tuple(applied),
        tuple(refused.values()),
        tuple(skipped),
        tuple(state.found),
    )
