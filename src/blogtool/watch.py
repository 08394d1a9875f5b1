"""``blogtool lint --watch PATHS``: lint, then lint again every draft that changes.

One process stays up, so the rules, the vocabulary and the spelling backend are loaded
once; a save re-lints only the drafts that changed (and the spelling cache checks only their
changed paragraphs). File events come from the OS through watchfiles. The directories of
the named files are watched, not the files: editors that save by writing a new file and
renaming it over the old one would otherwise end the watch of that file.

A change to the config file (the one in use, or a new blogtool.toml/pyproject.toml in a
watched directory) reloads the config and lints every draft again; a config that no longer
loads is reported and the last good one stays in use.

Ctrl-C (SIGINT) stops the watch and the command exits 0: stopping is how a watch ends, not
a failure (the findings of every round were printed as they came).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import ConfigError
from .engine import FileResult, LintPlan, lint_file, lint_files
from .sources import discover

CONFIG_NAMES = ("blogtool.toml", "pyproject.toml")
DEBOUNCE_MS = 200  # an editor's save is often several events; they make one round


@dataclass
class Watch:
    """What a watch needs from the command line, and where it reports."""

    paths: Sequence[str]
    plan: LintPlan
    config: Any  # blogtool.config.Config
    report: Callable[[list[FileResult]], None]  # prints one round's findings
    say: Callable[[str], None]  # one line for the user, on stderr
    reload: Callable[[], tuple[Any, LintPlan]]  # a new (config, plan); raises ConfigError
    force_exclude: bool = False
    jobs: int = 0

    def drafts(self) -> list[Path]:
        files, errors = discover(self.paths, self.config.excludes, self.force_exclude)
        for message in errors:
            self.say(message)
        return files

    def roots(self) -> list[Path]:
        """The directories to watch: the named ones, the folders of named files, and the
        folder of the config file."""
        roots: list[Path] = []
        for raw in self.paths:
            path = Path(raw).resolve()
            roots.append(path if path.is_dir() else path.parent)
        if self.config.path is not None:
            roots.append(Path(self.config.path).resolve().parent)
        # a directory below another watched one would report each event twice
        unique = sorted(set(roots), key=lambda p: len(p.parts))
        kept: list[Path] = []
        for root in unique:
            if not any(root.is_relative_to(k) for k in kept) and root.exists():
                kept.append(root)
        return kept

    def round(self, changed: set[Path]) -> None:
        """Lint the drafts among ``changed`` paths; all of them after a config change."""
        if any(p.name in CONFIG_NAMES for p in changed):
            try:
                self.config, self.plan = self.reload()
            except ConfigError as exc:
                self.say(f"{exc} (still using the previous config)")
            else:
                self.say("config changed: linting every draft again")
                self.report(lint_files(self.drafts(), self.plan, self.jobs))
                return
        wanted = [p for p in self.drafts() if p.resolve() in changed]
        if wanted:
            names = ", ".join(map(str, wanted))
            self.say(f"{time.strftime('%H:%M:%S')} changed: {names}")
            self.report([lint_file(p, self.plan) for p in wanted])


def watch(job: Watch, stop: threading.Event | None = None) -> int:
    """Lint every draft, then each one that changes, until Ctrl-C or ``stop``; returns 0."""
    import logging

    import watchfiles

    # watchfiles logs its own line on Ctrl-C; the command says "stopped watching" itself
    logging.getLogger("watchfiles").setLevel(logging.ERROR)
    try:
        job.report(lint_files(job.drafts(), job.plan, job.jobs))
        roots = job.roots()
        if not roots:
            job.say("nothing to watch")
            return 0
        job.say(f"watching {', '.join(map(str, roots))} for changes (Ctrl-C stops)")
        for changes in watchfiles.watch(
            *roots,
            debounce=DEBOUNCE_MS,
            stop_event=stop,
            raise_interrupt=False,  # Ctrl-C inside the wait ends the loop quietly
        ):
            changed = {Path(path).resolve() for _kind, path in changes}
            job.round(changed)
    except KeyboardInterrupt:  # Ctrl-C while a round was linting
        pass
    job.say("stopped watching")
    return 0
