"""``blogtool lint --watch``: the command-line side of blogtool.watch (output, reloads)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click


def reloader(
    paths: Sequence[str], registry: Any, options: dict[str, Any]
) -> Callable[[], tuple[Any, Any]]:
    """How a watch reads its config again: the same file and the same command-line choices
    (select, ignore, flavor, offline) as the first plan. A ConfigError is the watch's to report."""
    from blogtool.config import find_config, load_config
    from blogtool.engine import make_plan

    config_path = options["config_path"]
    rerun = {key: options[key] for key in ("select", "ignore", "flavor", "offline")}

    def reload() -> tuple[Any, Any]:
        fresh = load_config(Path(config_path) if config_path else find_config(Path(paths[0])))
        return fresh, make_plan(fresh, registry=registry, **rerun)

    return reload


def watch_from_lint(
    paths: Sequence[str],
    config: Any,
    plan: Any,
    registry: Any,
    options: dict[str, Any],
) -> None:
    """Run blogtool.watch with ``lint``'s output; exits with its code when stopped.

    ``options``: fmt, force_exclude, jobs, config_path (``--config``) and the make_plan
    arguments for a reloaded config (select, ignore, flavor, offline).
    """
    from blogtool import formatters
    from blogtool.commands.terminal import terminal_paint
    from blogtool.watch import Watch, watch

    reload = reloader(paths, registry, options)

    def report(results: list[Any]) -> None:
        for result in results:
            if result.error:
                click.echo(f"blogtool: {result.error}", err=True)
        rendered = formatters.render(options["fmt"], results, registry, paint=terminal_paint())
        if rendered:
            click.echo(rendered)

    def say(message: str) -> None:
        click.echo(f"blogtool: {message}", err=True)

    job = Watch(
        list(paths), plan, config, report, say, reload, options["force_exclude"], options["jobs"]
    )
    sys.exit(watch(job))
