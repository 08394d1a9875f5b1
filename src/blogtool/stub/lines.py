"""The draft on disk as stub writes it: :mod:`blogtool.draftfile` in stub's words.

Stub only adds lines; the one line it may change in place is an empty heading that gets
its title (``--update``). Every plan is checked to keep every other line, in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from blogtool import draftfile
from blogtool.draftfile import PlanT, to_lf

EMPTY_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+#*)?[ \t]*$")
COMMENT_LINE = re.compile(r"^[ \t]*<!--.*-->[ \t]*$")


def _titled_heading(old: str, new: str) -> bool:
    """The one line --update may change in place: an empty heading that got its title."""
    empty = EMPTY_ATX_HEADING.match(old)
    return bool(empty) and new.lstrip(" ").startswith(empty.group(1) + " ")


STUB_WRITER = draftfile.Writer(
    name="stub",
    holder="another blogtool stub",
    waited="while stub waited for arXiv",
    again="Run the command again (the metadata is cached, so no new request is made).",
    may_change=_titled_heading,
    keeps_lines=True,
)


def check_lines_kept(old: str, new: str) -> None:
    """Raise :class:`StubError` unless every line of ``old`` is in ``new``, in order."""
    draftfile.check_lines_kept(old, new, _titled_heading)


def restore_line_endings(old_raw: str, new_lf: str) -> str:
    """``new_lf`` written the way ``old_raw`` was (see
    :func:`blogtool.draftfile.restore_line_endings`); raises :class:`StubError` if it would
    lose a line of the draft."""
    check_lines_kept(to_lf(old_raw), new_lf)
    return draftfile.restore_line_endings(old_raw, new_lf, _titled_heading)


class DraftLock(draftfile.DraftLock):
    """``<draft>.lock``, held by stub while it writes (:class:`blogtool.draftfile.DraftLock`)."""

    def __init__(self, draft: Path, timeout: float = 10.0, poll: float = 0.05) -> None:
        super().__init__(draft, timeout, poll, holder=STUB_WRITER.holder)


DraftUpdate = draftfile.DraftUpdate


def update_draft(
    path: Path,
    edit: Callable[[str], PlanT],
    expected: str | None = None,
    *,
    lock_timeout: float = 10.0,
) -> draftfile.DraftUpdate[PlanT]:
    """Apply ``edit`` (LF text in, plan out) to the draft on disk, all or nothing (see
    :func:`blogtool.draftfile.update_draft`); a plan that loses a line is not written."""
    return draftfile.update_draft(
        path, edit, expected, lock_timeout=lock_timeout, writer=STUB_WRITER
    )
