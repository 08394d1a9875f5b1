"""Link checking as a library: what ``blogtool links``, ``lint --check-links`` and ``report
--check-links`` share.

The settings come from ``[links]`` (:func:`link_check_settings`, :func:`site_root`); the
drafts are the Documents the caller loaded through the engine, so none is parsed twice;
local checks come from :mod:`blogtool.linkscan` and remote answers from
:mod:`blogtool.net.linkcheck` and its cache. A bad setting is a
:class:`~blogtool.config.ConfigError`. Nothing here prints: what the user should read comes
back as notices, and a progress display is whatever the caller passes in.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config, ConfigError

if TYPE_CHECKING:
    from .document import Document
    from .engine import LintPlan
    from .linkscan import LinkFindings, LocalCheck, Occurrence, SiteRoot
    from .net.cache import DiskCache
    from .net.linkcheck import LinkCheckConfig, LinkResult, ProgressCallback

OFFLINE_SKIP_NOTICE = "remote link checking skipped (--offline)"

# A progress display for ``total`` requests: a context manager that yields the callback
# the checker reports to, or None for no display. The command line passes a progress bar.
Progress = Callable[[int], AbstractContextManager["ProgressCallback | None"]]


@dataclass
class Notices:
    """One-line messages for the user (stderr), in the order they arose."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str | None) -> None:
        if line:
            self.lines.append(line)


def lint_findings(
    plan: LintPlan,
    config: Config,
    docs: Sequence[Document],
    notices: Notices,
    *,
    offline: bool,
    cached_only: bool = False,
    progress: Progress | None = None,
) -> LinkFindings:
    """What ``lint --check-links`` hands to the link rules.

    Only the checks whose rules are active run: remote URLs for BT701/BT702, local files for
    BT704. With ``cached_only`` remote links get only the answers already in the cache,
    without any request (the report uses this for dead links).
    """
    from .linkscan import (
        DEAD_LINK,
        MISSING_FILE,
        PERMANENT_REDIRECT,
        LinkFindings,
        collect_remote,
        file_checks,
    )
    from .net.linkcheck import offline_summary

    active = {a.rule.id for a in plan.rules}
    wants_remote = bool(active & {DEAD_LINK, PERMANENT_REDIRECT})
    wants_files = MISSING_FILE in active
    if offline and not cached_only:
        notices.add(OFFLINE_SKIP_NOTICE)
    # Settings first, so a bad config is an error even when no draft has a link.
    settings = link_check_settings(config) if wants_remote and not offline else None
    site = site_root(config) if wants_files else None
    if settings is None and site is None:
        return LinkFindings()

    missing: dict[str, tuple[LocalCheck, ...]] = {}
    for doc in docs if site is not None else ():
        problems = tuple(check for check in file_checks(doc, site) if check.problem)
        if problems:
            missing[doc.path] = problems
    results: dict[str, LinkResult] = {}
    urls = list(collect_remote(docs)) if settings is not None else []
    if settings is not None and urls and cached_only:
        from .net.linkcheck import cached_results

        cache = open_cache(config, settings, None)
        results = cached_results(urls, settings, cache)
        cache.close()
    elif settings is not None and urls:
        cache = open_cache(config, settings, None)
        results = run_checks(urls, settings, cache, progress)
        close_cache(cache, notices)
        notices.add(offline_summary(results))
    return LinkFindings(results, missing)


def check_links(
    docs: Sequence[Document],
    config: Config,
    notices: Notices,
    *,
    offline: bool = False,
    use_cache: bool = True,
    cache_dir: str | None = None,
    timeout: float | None = None,
    max_concurrency: int | None = None,
    progress: Progress | None = None,
) -> tuple[Report, dict[str, LinkResult]]:
    """Every link of the drafts checked (``blogtool links``): the report and the remote
    answers by URL. ``offline`` checks anchors and local files only."""
    from .linkscan import anchor_checks, collect_remote, file_checks

    settings = link_check_settings(config, timeout=timeout, max_concurrency=max_concurrency)
    site = site_root(config)
    local = [check for doc in docs for check in (*anchor_checks(doc), *file_checks(doc, site))]
    remote = collect_remote(docs)
    if offline:
        results = offline_results(remote)
    elif remote:
        cache = open_cache(config, settings, cache_dir) if use_cache else None
        results = run_checks(list(remote), settings, cache, progress)
        close_cache(cache, notices)
    else:
        results = {}
    return build_report(docs, local, remote, results), results


def link_check_settings(
    config: Config, *, timeout: float | None = None, max_concurrency: int | None = None
) -> LinkCheckConfig:
    """The link checker's settings from ``[links]`` and the command line flags."""
    from .net.linkcheck import LinkCheckConfig

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
        raise ConfigError(f"{where}: links: {exc}") from None


def _headers(value: Any, where: str) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {}
    for host, table in value.items():
        if not isinstance(table, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()
        ):
            raise ConfigError(
                f"{where}: links.headers.{host}: expected a table of header names and "
                'string values, such as {"Authorization" = "token x"}'
            )
        headers[str(host)] = dict(table)
    return headers


def site_root(config: Config) -> SiteRoot:
    """Where ``/site-absolute`` links point: ``links.site_root`` or the project directory."""
    from .linkscan import SiteRoot

    configured = config.section("links").get("site_root")
    if configured is None:
        return SiteRoot(config.root)
    path = config.root / Path(configured).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"{config.where('site_root')}: links.site_root: {path} is not a directory"
        )
    return SiteRoot(path, explicit=True)


def open_cache(config: Config, settings: LinkCheckConfig, option: str | None) -> DiskCache:
    """The cache: --cache-dir, else $BLOGTOOL_CACHE_DIR, else links.cache_dir, else default."""
    from .net.cache import CACHE_DIR_ENV, DiskCache

    configured = config.section("links").get("cache_dir")
    directory: Path | None = None
    if option:
        directory = Path(option)
    elif configured and not os.environ.get(CACHE_DIR_ENV):
        directory = config.root / Path(configured).expanduser()
    return DiskCache.open(directory, max_age=settings.cache_max_age)


def close_cache(cache: DiskCache | None, notices: Notices) -> None:
    """Close the cache, keeping its warnings for the user: the run is done with it."""
    if cache is None:
        return
    for warning in cache.warnings:
        notices.add(f"warning: {warning}")
    cache.close()


def run_checks(
    urls: Sequence[str],
    settings: LinkCheckConfig,
    cache: DiskCache | None,
    progress: Progress | None = None,
) -> dict[str, LinkResult]:
    from .net.linkcheck import check_urls

    if progress is None:
        return check_urls(urls, settings, cache)
    with progress(len(urls)) as update:
        return check_urls(urls, settings, cache, update)


def offline_results(urls: Mapping[str, object]) -> dict[str, LinkResult]:
    """Every remote URL as not checked, for --offline."""
    from .net.linkcheck import LinkResult, LinkStatus

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
        from .linkscan import PERMANENT_REDIRECT

        return sum(1 for e in self.entries if e.rule and e.rule != PERMANENT_REDIRECT)

    def counts(self) -> dict[str, int]:
        from .linkscan import PERMANENT_REDIRECT

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
    from .linkscan import Occurrence, remote_problem

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
    from .safetext import for_terminal

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
