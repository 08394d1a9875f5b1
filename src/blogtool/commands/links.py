"""``blogtool links PATH...``: check every link of the drafts and list the broken ones.

Thin: read the drafts, run the local checks (:mod:`blogtool.linkscan`), check each unique
remote URL once (:mod:`blogtool.net.linkcheck`), print, exit. ``blogtool lint --check-links``
reuses :func:`lint_findings` to feed the same answers to the BT701-BT704 rules.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

if TYPE_CHECKING:
    from blogtool.config import Config
    from blogtool.document import Document
    from blogtool.engine import LintPlan
    from blogtool.linkscan import LinkFindings, LocalCheck, Occurrence, SiteRoot
    from blogtool.net.cache import DiskCache
    from blogtool.net.linkcheck import LinkCheckConfig, LinkResult, ProgressCallback

EXIT_OK = 0
EXIT_BROKEN = 1
EXIT_TROUBLE = 2

OFFLINE_SKIP_NOTICE = "remote link checking skipped (--offline)"

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
    from blogtool.cli import load_project_config
    from blogtool.linkscan import anchor_checks, collect_remote, file_checks, read_documents
    from blogtool.net.linkcheck import offline_summary
    from blogtool.sources import discover

    path_list = list(paths) or ["."]
    config = load_project_config(config_path, path_list)
    settings = link_check_settings(config, timeout=timeout, max_concurrency=max_concurrency)
    site = site_root(config)
    files, errors = discover(path_list, config.exclude)
    docs, unreadable = read_documents(files, config.max_file_size)
    errors += unreadable

    local = [check for doc in docs for check in (*anchor_checks(doc), *file_checks(doc, site))]
    remote = collect_remote(docs)
    if offline:
        results = offline_results(remote)
    elif remote:
        cache = None if no_cache else open_cache(config, settings, cache_dir)
        results = run_checks(list(remote), settings, cache, show_progress(quiet))
        _close_cache(cache)
    else:
        results = {}

    report = build_report(docs, local, remote, results)
    for message in errors:
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


# ---------------------------------------------------------------------- shared with lint


def lint_findings(
    plan: LintPlan,
    config: Config,
    files: Sequence[Path],
    extra: Sequence[Document] = (),
    *,
    offline: bool,
    quiet: bool,
    cached_only: bool = False,
) -> LinkFindings:
    """What ``lint --check-links`` hands to the link rules; messages go to stderr.

    Only the checks whose rules are active run: remote URLs for BT701/BT702, local files for
    BT704. ``extra`` are drafts already read (stdin). Unreadable files are skipped here: the
    lint run reports them. With ``cached_only`` remote links get only the answers already in
    the cache, without any request (the report uses this for dead links).
    """
    from blogtool.linkscan import (
        DEAD_LINK,
        MISSING_FILE,
        PERMANENT_REDIRECT,
        LinkFindings,
        collect_remote,
        file_checks,
        read_documents,
    )
    from blogtool.net.linkcheck import offline_summary

    active = {a.rule.id for a in plan.rules}
    wants_remote = bool(active & {DEAD_LINK, PERMANENT_REDIRECT})
    wants_files = MISSING_FILE in active
    if offline and not cached_only:
        click.echo(f"blogtool: {OFFLINE_SKIP_NOTICE}", err=True)
    # Settings first, so a bad config is an error even when no draft has a link.
    settings = link_check_settings(config) if wants_remote and not offline else None
    site = site_root(config) if wants_files else None
    if settings is None and site is None:
        return LinkFindings()
    docs, _ = read_documents(files, config.max_file_size)
    docs = [*extra, *docs]

    missing: dict[str, tuple[LocalCheck, ...]] = {}
    for doc in docs if site is not None else ():
        problems = tuple(check for check in file_checks(doc, site) if check.problem)
        if problems:
            missing[doc.path] = problems
    results: dict[str, LinkResult] = {}
    urls = list(collect_remote(docs)) if settings is not None else []
    if settings is not None and urls and cached_only:
        from blogtool.net.linkcheck import cached_results

        cache = open_cache(config, settings, None)
        results = cached_results(urls, settings, cache)
        cache.close()
    elif settings is not None and urls:
        cache = open_cache(config, settings, None)
        results = run_checks(urls, settings, cache, show_progress(quiet))
        _close_cache(cache)
        unchecked = offline_summary(results)
        if unchecked:
            click.echo(f"blogtool: {unchecked}", err=True)
    return LinkFindings(results, missing)


def link_check_settings(
    config: Config, *, timeout: float | None = None, max_concurrency: int | None = None
) -> LinkCheckConfig:
    """The link checker's settings from ``[links]`` and the command line flags."""
    from blogtool.cli import Trouble
    from blogtool.net.linkcheck import LinkCheckConfig

    section = config.section("links")
    names = {
        "accept": "accept",
        "timeout": "timeout",
        "max_concurrency": "max_concurrency",
        "max_per_host": "max_per_host",
        "min_host_interval": "min_host_interval",
        "max_retries": "max_retries",
        "max_retry_wait": "max_retry_wait",
        "exclude": "excludes",
        "user_agent": "user_agent",
        "cache_max_age": "cache_max_age",
        "max_body_bytes": "max_body_bytes",
        "allow_private": "allow_private",
    }
    values: dict[str, Any] = {field: section[key] for key, field in names.items() if key in section}
    where = config.where("links")
    if "headers" in section:
        values["headers"] = _headers(section["headers"], where)
    if timeout is not None:
        values["timeout"] = timeout
    if max_concurrency is not None:
        values["max_concurrency"] = max_concurrency
    try:
        return LinkCheckConfig(**values)
    except ValueError as exc:
        raise Trouble(f"{where}: links: {exc}") from None


def _headers(value: Any, where: str) -> dict[str, dict[str, str]]:
    from blogtool.cli import Trouble

    headers: dict[str, dict[str, str]] = {}
    for host, table in value.items():
        if not isinstance(table, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise Trouble(
                f"{where}: links.headers.{host}: expected a table of header names and "
                'string values, such as {"Authorization" = "token x"}'
            )
        headers[str(host)] = dict(table)
    return headers


def site_root(config: Config) -> SiteRoot:
    """Where ``/site-absolute`` links point: ``links.site_root`` or the project directory."""
    from blogtool.cli import Trouble
    from blogtool.linkscan import SiteRoot

    configured = config.section("links").get("site_root")
    if configured is None:
        return SiteRoot(config.root)
    path = config.root / Path(configured).expanduser()
    if not path.is_dir():
        raise Trouble(f"{config.where('site_root')}: links.site_root: {path} is not a directory")
    return SiteRoot(path, explicit=True)


def open_cache(config: Config, settings: LinkCheckConfig, option: str | None) -> DiskCache:
    """The cache: --cache-dir, else $BLOGTOOL_CACHE_DIR, else links.cache_dir, else default."""
    from blogtool.net.cache import CACHE_DIR_ENV, DiskCache

    configured = config.section("links").get("cache_dir")
    directory: Path | None = None
    if option:
        directory = Path(option)
    elif configured and not os.environ.get(CACHE_DIR_ENV):
        directory = config.root / Path(configured).expanduser()
    return DiskCache.open(directory, max_age=settings.cache_max_age)


def _close_cache(cache: DiskCache | None) -> None:
    """Print the cache's warnings and close it: the run is done with it."""
    if cache is None:
        return
    for warning in cache.warnings:
        click.echo(f"blogtool: warning: {warning}", err=True)
    cache.close()


def show_progress(
    quiet: bool, environ: Mapping[str, str] | None = None, stream: TextIO | None = None
) -> bool:
    """A progress bar only for a person watching: not with --quiet, in CI, or into a pipe."""
    environ = os.environ if environ is None else environ
    stream = sys.stderr if stream is None else stream
    in_ci = environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return not quiet and not in_ci and stream.isatty()


def run_checks(
    urls: Sequence[str], settings: LinkCheckConfig, cache: DiskCache | None, progress: bool
) -> dict[str, LinkResult]:
    from blogtool.net.linkcheck import check_urls

    with _progress_bar(len(urls), progress) as update:
        return check_urls(urls, settings, cache, update)


@contextlib.contextmanager
def _progress_bar(total: int, enabled: bool) -> Iterator[ProgressCallback | None]:
    if not enabled:
        yield None
        return
    stream = click.get_text_stream("stderr")
    with click.progressbar(length=total, label="Checking links", show_pos=True, file=stream) as bar:
        shown = 0

        def update(done: int, _total: int) -> None:
            nonlocal shown
            if done > shown:
                bar.update(done - shown)
                shown = done

        yield update


def offline_results(urls: Mapping[str, object]) -> dict[str, LinkResult]:
    """Every remote URL as not checked, for --offline."""
    from blogtool.net.linkcheck import LinkResult, LinkStatus

    return {
        url: LinkResult(url, LinkStatus.OFFLINE, message="not checked (--offline)") for url in urls
    }


# ---------------------------------------------------------------------- report


@dataclass
class Entry:
    """One line of the report: a unique URL (or local target) and everywhere it is used."""

    url: str
    kind: str  # "remote", "anchor" or "file"
    status: str
    rule: str | None
    message: str
    occurrences: list[Occurrence] = field(default_factory=list)
    code: int | None = None
    final_url: str | None = None
    moved_to: str | None = None
    elapsed: float = 0.0
    cached: bool = False
    order: tuple[int, int, int] = (0, 0, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "kind": self.kind,
            "status": self.status,
            "rule": self.rule,
            "code": self.code,
            "final_url": self.final_url,
            "moved_to": self.moved_to,
            "elapsed": round(self.elapsed, 3),
            "cached": self.cached,
            "message": self.message,
            "occurrences": [
                {"path": o.path, "line": o.line, "column": o.column} for o in self.occurrences
            ],
        }


@dataclass
class Report:
    entries: list[Entry]
    files: int

    @property
    def errors(self) -> int:
        from blogtool.linkscan import PERMANENT_REDIRECT

        return sum(1 for e in self.entries if e.rule and e.rule != PERMANENT_REDIRECT)

    def counts(self) -> dict[str, int]:
        from blogtool.linkscan import PERMANENT_REDIRECT

        counts = {"links": len(self.entries), "files": self.files, "broken": self.errors}
        counts["moved"] = sum(1 for e in self.entries if e.rule == PERMANENT_REDIRECT)
        for status in ("ok", "excluded", "offline"):
            counts[status] = sum(1 for e in self.entries if e.status == status)
        return counts

    def summary_line(self) -> str:
        c = self.counts()
        files = f"{c['files']} file{'s' * (c['files'] != 1)}"
        if not c["links"]:
            return f"No links found in {files}."
        parts = [f"{c['broken']} broken", f"{c['moved']} moved", f"{c['ok']} ok"]
        if c["excluded"]:
            parts.append(f"{c['excluded']} excluded")
        # Links left unchecked get their own line on stderr (see offline_summary), once.
        links = f"{c['links']} link{'s' * (c['links'] != 1)}"
        return f"{links} in {files}: {', '.join(parts)}."


def build_report(
    docs: Sequence[Document],
    local: Sequence[LocalCheck],
    remote: Mapping[str, Sequence[Occurrence]],
    results: Mapping[str, LinkResult],
) -> Report:
    """One entry per unique URL and per local target, in the order they first appear."""
    from blogtool.linkscan import Occurrence, remote_problem

    rank = {doc.path: i for i, doc in enumerate(docs)}
    by_path = {doc.path: doc for doc in docs}
    entries: list[Entry] = []
    for url, occurrences in remote.items():
        result = results[url]
        problem = remote_problem(url, result)
        first = occurrences[0]
        entries.append(
            Entry(
                url=url,
                kind="remote",
                status=result.status.value,
                rule=problem[0] if problem else None,
                message=result.message,
                occurrences=list(occurrences),
                code=result.code,
                final_url=result.final_url,
                moved_to=result.moved_to,
                elapsed=result.elapsed,
                cached=result.cached,
                order=(rank[first.path], first.line, first.column),
            )
        )
    grouped: dict[tuple[str, str], Entry] = {}
    for check in local:
        doc = by_path[check.path]
        line, column = doc.position(check.start)
        entry = grouped.get((check.kind, check.key))
        if entry is None:
            entry = Entry(
                url=check.target,
                kind=check.kind,
                status=_LOCAL_STATUS[check.kind] if check.problem else "ok",
                rule=check.rule_id if check.problem else None,
                message=check.problem,
                order=(rank[doc.path], line, column),
            )
            grouped[(check.kind, check.key)] = entry
            entries.append(entry)
        entry.occurrences.append(Occurrence(doc.path, line, column))
    entries.sort(key=lambda e: e.order)
    return Report(entries, len(docs))


_LOCAL_STATUS = {"anchor": "broken-anchor", "file": "missing-file"}


def render_text(entries: Sequence[Entry]) -> str:
    """Each entry as a header line (status, URL, time), its message and where it is used.

    URLs, messages and paths come from drafts and servers: their control characters are
    escaped rather than obeyed by the terminal.
    """
    from blogtool.safetext import for_terminal

    lines: list[str] = []
    for entry in entries:
        status = entry.status
        if entry.code is not None and entry.status != "redirect":
            status += f" {entry.code}"
        head = f"{status}  {entry.url}"
        if entry.kind == "remote" and entry.status not in ("excluded", "offline"):
            head += "  (cached)" if entry.cached else f"  ({entry.elapsed:.2f}s)"
        lines.append(head)
        if entry.message:
            lines.append(f"  {entry.message}")
        if entry.final_url and entry.final_url != entry.url.split("#", 1)[0]:
            lines.append(f"  final URL: {entry.final_url}")
        lines.extend(f"  {where}" for where in entry.occurrences)
    return for_terminal("\n".join(lines))


def render_json(entries: Sequence[Entry], report: Report) -> str:
    import json

    payload = {"links": [entry.as_dict() for entry in entries], "summary": report.counts()}
    return json.dumps(payload, indent=2)
