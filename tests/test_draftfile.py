"""The draft write path shared by stub and lint --fix: blogtool.draftfile, used directly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from blogtool.draftfile import (
    DraftChanged,
    DraftError,
    DraftLock,
    check_lines_kept,
    restore_line_endings,
    to_lf,
    update_draft,
)


@dataclass(frozen=True)
class Rewritten:
    text: str
    changed: bool = True


def test_a_line_changed_in_place_keeps_its_own_ending() -> None:
    # a fix edits inside a line: the CRLF line stays CRLF, the LF lines stay LF
    raw = "a\nsee http://x\r\nb\n"
    assert restore_line_endings(raw, "a\nsee <http://x>\nb\n") == "a\nsee <http://x>\r\nb\n"


def test_a_removed_line_takes_nothing_of_its_neighbours() -> None:
    raw = "\ufeffa\r\nthe the\r\nb\n"
    assert restore_line_endings(raw, "a\nb\n") == "\ufeffa\r\nb\n"


def test_the_no_loss_check_names_the_lost_line() -> None:
    check_lines_kept("a\nb\n", "a\nnew\nb\n")
    with pytest.raises(DraftError, match=r"would lose line 2 \('b'\)"):
        check_lines_kept("a\nb\nc", "a\nc")
    # a writer may allow a line changed in place
    check_lines_kept("a\nb", "a\nB", lambda old, new: old.upper() == new)


def test_update_draft_rewrites_with_any_plan(tmp_path: Path) -> None:
    path = tmp_path / "draft.md"
    path.write_bytes(b"one\r\ntwo\r\n")
    update = update_draft(path, lambda text: Rewritten(text.replace("two", "2")))
    assert update.written
    assert path.read_bytes() == b"one\r\n2\r\n"
    unchanged = update_draft(path, lambda text: Rewritten(text, changed=False))
    assert not unchanged.written


def test_update_draft_words_a_changed_draft_for_any_writer(tmp_path: Path) -> None:
    path = tmp_path / "draft.md"
    path.write_text("mine\n", encoding="utf-8")
    with pytest.raises(DraftChanged, match="changed on disk since it was read; nothing written"):
        update_draft(path, lambda text: Rewritten(text + "x\n"), expected="older\n")
    assert path.read_text(encoding="utf-8") == "mine\n"


def test_a_held_lock_names_a_plain_writer(tmp_path: Path) -> None:
    path = tmp_path / "draft.md"
    path.write_text("mine\n", encoding="utf-8")
    with DraftLock(path), pytest.raises(DraftError, match="another blogtool run holds"):
        update_draft(path, lambda text: Rewritten(text + "x\n"), lock_timeout=0.1)
    assert path.read_text(encoding="utf-8") == "mine\n"


# --- a lone \r never runs into the next line's \n ------------------------------------------


@pytest.mark.parametrize(
    ("raw", "new_lf", "written"),
    [
        # a new blank line after a kept line ending in a lone CR: the new line gives way
        ("x\na\r", "x\na\n\nb\n", "x\na\r\r\nb\n"),
        # the draft's most common ending is a lone CR: a new line before a kept blank line
        ("a\r\rb\n\nc\r", "a\n\nb\nnew\n\nc\n", "a\r\rb\nnew\r\n\nc\r"),
        # a fix removed the line between a lone CR and a blank line: the blank line gives way
        ("a\rgone\n\nb\n", "a\n\nb\n", "a\r\r\nb\n"),
    ],
)
def test_no_blank_line_is_lost_to_a_lone_cr(raw: str, new_lf: str, written: str) -> None:
    restored = restore_line_endings(raw, new_lf)
    assert restored == written
    assert to_lf(restored) == new_lf


def test_stub_into_a_draft_with_a_lone_cr_keeps_its_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "draft.md"
    path.write_bytes(b"# Notes\n\nlast line\r")
    update_draft(path, lambda text: Rewritten(text + "\n## Added\n"))
    assert to_lf(path.read_bytes().decode()) == "# Notes\n\nlast line\n\n## Added\n"
