"""The draft as a file on disk: read exactly as stored, rewritten all or nothing.

Whatever rewrites a draft (``stub`` adding a paper, ``lint --fix`` applying fixes) plans on
the draft's LF text (:func:`to_lf`: no BOM, every line ending a ``\\n``, the text a
:class:`~blogtool.document.Document` is made from) and hands the result to
:func:`update_draft`, which

- holds ``<draft>.lock`` (an flock, :mod:`blogtool.lockfile`) so one writer at a time
  rewrites a draft;
- reads the draft again under the lock and writes nothing if it is not the text that was
  planned on (an editor saved it meanwhile);
- writes the new text back the way the draft was stored (:func:`restore_line_endings`: its
  BOM, each kept line's own ending, no final newline if it had none);
- writes atomically: on any error the file is left byte for byte as it was.

How a writer names itself in its messages, and which lines it may change in place, is a
:class:`Writer`; the module knows nothing of stub or fixes.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from blogtool.atomic import sibling_name
from blogtool.lockfile import FileLock, LockError, end_cleanly

__all__ = [
    "MAX_DRAFT_SIZE",
    "DraftChanged",
    "DraftError",
    "DraftLock",
    "DraftUpdate",
    "PlanT",
    "Rewrite",
    "Writer",
    "check_lines_kept",
    "check_writable",
    "read_draft",
    "restore_line_endings",
    "to_lf",
    "unified_diff",
    "update_draft",
    "write_if_unchanged",
]

# The lint size limit is for linting; a draft may be rewritten at any size.
MAX_DRAFT_SIZE = 1 << 30
_LINE_END = re.compile(r"\r\n|\r|\n")

SameLine = Callable[[str, str], bool]


class DraftError(Exception):
    """A reason a draft cannot be read or rewritten, worded for the user; nothing was
    written."""


class DraftChanged(DraftError):
    """The draft on disk is not the one that was read and planned on; nothing was written."""


def _equal(old: str, new: str) -> bool:
    return old == new


@dataclass(frozen=True)
class Writer:
    """A command that rewrites drafts, as its messages name it.

    ``may_change`` says whether a new line may stand in for an old one it changed in place
    (stub gives an empty heading its title); every other line must be kept as it was.
    ``keeps_lines`` makes :func:`update_draft` refuse a plan that loses a line.
    """

    name: str = "blogtool"  # "... changed on disk while {name} was writing it"
    holder: str = "another blogtool run"  # who holds the lock, when waiting for it fails
    waited: str = "since it was read"  # "... changed on disk {waited}; nothing written."
    again: str = "Run the command again."
    may_change: SameLine = _equal
    keeps_lines: bool = False


# --- line endings and the no-loss check ----------------------------------------------------


def _split_lines(text: str) -> list[tuple[str, str]]:
    """``(content, ending)`` pairs; the last ending is "" when the text does not end in one."""
    pairs: list[tuple[str, str]] = []
    pos = 0
    for match in _LINE_END.finditer(text):
        pairs.append((text[pos : match.start()], match.group()))
        pos = match.end()
    if pos < len(text):
        pairs.append((text[pos:], ""))
    return pairs


def to_lf(raw: str) -> str:
    """The text as a planner sees it: no BOM, every line ending a ``\\n``."""
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    return "".join(content + ("\n" if ending else "") for content, ending in _split_lines(raw))


def _kept_lines(old: list[str], new: list[str], same: SameLine) -> tuple[list[int | None], int]:
    """For each new line, the old line it keeps (greedy, in order), and how many old lines
    were kept; all of them when the new text only adds lines."""
    mapping: list[int | None] = [None] * len(new)
    j = 0
    for i, line in enumerate(new):
        if j < len(old) and (old[j] == line or same(old[j], line)):
            mapping[i] = j
            j += 1
    return mapping, j


def check_lines_kept(old: str, new: str, same: SameLine = _equal) -> None:
    """Raise :class:`DraftError` unless every line of LF text ``old`` is in ``new``, in
    order (a line ``same`` accepts counts as kept)."""
    old_lines = old.split("\n")
    _, kept = _kept_lines(old_lines, new.split("\n"), same)
    if kept < len(old_lines):
        raise DraftError(
            f"internal error: the new draft would lose line {kept + 1} "
            f"({old_lines[kept][:60]!r}); nothing written, please report this"
        )


def _aligned_lines(old: list[str], new: list[str]) -> list[int | None]:
    """For each new line, the old line it stands for when lines were changed or removed: an
    unchanged one, or the one a changed line replaced, position by position."""
    mapping: list[int | None] = [None] * len(new)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):
            for k in range(min(i2 - i1, j2 - j1)):
                mapping[j1 + k] = i1 + k
    return mapping


def restore_line_endings(old_raw: str, new_lf: str, same: SameLine = _equal) -> str:
    """``new_lf`` written the way ``old_raw`` was: its BOM, line endings and final newline.

    Kept lines keep their own ending (a line changed in place, that of the line it
    replaces); new lines get the draft's most common one, unless that would run into the
    next line's ending (see :func:`_keep_apart`).
    """
    bom = "\ufeff" if old_raw.startswith("\ufeff") else ""
    old = _split_lines(old_raw[len(bom) :])
    new = _split_lines(new_lf)
    used = [ending for _, ending in old if ending]
    default = max(("\r\n", "\n", "\r"), key=used.count) if used else "\n"
    old_contents, new_contents = [c for c, _ in old], [c for c, _ in new]
    mapping, kept = _kept_lines(old_contents, new_contents, same)
    if kept < len(old):
        mapping = _aligned_lines(old_contents, new_contents)
    endings = [
        (old[j][1] if j is not None and old[j][1] else default) if ending else ""
        for (_, ending), j in zip(new, mapping, strict=True)
    ]
    if old and not old[-1][1] and new:
        endings[-1] = ""  # the draft had no final newline; do not add one
    _keep_apart(new, mapping, endings)
    lines = (content + ending for (content, _), ending in zip(new, endings, strict=True))
    return bom + "".join(lines)


def _keep_apart(new: list[tuple[str, str]], mapping: list[int | None], endings: list[str]) -> None:
    """Make sure no two line endings read as one: a lone ``\\r`` followed by an empty line
    ending in ``\\n`` is one ``\\r\\n``, and the empty line would be lost. The line
    stub or a fix added gets ``\\r\\n`` instead, which merges with nothing; a kept line's
    bytes are changed only when both lines were kept (a fix removed what stood between)."""
    for i in range(len(new) - 1):
        if endings[i] == "\r" and not new[i + 1][0] and endings[i + 1] == "\n":
            endings[i if mapping[i] is None else i + 1] = "\r\n"


def unified_diff(old: str, new: str, path: str) -> str:
    """A unified diff of two LF texts, as ``git diff`` would show it."""

    def lines(text: str) -> list[str]:
        return [content + "\n" for content, _ in _split_lines(text)]

    diff = difflib.unified_diff(lines(old), lines(new), f"a/{path}", f"b/{path}")
    return "".join(diff)


# --- the draft on disk ---------------------------------------------------------------------


def read_draft(path: Path) -> str:
    """The draft's text exactly as stored (BOM and line endings kept)."""
    from blogtool.sources import InputError, read_source

    try:
        return read_source(path, max_size=MAX_DRAFT_SIZE)
    except InputError as exc:
        raise DraftError(str(exc)) from None


def check_writable(path: Path) -> None:
    """Refuse a draft marked read-only, even for root, before any network work."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise DraftError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not mode & 0o222 or not os.access(path, os.W_OK):
        raise DraftError(f"{path}: the file is read-only; nothing written")


class DraftLock(FileLock):
    """``<draft>.lock``, an flock (:mod:`blogtool.lockfile`), so one writer at a time
    rewrites a draft; another waits up to ``timeout`` seconds. The operating system releases
    it when its process dies, so a killed run leaves no lock to wait for."""

    def __init__(
        self,
        draft: Path,
        timeout: float = 10.0,
        poll: float = 0.05,
        holder: str = Writer.holder,
    ) -> None:
        lock = draft.with_name(sibling_name(draft.name, "lock"))
        super().__init__(lock, timeout, poll, holder=holder)

    def __enter__(self) -> DraftLock:
        try:
            super().__enter__()
        except LockError as exc:
            raise DraftError(f"{exc}; nothing written") from None
        return self


class Rewrite(Protocol):
    """What a planner returns: the new LF text, and whether it differs."""

    @property
    def text(self) -> str: ...

    @property
    def changed(self) -> bool: ...


PlanT = TypeVar("PlanT", bound=Rewrite)


@dataclass(frozen=True)
class DraftUpdate(Generic[PlanT]):
    plan: PlanT
    written: bool


def update_draft(
    path: Path,
    edit: Callable[[str], PlanT],
    expected: str | None = None,
    *,
    lock_timeout: float = 10.0,
    writer: Writer | None = None,
) -> DraftUpdate[PlanT]:
    """Apply ``edit`` (LF text in, plan out) to the draft on disk, all or nothing.

    ``expected`` is the draft as read before the slow work (a request, a lint). Under the
    lock, the draft is read again: if it is not ``expected`` any more (an editor saved it,
    or another run wrote it), nothing is written and :class:`DraftChanged` says so; the same
    if it changes while the edit is planned. Otherwise the plan is written atomically, after
    a check that it keeps every line when ``writer.keeps_lines``. On any error the draft is
    left byte for byte as it was.
    """
    writer = writer or Writer()
    if path.is_symlink():
        path = path.resolve()  # replace the file the link points to, not the link
    # SIGTERM and SIGHUP end the run through the same cleanup as an error: no temporary file.
    with end_cleanly(), DraftLock(path, timeout=lock_timeout, holder=writer.holder):
        raw = read_draft(path)
        if expected is not None and raw != expected:
            raise DraftChanged(
                f"{path} changed on disk {writer.waited}; nothing written. {writer.again}"
            )
        old = to_lf(raw)
        plan = edit(old)
        if not plan.changed:
            return DraftUpdate(plan, written=False)
        if writer.keeps_lines:
            check_lines_kept(old, plan.text, writer.may_change)
        new_raw = restore_line_endings(raw, plan.text, writer.may_change)
        write_if_unchanged(path, raw, new_raw, f"while {writer.name} was writing it")
        return DraftUpdate(plan, written=True)


def write_if_unchanged(path: Path, expected: str, new_raw: str, when: str) -> None:
    """Write ``new_raw`` over the draft, atomically, if the file still holds ``expected``;
    the caller holds the draft's lock. :class:`DraftChanged` ("changed on disk ``when``")
    if it does not, :class:`DraftError` if it cannot be written; the draft is then as it was.
    """
    from blogtool.atomic import atomic_write_text

    if read_draft(path) != expected:
        raise DraftChanged(
            f"{path} changed on disk {when}; nothing written. Run the command again."
        )
    check_writable(path)
    try:
        atomic_write_text(path, new_raw)
    except OSError as exc:
        raise DraftError(
            f"{path}: cannot write: {exc.strerror or exc}; the draft is unchanged"
        ) from None
