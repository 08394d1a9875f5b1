"""``blogtool links PATH...``: check every link of the drafts and list the broken ones.

Thin: load the drafts through the engine, let :mod:`blogtool.linkrun` check them (each
unique remote URL once), print, exit.
"""

from __future__ import annotations

import sys

import click

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_TROUBLE = 2

_EPILOG = """\b
Prints the links that need fixing: dead (BT701), moved permanently (BT702),
broken #anchors (BT703), missing local files and images (BT704); --all prints
every link. Each unique URL is requested once per run, however many drafts
use it.

\b
Settings ([tool.blogtool.links] in pyproject.toml, or [links] in blogtool.toml):
  accept = "200..=299"       status codes that count as working
  exclude = ["^https://x\\\\.com/"]  URLs never requested (regular expressions)
  min_host_interval = 0.05   seconds between requests to one server (<= 60)
  timeout = 10               seconds for a whole request: connecting, headers
                             and the body that is read
  max_body_bytes = 65536     body bytes read at most; the rest is not fetched
  max_retry_wait = 30        a longer Retry-After is reported, not waited for
  allow_private = false      check links to private, loopback and link-local
                             addresses, and follow redirects to them
  max_concurrency, max_per_host, max_retries,
  headers = {"host" = {"Header" = "value"}}, user_agent
  cache_dir, cache_max_age = 86400   answers are cached for a day
  site_root = "site"         where /assets/... links point (default: the
                             project directory, checked only where it has
                             the link's first folder)
  check_in_lint = false      make `blogtool lint` check links too

\b
Exit codes:
  0  no broken link (moved links are warnings). Links that could not be
     checked for lack of a network are counted in one line on stderr,
     "N links not checked (offline)", and do not fail the run unless
     --fail-offline is given: unchecked is not broken.
  1  a dead link, a broken #anchor or a missing local file; with
     --fail-offline, also links left unchecked (offline)
  2  usage error, bad config, or a draft that cannot be read
"""


@click.command("links", epilog=_EPILOG)
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--all", "show_all", is_flag=True, help="Print every link, not only broken ones.")
@click.option("--offline", is_flag=True, help="No network: check anchors and local files only.")
@click.option("--fail-offline", is_flag=True, help="Exit 1 when links could not be checked.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds to wait for each answer (default: links.timeout, 10).",
)
@click.option(
    "--max-concurrency",
    type=click.IntRange(min=1),
    help="Requests in flight at once (default: links.max_concurrency, 128).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    help="Cache directory (default: $BLOGTOOL_CACHE_DIR, links.cache_dir, ~/.cache/blogtool).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary line.")
def links(
    paths: tuple[str, ...],
    fmt: str,
    show_all: bool,
    offline: bool,
    fail_offline: bool,
    timeout: float | None,
    max_concurrency: int | None,
    cache_dir: str | None,
    no_cache: bool,
    config_path: str | None,
    quiet: bool,
) -> None:
    """Check the links of Markdown drafts: files or directories (every *.md below)."""
    from blogtool.cli import Trouble, load_project_config, progress_bar, show_progress
    from blogtool.config import ConfigError
    from blogtool.engine import load_documents, make_plan
    from blogtool.linkrun import Notices, check_links, render_json, render_text
    from blogtool.net.linkcheck import offline_summary
    from blogtool.sources import discover

    path_list = list(paths) or ["."]
    config = load_project_config(config_path, path_list)
    files, errors = discover(path_list, config.excludes)
    notices = Notices()
    try:
        # the link rules' plan: drafts are read as lint reads them, and [rules] is checked
        plan = make_plan(config, select=("BT7",), network=True)
        docs, unreadable = load_documents(files, plan)
        errors += [failed.error or failed.path for failed in unreadable]
        report, results = check_links(
            docs,
            config,
            notices,
            offline=offline,
            use_cache=not no_cache,
            cache_dir=cache_dir,
            timeout=timeout,
            max_concurrency=max_concurrency,
            progress=progress_bar if show_progress(quiet) else None,
        )
    except ConfigError as exc:
        raise Trouble(str(exc)) from None

    for message in [*notices.lines, *errors]:
        click.echo(f"blogtool: {message}", err=True)
    shown = report.entries if show_all else [e for e in report.entries if e.rule]
    if fmt == "json":
        click.echo(render_json(shown, report))
    else:
        text = render_text(shown)
        if text:
            click.echo(text)
        if not quiet:
            click.echo(report.summary_line())
    unchecked = offline_summary(results)
    if unchecked:
        click.echo(f"blogtool: {unchecked}", err=True)

    if errors:
        sys.exit(EXIT_TROUBLE)
    failed = report.errors or (fail_offline and unchecked)
    sys.exit(EXIT_BROKEN if failed else EXIT_OK)
