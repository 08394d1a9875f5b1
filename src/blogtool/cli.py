"""The ``blogtool`` command line. Thin: parse arguments, call the library, format, exit.

Exit codes (all commands):
  0  clean, or warnings only
  1  an error-level violation was found (or a threshold such as --fail-under was missed)
  2  usage error, bad config, unreadable input, or an internal error
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from . import __version__

if TYPE_CHECKING:
    from .config import Config
    from .document import Document
    from .engine import LintPlan

EXIT_CLEAN = 0
EXIT_VIOLATIONS = 1
EXIT_TROUBLE = 2

EXIT_CODES_HELP = """\b
Exit codes:
  0  no problems, or warnings only
  1  at least one error-level violation
  2  usage error, bad config, unreadable file, or internal error
With --fix: the same, for what remains. With --fix-diff: 1 when a fix
would change a draft.
"""


class Trouble(click.ClickException):
    """A one-line error for the user; exit code 2, never a traceback."""

    exit_code = EXIT_TROUBLE

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"blogtool: error: {self.format_message()}", err=True)


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def load_project_config(config_path: str | None, paths: list[str]):
    """The config for a run: --config, else the nearest one above the first path."""
    from .config import ConfigError, find_config, load_config

    try:
        if config_path:
            return load_config(Path(config_path))
        start = Path(paths[0]) if paths and paths[0] != "-" else Path.cwd()
        return load_config(find_config(start))
    except ConfigError as exc:
        raise Trouble(str(exc)) from None


# Commands in modules of their own, imported only when run: ``blogtool --help`` and ``lint``
# do not pay for them. Name -> (module, attribute, the first line of the command's help, which
# ``--help`` lists; tests/test_cli.py checks it against each command's own).
LAZY_COMMANDS = {
    "links": (
        "blogtool.commands.links",
        "links",
        "Check the links of Markdown drafts: files or directories (every *.md below).",
    ),
    "papers": (
        "blogtool.commands.papers",
        "papers",
        "List the papers of drafts: files or directories (every *.md below).",
    ),
    "report": (
        "blogtool.commands.report",
        "report",
        "Report the TODO coverage of drafts: files or directories (every *.md below).",
    ),
    "server": (
        "blogtool.commands.server",
        "server",
        "Run the language server (LSP) over stdio, for editors.",
    ),
    "stub": (
        "blogtool.commands.stub",
        "stub",
        "Add a paper section scaffolded from arXiv to a draft.",
    ),
}


class _LazyGroup(click.Group):
    def invoke(self, ctx: click.Context):  # noqa: ANN201 - click's signature
        from .registry import PluginError

        # Every command loads the rules somewhere (lint, report, links through the engine):
        # a broken third-party plugin is one line and exit 2 in all of them.
        try:
            return super().invoke(ctx)
        except PluginError as exc:
            raise Trouble(str(exc)) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            import importlib

            module, attribute, _ = LAZY_COMMANDS[name]
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click's own, but with a lazy command's help line from LAZY_COMMANDS
        names = [
            n for n in self.list_commands(ctx) if n in LAZY_COMMANDS or not self.commands[n].hidden
        ]
        limit = formatter.width - 6 - max(map(len, names))
        rows = [
            (
                name,
                click.Command(name, help=LAZY_COMMANDS[name][2]).get_short_help_str(limit)
                if name in LAZY_COMMANDS
                else self.commands[name].get_short_help_str(limit),
            )
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="blogtool")
def main() -> None:
    """Keep a long technical blog honest before it is published."""
    # A file name that is not UTF-8 reaches us surrogate-escaped; print it escaped rather
    # than crash on a terminal whose encoding is strict.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github", "sarif", "junit"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--select", multiple=True, help="Only these rules (ids, names or ID prefixes).")
@click.option("--ignore", multiple=True, help="Skip these rules (ids, names or ID prefixes).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--stdin-filename", default="<stdin>", help="Name to report for input read from -.")
@click.option("-j", "--jobs", type=int, default=0, help="Worker processes (default: cores).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("-q", "--quiet", is_flag=True, help="Print violations only, no summary line.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when errors are found.")
@click.option(
    "--diff",
    "diff_ref",
    metavar="REF",
    help="Only report violations on lines changed since this git ref (untracked: all lines).",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Do not report violations recorded in this baseline file; entries that no longer "
    "match any violation (fixed?) are listed on stderr, without changing the exit code.",
)
@click.option(
    "--force-exclude",
    is_flag=True,
    help="Apply the config's exclude patterns to files named on the command line too.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    help="Record every current violation in this baseline file (path, rule and the line's "
    "text, not its number), then exit 0.",
)
@click.option(
    "--check-links",
    is_flag=True,
    help="Also check links: dead or moved URLs, missing files (BT701, BT702, BT704). "
    "Default: links.check_in_lint.",
)
@click.option(
    "--offline",
    is_flag=True,
    envvar="BLOGTOOL_OFFLINE",
    help="Never use the network: link checking then covers local files only, and a "
    "LanguageTool server at a URL is not contacted. Default: $BLOGTOOL_OFFLINE.",
)
@click.option(
    "--flavor",
    type=click.Choice(["kramdown", "gfm", "commonmark", "goldmark"]),
    help="The Markdown renderer of the blog, which decides what some rules report. "
    "Default: the config's flavor, else detected from the site (_config.yml: kramdown, "
    "hugo.toml: goldmark, neither: gfm).",
)
@click.option(
    "--fix",
    is_flag=True,
    help="Apply the safe fixes to the drafts, then report what remains.",
)
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="Apply the unsafe fixes too (implies --fix; with --fix-diff, show them too).",
)
@click.option(
    "--fix-diff",
    is_flag=True,
    help="Print the unified diff the fixes would make and write nothing (exit 1 if any).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Lint, then lint again each draft that changes on disk, until Ctrl-C (exit 0). "
    "Not with - (stdin), --output, --diff or the baseline options.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    envvar="BLOGTOOL_NO_CACHE",
    help="Lint every draft again instead of taking an unchanged draft's results from the "
    "last run (the cache is also off with `cache = false` in the config, and with "
    "--check-links). Default: $BLOGTOOL_NO_CACHE.",
)
def lint(
    paths: tuple[str, ...],
    fmt: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: str | None,
    stdin_filename: str,
    jobs: int,
    output: str | None,
    quiet: bool,
    exit_zero: bool,
    diff_ref: str | None,
    baseline: str | None,
    force_exclude: bool,
    write_baseline: str | None,
    check_links: bool,
    offline: bool,
    flavor: str | None,
    fix: bool,
    unsafe_fixes: bool,
    fix_diff: bool,
    watch: bool,
    no_cache: bool,
) -> None:
    """Lint Markdown drafts: files, directories (every *.md below) or - for stdin."""
    from . import formatters
    from .commands.terminal import terminal_paint
    from .document import Document
    from .engine import FileResult, lint_documents, load_document, make_plan, parse_document
    from .paint import no_paint
    from .registry import load_registry
    from .sources import InputError, decode, discover

    path_list = list(paths) or ["."]
    config = load_project_config(config_path, path_list)
    registry = load_registry()
    try:
        from .config import ConfigError

        check_links = check_links or config.section("links").get("check_in_lint") is True
        plan = make_plan(
            config,
            _split(select),
            _split(ignore),
            network=check_links,
            registry=registry,
            flavor=flavor,
            offline=offline,
        )
    except ConfigError as exc:
        raise Trouble(str(exc)) from None

    if watch:
        refused = {"-": "-" in path_list, "--output": output, "--diff": diff_ref}
        refused |= {"--baseline": baseline, "--write-baseline": write_baseline}
        refused |= {"--fix": fix, "--unsafe-fixes": unsafe_fixes, "--fix-diff": fix_diff}
        used = [name for name, value in refused.items() if value]
        if used:
            raise click.UsageError(f"--watch does not go with {', '.join(used)}")
        from .commands.watch import watch_from_lint

        options = dict(fmt=fmt, force_exclude=force_exclude, jobs=jobs, config_path=config_path)
        options |= dict(select=_split(select), ignore=_split(ignore), flavor=flavor)
        options |= dict(offline=offline)  # a reloaded config keeps --offline
        watch_from_lint(path_list, config, plan, registry, options)

    results: list[FileResult] = []
    stdin_doc: list[Document | FileResult] = []
    if "-" in path_list:
        path_list.remove("-")
        try:
            stdin_doc.append(
                parse_document(decode(sys.stdin.buffer.read(), stdin_filename), stdin_filename)
            )
        except InputError as exc:
            stdin_doc.append(FileResult(stdin_filename, error=str(exc)))
    files, bad_paths = (
        ([], []) if not path_list else discover(path_list, config.excludes, force_exclude)
    )
    drafts: list[Document | Path | FileResult] = list(files)
    if check_links:
        # the drafts are loaded here, once: the link checks read them and so do the rules
        drafts = [load_document(p, plan) for p in files]
        docs = [d for d in (*stdin_doc, *drafts) if isinstance(d, Document)]
        plan.links = link_findings(plan, config, docs, offline=offline, quiet=quiet)
    fixing = fix or unsafe_fixes or fix_diff
    if fixing and stdin_doc:
        raise Trouble("--fix and --fix-diff change files: name the draft instead of -")
    # stdin is linted with the site of the file an editor names it, else the working directory's
    results.extend(lint_documents(stdin_doc, plan))
    for message in bad_paths:
        results.append(FileResult(message.split(":", 1)[0], error=message))
    if fixing:
        from .fixfiles import run as run_fixes
        from .fixfiles import with_cached_redirects

        if not check_links and not offline:
            with_cached_redirects(plan, config, registry, files, _split(select), _split(ignore))

        fixed, changed, diffs, notes = run_fixes(files, plan, unsafe_fixes, fix_diff, quiet, jobs)
        for diff in diffs:
            click.echo(diff, nl=False)
        for note in notes:
            click.echo(f"blogtool: {note}", err=True)
        results.extend(fixed)
        if fix_diff:
            errors = [r.error for r in results if r.error]
            for error in errors:
                click.echo(f"blogtool: {error}", err=True)
            sys.exit(EXIT_TROUBLE if errors else EXIT_VIOLATIONS if changed else EXIT_CLEAN)
    elif check_links or no_cache or not config.cache:
        results.extend(lint_documents(drafts, plan, jobs))
    else:
        # drafts are still paths here: the cache decides which of them to read and lint
        from .resultcache import cached_lint

        def warn(message: str) -> None:
            click.echo(f"blogtool: warning: {message}", err=True)

        results.extend(
            cached_lint(files, plan, lambda todo: lint_documents(list(todo), plan, jobs), warn=warn)
        )
    _narrow(results, diff_ref, baseline, write_baseline, {a.rule.id for a in plan.rules})

    for result in results:
        if result.error:
            click.echo(f"blogtool: {result.error}", err=True)
    for notice in dict.fromkeys(n for r in results for n in (*r.notices, *r.warnings)):
        click.echo(f"blogtool: {notice}", err=True)
    paint = terminal_paint() if output is None else no_paint
    rendered = formatters.render(fmt, results, registry, paint=paint)
    if quiet and fmt == "text":
        rendered = "\n".join(rendered.splitlines()[:-1])
    if output:
        _write_report(Path(output), rendered)
    elif rendered:
        click.echo(rendered)
    sys.exit(_exit_code(results, exit_zero))


def link_findings(  # noqa: ANN201 - a blogtool.linkscan.LinkFindings
    plan: LintPlan,
    config: Config,
    docs: Sequence[Document],
    *,
    offline: bool,
    quiet: bool,
    cached_only: bool = False,
):
    """``lint``/``report --check-links``: what the link rules get (blogtool.linkrun), with a
    progress bar for a person watching; messages go to stderr."""
    from .config import ConfigError
    from .linkrun import Notices, lint_findings

    notices = Notices()
    try:
        findings = lint_findings(
            plan,
            config,
            docs,
            notices,
            offline=offline,
            cached_only=cached_only,
            progress=progress_bar if show_progress(quiet) else None,
        )
    except ConfigError as exc:
        raise Trouble(str(exc)) from None
    finally:
        for line in notices.lines:
            click.echo(f"blogtool: {line}", err=True)
    return findings


def show_progress(
    quiet: bool, environ: Mapping[str, str] | None = None, stream: TextIO | None = None
) -> bool:
    """A progress bar only for a person watching: not with --quiet, in CI, or into a pipe."""
    import os

    environ = os.environ if environ is None else environ
    stream = sys.stderr if stream is None else stream
    in_ci = environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return not quiet and not in_ci and stream.isatty()


@contextlib.contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for ``total`` link checks; yields the checker's callback."""
    stream = click.get_text_stream("stderr")
    with click.progressbar(length=total, label="Checking links", show_pos=True, file=stream) as bar:
        shown = 0

        def update(done: int, _total: int) -> None:
            nonlocal shown
            if done > shown:
                bar.update(done - shown)
                shown = done

        yield update


def _narrow(
    results,
    diff_ref: str | None,
    baseline: str | None,
    write: str | None,
    rules: set[str] | None = None,
) -> None:
    """Apply --baseline and --diff to the results in place; --write-baseline exits here.

    ``rules``, the IDs of the rules that ran, keeps entries of rules left out of this run
    from being called stale. The baseline goes first, so that its entries meet every
    violation and --diff cannot make them look stale.
    """
    if write:
        from .baseline import write_baseline

        try:
            count = write_baseline(Path(write), results)
        except OSError as exc:
            raise Trouble(f"{write}: cannot write: {exc.strerror or exc}") from None
        click.echo(f"blogtool: recorded {count} violation(s) in {write}", err=True)
        sys.exit(EXIT_CLEAN)
    if baseline:
        from .baseline import BaselineError, apply_baseline, stale_messages

        try:
            outcome = apply_baseline(Path(baseline), results, rules)
        except BaselineError as exc:
            raise Trouble(str(exc)) from None
        for line in stale_messages(outcome.stale, baseline):
            click.echo(f"blogtool: {line}", err=True)
    if diff_ref:
        from .gitdiff import GitError, changed_lines

        for result in results:
            if result.error or result.path.startswith("<"):
                continue
            try:
                lines = changed_lines(Path(result.path), diff_ref)
            except GitError as exc:
                raise Trouble(str(exc)) from None
            if lines is not None:
                result.violations = [v for v in result.violations if v.line in lines]


def _exit_code(results, exit_zero: bool) -> int:
    from .engine import INTERNAL_ERROR
    from .violation import Severity

    if any(r.error or r.notices for r in results) or any(
        v.rule_id == INTERNAL_ERROR for r in results for v in r.violations
    ):
        return EXIT_TROUBLE
    if exit_zero:
        return EXIT_CLEAN
    worst = max((v.severity for r in results for v in r.violations), default=Severity.OFF)
    return EXIT_VIOLATIONS if worst >= Severity.ERROR else EXIT_CLEAN


def _write_report(path: Path, text: str) -> None:
    from .atomic import atomic_write_text

    try:
        atomic_write_text(path, text + "\n")
    except OSError as exc:
        raise Trouble(f"{path}: cannot write: {exc.strerror or exc}") from None


@main.command()
@click.argument("rule", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def rules(rule: str | None, fmt: str) -> None:
    """List every rule, or print one rule's documentation (by id or name)."""
    from .registry import load_registry, rule_help

    registry = load_registry()
    if rule:
        found = registry.get(rule)
        if found is None:
            raise Trouble(f"unknown rule {rule!r}; `blogtool rules` lists them")
        click.echo(rule_help(found))
        return
    if fmt == "json":
        import json

        click.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "name": r.name,
                        "severity": str(r.severity),
                        "fix": r.fix,
                        "summary": r.summary,
                    }
                    for r in registry
                ],
                indent=2,
            )
        )
        return
    width = max((len(r.name) for r in registry), default=10)
    for r in registry:
        click.echo(f"{r.id}  {r.name:<{width}}  {str(r.severity):<7}  {r.summary}")


if __name__ == "__main__":  # pragma: no cover
    main()
