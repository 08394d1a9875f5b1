"""``blogtool papers DRAFTS...``: the index of the papers listed across drafts.

Every paper entry the locator finds (:mod:`blogtool.papers`), in any layout, with its arXiv
ID, title, place, whether it has notes, and the year of its first version (from the arXiv
cache when stub fetched it, else from the ID). No network. ``--duplicates`` reports a
paper listed in more than one draft, as lint's BT404 does within one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import click

EPILOG = """\b
Formats:
  text      path:line: ID (year) "title" [notes], one line per entry
  json      {"version": 1, "papers": [{"id", "title", "year", "year_from",
            "kind", "path", "line", "notes"}], "drafts": [{"path", "layout",
            "papers"}], "errors": [...]}
  markdown  a table, for a job summary or a README

\b
year_from is "cache" when stub fetched the paper's metadata (the date of
its first version), "id" when the year is read from the arXiv ID, null for a
paper without an arXiv ID (a PDF, OpenReview).

\b
Exit codes:
  0  index written (with --duplicates: no paper is in two drafts)
  1  with --duplicates: a paper is listed in more than one draft
  2  usage error, bad config, a draft that cannot be read
"""


@dataclass(frozen=True)
class IndexEntry:
    """One paper entry of one draft."""

    id: str | None  # the arXiv ID without version (a malformed one as written), or None
    title: str
    year: int | None
    year_from: str | None  # "cache", "id" or None
    kind: str
    path: str
    line: int
    col: int
    notes: bool

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["col"]
        return data


@dataclass(frozen=True)
class DraftIndex:
    path: str
    layout: str | None
    entries: tuple[IndexEntry, ...]


def index_drafts(
    files: Sequence[Path], max_size: int, years: Any = None
) -> tuple[list[DraftIndex], list[str]]:
    """The entries of every draft, and one message per draft that could not be read.

    ``years(arxiv_id) -> int | None`` gives a first-version year from the arXiv cache.
    """
    from ..engine import FileResult, read_document
    from ..layouts import infer_layout
    from ..papers import entries

    drafts: list[DraftIndex] = []
    errors: list[str] = []
    for path in files:
        doc = read_document(path, max_size)
        if isinstance(doc, FileResult):
            errors.append(doc.error or f"{path}: not read")
            continue
        rows = []
        for entry in entries(doc):
            arxiv_id = entry.arxiv_id
            cached = years(arxiv_id) if years is not None and arxiv_id is not None else None
            year = cached or (arxiv_id.year if arxiv_id else None)
            origin = "cache" if cached else ("id" if arxiv_id else None)
            ref = entry.reference
            line, col = doc.position(ref.start) if ref is not None else (entry.line, 1)
            if entry.kind == "heading":
                line, col = entry.line, 1
            rows.append(
                IndexEntry(
                    entry.key,
                    entry.title,
                    year,
                    origin,
                    entry.kind,
                    str(path),
                    line,
                    col,
                    entry.has_notes,
                )
            )
        layout = infer_layout(doc)
        drafts.append(DraftIndex(str(path), layout.name if layout else None, tuple(rows)))
    return drafts, errors


def cached_years(config: Any) -> tuple[Any, Any]:
    """``(years, close)``: first-version years from stub's arXiv cache, never the network."""
    from ..net.arxiv import CACHE_NAMESPACE
    from ..net.cache import DiskCache

    try:
        cache = DiskCache.open()
    except Exception:  # noqa: BLE001 - no cache is no years from it, not an error
        return None, lambda: None

    def years(arxiv_id: Any) -> int | None:
        for key in (arxiv_id.base, str(arxiv_id)):
            entry = cache.get(CACHE_NAMESPACE, key, max_age=float("inf"))
            if entry is not None and isinstance(entry.value, dict):
                published = str(entry.value.get("published") or "")
                if published[:4].isdigit():
                    return int(published[:4])
        return None

    def close() -> None:
        for warning in cache.warnings:
            click.echo(f"blogtool: warning: {warning}", err=True)
        cache.close()

    return years, close


def duplicates_across(drafts: Sequence[DraftIndex]) -> list[tuple[IndexEntry, IndexEntry]]:
    """``(entry, first)`` for every entry of a paper already listed in an earlier draft."""
    first: dict[str, IndexEntry] = {}
    found = []
    for draft in drafts:
        mine: dict[str, IndexEntry] = {}
        for entry in draft.entries:
            if entry.id is None:
                continue
            earlier = first.get(entry.id)
            if earlier is not None and earlier.path != entry.path:
                found.append((entry, earlier))
            mine.setdefault(entry.id, entry)
        for key, entry in mine.items():
            first.setdefault(key, entry)
    return found


def render_text(drafts: Sequence[DraftIndex]) -> str:
    """One line per entry; titles and paths come from drafts, so their control characters
    are shown escaped, never obeyed by the terminal."""
    from blogtool.safetext import for_terminal

    lines = []
    for draft in drafts:
        for e in draft.entries:
            year = f" ({e.year})" if e.year else ""
            notes = "notes" if e.notes else "no notes"
            lines.append(f'{e.path}:{e.line}: {e.id or "-"}{year} "{e.title}" [{notes}]')
    rows = [e for d in drafts for e in d.entries]
    ids = {e.id for e in rows if e.id}
    bare = sum(1 for e in rows if not e.notes)
    lines.append(
        f"{len(rows)} paper {'entry' if len(rows) == 1 else 'entries'} ({len(ids)} arXiv IDs) "
        f"in {len(drafts)} draft{'' if len(drafts) == 1 else 's'}, {bare} without notes"
    )
    return for_terminal("\n".join(lines)) + "\n"


def render_json(drafts: Sequence[DraftIndex], errors: Sequence[str]) -> str:
    data = {
        "version": 1,
        "papers": [e.as_dict() for d in drafts for e in d.entries],
        "drafts": [{"path": d.path, "layout": d.layout, "papers": len(d.entries)} for d in drafts],
        "errors": list(errors),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_markdown(drafts: Sequence[DraftIndex]) -> str:
    from ..report.render import md_text

    lines = ["| Paper | arXiv | Year | Where | Notes |", "|---|---|---|---|---|"]
    for d in drafts:
        for e in d.entries:
            lines.append(
                f"| {md_text(e.title)} | {md_text(e.id or '')} | {e.year or ''} | "
                f"{md_text(f'{e.path}:{e.line}')} | {'yes' if e.notes else 'no'} |"
            )
    return "\n".join(lines) + "\n"


@click.command("papers", epilog=EPILOG)
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text: one line per entry; json: for other tools; markdown: a table.",
)
@click.option(
    "--duplicates",
    is_flag=True,
    help="Report a paper listed in more than one draft (BT404 across drafts); exit 1 if any.",
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
def papers(paths: tuple[str, ...], fmt: str, duplicates: bool, config_path: str | None) -> None:
    """List the papers of drafts: files or directories (every *.md below).

    Every paper entry in any layout (paper sections, diary days, blockquote, bullet,
    numbered and table entries, link lines, pasted notes), with its arXiv ID, title,
    draft:line, whether it has notes, and its first-version year. No network.
    """
    from ..cli import Trouble, load_project_config
    from ..sources import discover

    path_list = list(paths) or ["."]
    config = load_project_config(config_path, path_list)
    files, bad = discover(path_list, config.excludes)
    years, close = cached_years(config)
    try:
        drafts, errors = index_drafts(files, config.max_file_size, years)
    finally:
        close()
    errors = bad + errors
    if duplicates:
        found = duplicates_across(drafts)
        for entry, first in found:
            click.echo(
                f"{entry.path}:{entry.line}:{entry.col}: BT404 paper {entry.id} is also in "
                f'{first.path}:{first.line} ("{first.title}") [duplicate-paper]'
            )
    elif fmt == "json":
        click.echo(render_json(drafts, errors), nl=False)
    elif fmt == "markdown":
        click.echo(render_markdown(drafts), nl=False)
    else:
        click.echo(render_text(drafts), nl=False)
    if errors:
        for message in errors[:-1]:
            click.echo(f"blogtool: error: {message}", err=True)
        raise Trouble(errors[-1])
    if duplicates and found:
        click.get_current_context().exit(1)
