"""``blogtool stub ARXIV_ID...``: scaffold paper sections from arXiv in the right place.

Thin: check the IDs, load config and template, read the draft, fetch metadata, then let
:mod:`blogtool.stub` plan and write. Every failure is one line on stderr and exit 2.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from datetime import date

    from blogtool.arxiv_id import ArxivId
    from blogtool.document import Document
    from blogtool.net.arxiv import Paper
    from blogtool.stub import Outcome, PaperTemplate, StubPlan, StubSettings

EXIT_OK = 0
EXIT_PARTLY = 1
EXIT_TROUBLE = 2

_EPILOG = """\b
Template placeholders ({{{{ and }}}} are literal braces):
{placeholders}

\b
Layouts (--layout NAME; inferred from the draft's entries by default):
{layouts}

\b
Settings ([tool.blogtool.stub] in pyproject.toml, or [stub] in blogtool.toml):
  draft = "drafts/evolution.md"   default draft, relative to the config file
  layout = "quotes"               the layout of every draft (default: inferred)
  template = "rules/paper.md"     template of the years and headings layouts
  templates = {{ diary = "rules/diary.md" }}   template of any other layout
  search = ["drafts", "_posts"]   drafts whose papers are not added again (without
                                  --force); default: the Markdown files beside the draft
  placement = "year"              or "end": append at the end of the draft
  year_heading_level, paper_heading_level   default: as in the draft (2 and 3)
  year_heading_format = "{{year}}"
[tool.blogtool.arxiv] api_url, min_interval, timeout (seconds for a whole
request), max_response_bytes, max_wait (the longest pause arXiv may ask for),
cache_max_age tune the client; $BLOGTOOL_ARXIV_API_URL overrides api_url.

\b
Exit codes:
  0  every paper was added, completed, is already in the draft or in another
  1  some IDs are unknown to arXiv (each is reported); the others were written
  2  nothing written: an invalid ID (checked before any request), a network or
     arXiv API failure, every ID unknown, a bad config or template, a draft that
     cannot be read or written, or one that changed while stub waited for arXiv
"""


class _StubCommand(click.Command):
    """Builds its epilog when help is asked for, so importing the CLI stays cheap."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from blogtool.layouts import LAYOUTS
        from blogtool.stub import PLACEHOLDERS

        width = max(len(name) for name in PLACEHOLDERS) + 2
        lines = "\n".join(
            f"  {{{name}}}".ljust(width + 4) + help for name, help in PLACEHOLDERS.items()
        )
        shapes = "\n".join(f"  {name:<15} {help}" for name, help in LAYOUTS.items())
        self.epilog = _EPILOG.format(placeholders=lines, layouts=shapes)
        super().format_epilog(ctx, formatter)


@click.command("stub", cls=_StubCommand)
@click.argument("arxiv_ids", nargs=-1, required=True, metavar="ARXIV_ID...")
@click.option(
    "--draft",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draft to add to (default: draft in [tool.blogtool.stub]).",
)
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="Config file to use."
)
@click.option(
    "--template",
    "template_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Section template (default: template in config, else the built-in one).",
)
@click.option(
    "--layout",
    metavar="NAME",
    help="Write the entry in this layout instead of the one inferred from the draft.",
)
@click.option(
    "--date",
    "today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date {today} stands for (default: today), YYYY-MM-DD.",
)
@click.option(
    "--update", is_flag=True, help="Complete a paper's existing section, even one with text."
)
@click.option(
    "--force",
    is_flag=True,
    help="Add a paper even when another draft already lists it ([stub] search says which "
    "drafts are looked at; default: the draft's own folder).",
)
@click.option("--dry-run", is_flag=True, help="Print the diff; write nothing.")
@click.option("--print", "print_only", is_flag=True, help="Print the sections only; no draft.")
def stub(
    arxiv_ids: tuple[str, ...],
    draft: Path | None,
    config_path: str | None,
    template_path: Path | None,
    layout: str | None,
    today: Any,
    update: bool,
    force: bool,
    dry_run: bool,
    print_only: bool,
) -> None:
    """Add a paper section scaffolded from arXiv to a draft.

    ARXIV_ID is any form people paste: 2305.18290, 2305.18290v2, arXiv:2305.18290,
    an arxiv.org abs, pdf or html link, or hep-th/9901001. Every ID is checked before
    any request; metadata for all of them comes in one request and is cached for a day.

    The entry takes the draft's own shape (its layout, inferred from the entries it
    has; see the list below). With year sections it goes under the year heading of the
    paper's first version, in arXiv ID order, and a missing year section is created in
    order among the others; in any other layout it goes after the last entry (before the
    first when the entries run newest first), and no year section is ever created. A
    draft with no entries to go by gets year sections, and a note says so.

    A paper already in the draft (its arXiv ID in any form in any entry: a heading, a
    blockquote, a list item, a table row; else an entry with its title) is never added
    twice; the message says where it is.
    A bare section (heading, link, empty summary) is completed: an empty heading gets the
    title, the paper link and the Quick Summary block are added. A section with text of
    its own is left alone unless --update, which completes it the same way; the
    author's text is never changed.

    The draft keeps its line endings and is written atomically under a lock file. If it
    changed on disk while stub waited for arXiv, nothing is written (exit 2): run the
    command again, the metadata is cached.
    """
    from blogtool import stub as stubs
    from blogtool.cli import Trouble, load_project_config
    from blogtool.document import Document

    if print_only and (update or dry_run or draft):
        raise click.UsageError("--print writes no draft; drop --draft, --update and --dry-run")
    ids = _parse_ids(arxiv_ids, Trouble)
    config = load_project_config(config_path, [str(draft)] if draft else [])
    day = today.date() if today is not None else None
    original: str | None = None
    parsed: Document | None = None  # the draft as read, parsed once for every question
    draft_path: Path | None = None
    try:
        settings = stubs.settings_from_config(config, layout)
        templates = _templates(template_path, config)
        if print_only:
            template = templates.get(settings.layout or "years")
        else:
            draft_path = _draft_path(draft, config, Trouble)
            original = stubs.read_draft(draft_path)
            if not dry_run:
                stubs.check_writable(draft_path)
            parsed = Document.from_text(stubs.to_lf(original))
            template = _draft_template(draft_path, parsed, templates, settings)
    except stubs.StubError as exc:
        raise Trouble(str(exc)) from None

    done = {} if parsed is None else _already_there(parsed, ids, template, settings, update)
    wanted = [arxiv_id for arxiv_id in ids if arxiv_id.base not in done]
    if parsed is not None and not force:
        assert draft_path is not None
        elsewhere = _in_other_drafts(draft_path, parsed, wanted, config)
        for arxiv_id in wanted:
            if arxiv_id.base in elsewhere:
                entry = elsewhere[arxiv_id.base]
                click.echo(
                    f"{draft_path}: {arxiv_id.base} is already in {entry.path}:{entry.line} "
                    f'("{entry.title}"); not added (--force adds it here too)',
                    err=True,
                )
        wanted = [arxiv_id for arxiv_id in wanted if arxiv_id.base not in elsewhere]
    papers = _fetch(wanted, config, Trouble) if wanted else {}
    requests = [
        stubs.StubRequest(arxiv_id, paper)
        for arxiv_id in wanted
        if (paper := papers.get(str(arxiv_id))) is not None
    ]
    unknown = [arxiv_id for arxiv_id in wanted if papers.get(str(arxiv_id)) is None]

    if print_only:
        sections = [
            stubs.render_section(template, r.paper, r.arxiv_id, settings, day) for r in requests
        ]
        if sections:
            click.echo("\n".join(sections), nl=False)
    elif requests:
        assert draft_path is not None and original is not None
        try:
            plan = _apply(draft_path, original, requests, template, settings, update, dry_run, day)
        except stubs.StubError as exc:
            raise Trouble(str(exc)) from None
        # Entries skipped before the request may have moved down: report where they are now.
        known = [i for i in ids if i.base in done]
        if known:
            new_doc = Document.from_text(plan.text)
            done.update(_already_there(new_doc, known, template, settings, update))
        done.update({outcome.arxiv_id: outcome for outcome in plan.outcomes})
    for arxiv_id in ids:
        if arxiv_id.base in done and draft_path is not None:
            click.echo(_describe(draft_path, done[arxiv_id.base]), err=True)
    _finish(ids, unknown, Trouble)


def _templates(option: Path | None, config: Any) -> Any:
    """``--template`` for whatever layout the draft has; else from config, per layout."""
    from blogtool.layouts import HEADINGS, LAYOUTS, YEARS
    from blogtool.stub import StubError, Templates

    table = config.section("stub")
    per_layout = {}
    configured = table.get("template")
    if configured:
        per_layout = {YEARS: config.root / configured, HEADINGS: config.root / configured}
    for name, path in (table.get("templates") or {}).items():
        if name not in LAYOUTS or not isinstance(path, str):
            raise StubError(
                f"{config.where('stub.templates')}: [stub] templates maps a layout "
                f"({', '.join(LAYOUTS)}) to a file, not {name!r} = {path!r}"
            )
        per_layout[name] = config.root / path
    return Templates(option, per_layout)


def _draft_template(
    path: Path, doc: Document, templates: Any, settings: StubSettings
) -> PaperTemplate:
    """The template of the draft's layout, checked now, before any request; says so once
    when the layout had to be guessed."""
    from blogtool.stub import draft_layout

    layout, note = draft_layout(doc, settings)
    template = templates.get(layout.name)
    if note:
        click.echo(f"blogtool: note: {path}: {note}", err=True)
    return template


def _parse_ids(raw_ids: Sequence[str], trouble: type[click.ClickException]) -> list[ArxivId]:
    """Every ID parsed before any request; one line per invalid ID, then exit 2."""
    from blogtool.arxiv_id import InvalidArxivId, parse_arxiv_id

    ids: dict[str, ArxivId] = {}
    errors: list[str] = []
    for raw in raw_ids:
        try:
            arxiv_id = parse_arxiv_id(raw)
        except InvalidArxivId as exc:
            errors.append(f"invalid arXiv ID {raw!r}: {exc}")
            continue
        ids.setdefault(arxiv_id.base, arxiv_id)
    if errors:
        for message in errors[:-1]:
            click.echo(f"blogtool: error: {message}", err=True)
        raise trouble(errors[-1] + " (nothing fetched, nothing written)")
    return list(ids.values())


def _draft_path(option: Path | None, config: Any, trouble: type[click.ClickException]) -> Path:
    if option is not None:
        return option
    configured = config.section("stub").get("draft")
    if not configured:
        raise trouble(
            "no draft to add to: pass --draft PATH or set draft in [tool.blogtool.stub] "
            "(--print needs no draft)"
        )
    return config.root / configured


def _in_other_drafts(
    path: Path, doc: Document, ids: Sequence[ArxivId], config: Any
) -> dict[str, Any]:
    """The papers among ``ids`` that this draft does not list and another draft does: the
    drafts of [stub] search (files or folders, relative to the config file), else the
    Markdown files beside this one. ID -> where it is (the first draft listing it)."""
    from blogtool.commands.papers import index_drafts
    from blogtool.papers import find_entry
    from blogtool.sources import discover

    missing = {arxiv_id.base for arxiv_id in ids if find_entry(doc, arxiv_id) is None}
    if not missing:
        return {}
    search = config.section("stub").get("search")
    if search:
        files, _ = discover([str(config.root / entry) for entry in search], config.excludes)
    else:
        folder = path.parent
        files = sorted(p for p in folder.glob("*.md") if p.is_file())
    mine = path.resolve()
    others = [f for f in files if f.resolve() != mine]
    drafts, _ = index_drafts(others, config.max_file_size)  # unreadable ones: not there
    found: dict[str, Any] = {}
    for draft in drafts:
        for entry in draft.entries:
            if entry.id in missing:
                found.setdefault(entry.id, entry)
    return found


def _already_there(
    doc: Document, ids: Sequence[ArxivId], template: Any, settings: StubSettings, update: bool
) -> dict[str, Outcome]:
    """Papers already in the draft that need no metadata: they are reported without a request."""
    from blogtool.stub import outcome_without_metadata

    found: dict[str, Outcome] = {}
    for arxiv_id in ids:
        outcome = outcome_without_metadata(doc, arxiv_id, template, settings, update)
        if outcome is not None:
            found[arxiv_id.base] = outcome
    return found


def _fetch(
    ids: Sequence[ArxivId], config: Any, trouble: type[click.ClickException]
) -> dict[str, Paper | None]:
    from blogtool.net.arxiv import CACHE_MAX_AGE, ENV_API_URL, ArxivClient, ArxivError
    from blogtool.net.cache import DiskCache

    table = config.section("arxiv")
    # The environment beats the config file, so a test or a mirror can redirect one run.
    api_url = None if os.environ.get(ENV_API_URL) else table.get("api_url")
    max_age = float(table.get("cache_max_age", CACHE_MAX_AGE))
    cache = DiskCache.open(max_age=max_age)
    try:
        with ArxivClient(
            api_url,
            cache=cache,
            min_interval=float(table.get("min_interval", 3.0)),
            timeout=float(table.get("timeout", 15.0)),
            cache_max_age=max_age,
            **{key: table[key] for key in ("max_response_bytes", "max_wait") if key in table},
        ) as client:
            return client.fetch(ids)
    except ArxivError as exc:
        raise trouble(f"{exc} (nothing written)") from None
    finally:
        for warning in cache.warnings:
            click.echo(f"blogtool: warning: {warning}", err=True)
        cache.close()


def _apply(
    path: Path,
    original: str,
    requests: list[Any],
    template: Any,
    settings: StubSettings,
    update: bool,
    dry_run: bool,
    day: date | None,
) -> StubPlan:
    from blogtool import stub as stubs

    def edit(text: str) -> stubs.StubPlan:
        return stubs.plan_stubs(text, requests, template, settings, update, day)

    if dry_run:
        old = stubs.to_lf(original)
        plan = edit(old)
        click.echo(stubs.unified_diff(old, plan.text, path.as_posix()), nl=False)
        click.echo("dry run: nothing written", err=True)
        return plan
    return stubs.update_draft(path, edit, expected=original).plan


def _describe(path: Path, outcome: Outcome) -> str:
    where = f"{path}:{outcome.line}" if outcome.line else str(path)
    title = f'"{outcome.title}"' if outcome.title else "(no title)"
    if outcome.action == "added":
        return f"{where}: added {outcome.arxiv_id} {title} {outcome.detail}"
    if outcome.action == "completed":
        return f"{where}: completed {outcome.arxiv_id} {title}: {outcome.detail}"
    if outcome.action == "complete":
        return f"{where}: {outcome.arxiv_id} is already in the draft as {title}; nothing to add"
    return (
        f"{where}: skipped {outcome.arxiv_id}, already in the draft as {title} "
        f"(--update adds {outcome.detail})"
    )


def _finish(
    ids: Sequence[ArxivId], unknown: Sequence[ArxivId], trouble: type[click.ClickException]
) -> None:
    if not unknown:
        return
    messages = [f"arXiv has no paper {arxiv_id} (unknown ID or version)" for arxiv_id in unknown]
    if len(unknown) == len(ids):
        for message in messages[:-1]:
            click.echo(f"blogtool: error: {message}", err=True)
        raise trouble(messages[-1] + " (nothing written)")
    for message in messages:
        click.echo(f"blogtool: error: {message}", err=True)
    click.get_current_context().exit(EXIT_PARTLY)
