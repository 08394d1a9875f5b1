"""``blogtool report``: how much of each draft is written, and what is left to do."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..document import Document
    from ..engine import LintPlan
    from ..report import Comparison

REPORT_EPILOG = """\b
Coverage:
  A draft's units are its papers, in whatever layout it lists them (paper
  sections at any level, diary days, blockquote, bullet, numbered and table
  entries, link lines, pasted notes; see blogtool papers), plus headings at
  their level with nothing under them yet; in a draft without papers, its
  leaf sections that are not years (## 2019); in a draft without those, the
  whole draft. A paper is finished when it has notes and no TODO lies inside
  it (a section when no TODO lies inside it). Coverage = finished units /
  units, rounded down, shown with its counts: 96% (26/27). It is given per
  draft, per year section, and in total over all drafts (the sums).

\b
TODOs are lint's violations of the TODO rules, named by the rule's name:
placeholders (BT102-BT104), empty Quick Summaries (BT101), empty sections
and paper stubs (BT401, BT402), empty links and images (BT201, BT204), raw
notes (BT105), chatbot leftovers (BT106), notes to self (BT107). A fresh
stub is one TODO: its empty summary or section is part of its BT402. Set
[tool.blogtool.report] todo_rules to change the list.

\b
Baseline:
  --write-baseline FILE saves TODO counts per draft, section and rule (no
  line numbers, so it survives edits); --baseline FILE shows what got
  better and what got worse since then; --fail-on-regression exits 1 when
  a section holds more TODOs than in the baseline (a section or draft the
  baseline does not know starts from zero).

\b
Exit codes:
  0  report written (coverage not below --fail-under, no regression)
  1  total coverage over all drafts is below --fail-under, or, with
     --fail-on-regression, a section gained TODOs since the baseline
  2  usage error, bad config or baseline, unreadable draft, internal error
"""


@click.command("report", epilog=REPORT_EPILOG)
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json", "html"]),
    default="text",
    show_default=True,
    help="text: a table for the terminal; markdown: a CI job summary or PR comment; "
    "json: for other tools; html: one self-contained page with charts.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    metavar="PERCENT",
    help="Exit 1 when the total coverage (all drafts together) is below PERCENT. "
    "Default: [tool.blogtool.report] fail_under.",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Compare with this baseline (from --write-baseline) or JSON report: coverage change "
    "per draft, new and resolved TODOs. Default: [tool.blogtool.report] baseline, if that "
    "file exists.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also write TODO counts per draft, section and rule (no line numbers) to FILE, "
    "for a later --baseline. The report is printed as usual.",
)
@click.option(
    "--save-baseline",
    "save_baseline_alias",
    type=click.Path(dir_okay=False),
    hidden=True,  # the name of earlier versions; kept so existing scripts keep working
)
@click.option(
    "--fail-on-regression",
    is_flag=True,
    help="Exit 1 when any section holds more TODOs than in the baseline (a draft or "
    "section the baseline does not know starts from zero). Needs a baseline.",
)
@click.option(
    "--check-links",
    is_flag=True,
    help="Also count dead links (BT701) as TODOs; this checks every URL over the network, "
    "as `blogtool lint --check-links` does. Default: links.check_in_lint.",
)
@click.option(
    "--offline", is_flag=True, help="With --check-links: never use the network (no BT701)."
)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("-j", "--jobs", type=int, default=0, help="Worker processes (default: cores).")
def report(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    fail_under: float | None,
    baseline: str | None,
    write_baseline: str | None,
    save_baseline_alias: str | None,
    fail_on_regression: bool,
    check_links: bool,
    offline: bool,
    config_path: str | None,
    jobs: int,
) -> None:
    """Report the TODO coverage of drafts: files or directories (every *.md below).

    Lists, per draft and per section, what is left to do (worst sections first) and the
    share of sections that are finished.
    """
    from .. import report as reports
    from ..cli import Trouble, load_project_config
    from ..config import ConfigError
    from ..report_render import render

    write_baseline = write_baseline or save_baseline_alias
    path_list = list(paths) or ["."]
    config = load_project_config(config_path, path_list)
    settings = config.section("report")
    if fail_under is None and "fail_under" in settings:
        fail_under = float(settings["fail_under"])
        if not 0 <= fail_under <= 100:
            raise Trouble(f"{config.where('fail_under')}: fail_under must be between 0 and 100")
    if fail_on_regression and not (baseline or settings.get("baseline")):
        raise Trouble(
            "--fail-on-regression needs a baseline: --baseline FILE, "
            "or baseline in [tool.blogtool.report]"
        )
    # Dead links count when they are checked now, or else when earlier checks are cached.
    cached_only = not (check_links or config.section("links").get("check_in_lint") is True)

    def gather(plan: LintPlan, docs: Sequence[Document]) -> object:
        from ..cli import link_findings

        return link_findings(
            plan, config, docs, offline=offline, quiet=False, cached_only=cached_only
        )

    try:
        result = reports.build_report(path_list, config, jobs=jobs, check_links=gather)
    except ConfigError as exc:
        raise Trouble(str(exc)) from None

    baseline_path = Path(baseline) if baseline else None
    if baseline_path is None and settings.get("baseline"):
        configured = config.root / str(settings["baseline"])
        if configured.exists():
            baseline_path = configured
        else:
            click.echo(
                f"blogtool: no baseline at {configured} yet "
                "(write one with --write-baseline); not comparing",
                err=True,
            )
    if baseline_path is not None:
        try:
            saved = reports.load_baseline(baseline_path)
        except reports.ReportError as exc:
            raise Trouble(str(exc)) from None
        comparison = reports.compare(result, saved, str(baseline_path))
        result = reports.with_comparison(result, comparison)

    for error in result.errors:
        click.echo(f"blogtool: {error.message}", err=True)
    if write_baseline:
        try:
            reports.write_baseline(Path(write_baseline), result)
        except OSError as exc:
            raise Trouble(f"{write_baseline}: cannot write: {exc.strerror or exc}") from None

    link_base = Path(output).parent if output else Path.cwd()
    rendered = render(
        fmt,
        result,
        color=fmt == "text" and output is None and _color(),
        unicode=output is not None or _stdout_takes("█░·…×"),
        link_base=link_base,
    )
    if output:
        from ..atomic import atomic_write_text

        try:
            atomic_write_text(Path(output), rendered + "\n")
        except OSError as exc:
            raise Trouble(f"{output}: cannot write: {exc.strerror or exc}") from None
    else:
        click.echo(rendered)

    if result.errors:
        sys.exit(2)
    failed = False
    total = result.coverage
    if fail_under is not None and total.below(fail_under):
        click.echo(
            f"blogtool: total coverage {total.label()} is below --fail-under {fail_under:g}%",
            err=True,
        )
        failed = True
    if fail_on_regression and result.comparison is not None:
        failed = _report_regressions(result.comparison) or failed
    sys.exit(1 if failed else 0)


def _report_regressions(comparison: Comparison) -> bool:
    """Name every section that gained TODOs on stderr; True if there was one."""
    worse = comparison.regressions()
    for path, r in worse:
        click.echo(
            f"blogtool: {path}: section {r.section!r} gained TODOs since the baseline: "
            f"{r.before} -> {r.after}",
            err=True,
        )
    if worse:
        noun = "section gained" if len(worse) == 1 else "sections gained"
        click.echo(
            f"blogtool: {len(worse)} {noun} TODOs since the baseline {comparison.baseline} "
            "(--fail-on-regression)",
            err=True,
        )
    return bool(worse)


def _color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _stdout_takes(text: str) -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
