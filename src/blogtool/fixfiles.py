"""``lint --fix`` on disk: read each draft, fix it (:mod:`blogtool.fixes`), write it back or
show the diff.

A draft is written as ``stub`` writes one: under its lock, atomically, and only if the file
on disk is still the text that was read and fixed. If an editor saved it in between, nothing
is written and the run says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .document import Document
from .draftfile import DraftError, DraftLock, to_lf, unified_diff, write_if_unchanged
from .engine import FileResult, LintPlan, in_pool, lint_document, site_flavor
from .fixes import FixNote, FixOutcome, fix_text


@dataclass
class FileFix:
    """What fixing one draft did: the result to report, and the fixes' notes."""

    result: FileResult
    outcome: FixOutcome | None = None
    written: bool = False
    diff: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def applied(self) -> tuple[FixNote, ...]:
        return self.outcome.applied if self.outcome and (self.written or self.diff) else ()


def fix_file(path: Path, plan: LintPlan, unsafe: bool, write: bool) -> FileFix:
    """Fix one draft; ``write`` False only computes the diff."""
    from .sources import InputError, read_source

    name = str(path)
    try:
        raw = read_source(path, plan.max_file_size)  # what lint would read, size limit and all
    except InputError as exc:
        return FileFix(FileResult(name, error=str(exc)))
    flavor = site_flavor(plan, path)
    notices: list[str] = []
    warnings: list[str] = []

    def lint(doc: Document):  # noqa: ANN202 - the engine's violations
        return lint_document(doc, plan, notices, flavor, warnings)

    try:
        outcome = fix_text(raw, name, lint, unsafe)
    except RecursionError:
        return FileFix(FileResult(name, error=f"{path}: too deeply nested to parse; not fixed"))
    lines = outcome.text.count("\n") + 1
    fixed = FileFix(
        FileResult(name, list(outcome.remaining), None, lines, notices, warnings), outcome
    )
    if not outcome.changed:
        return fixed
    if not write:
        fixed.diff = unified_diff(to_lf(raw), to_lf(outcome.text), name)
        return fixed
    try:
        write_fixed(path, raw, outcome.text)
    except DraftError as exc:
        # the findings were those of a text that is not on disk: the error alone is reported
        fixed.result.error = str(exc)
        fixed.result.violations = []
        return fixed
    fixed.written = True
    return fixed


def write_fixed(path: Path, expected: str, text: str) -> None:
    """Write ``text`` over the draft if it still holds ``expected``; DraftError otherwise."""
    from .lockfile import end_cleanly

    if path.is_symlink():
        path = path.resolve()  # write the file the link names, and keep the link
    with end_cleanly(), DraftLock(path):
        write_if_unchanged(path, expected, text, "while it was being fixed")


def fix_files(
    paths: Sequence[Path], plan: LintPlan, unsafe: bool, write: bool, jobs: int = 1
) -> list[FileFix]:
    """Fix drafts, in a process pool when there are several and ``jobs`` allows (0: cores)."""
    n = len(paths)
    return in_pool(fix_file, jobs, list(paths), [plan] * n, [unsafe] * n, [write] * n)


def describe(fixes: Sequence[FileFix], write: bool) -> list[str]:
    """The lines ``lint --fix`` prints on stderr: each fix, each refusal, then a summary."""
    out: list[str] = []
    applied = refused = skipped = 0
    for f in fixes:
        o = f.outcome
        if o is None:
            continue
        verb = "fixed" if write else "would fix"
        for n in f.applied:
            out.append(f"{f.result.path}:{n.line}:{n.col}: {verb} {n.rule_id}: {n.title}")
        for n in (*o.refused, *o.skipped):
            out.append(
                f"{f.result.path}:{n.line}:{n.col}: {n.rule_id} fix not applied "
                f"({n.title}): {n.reason}"
            )
        applied += len(f.applied)
        refused += len(o.refused)
        skipped += len(o.skipped)
    remaining = sum(len(f.result.violations) for f in fixes)
    files = sum(1 for f in fixes if f.written or f.diff)
    summary = (
        f"{'fixed' if write else 'would fix'} {applied} problem(s) in {files} file(s); "
        f"{remaining} remain"
    )
    if refused or skipped:
        summary += f" ({refused + skipped} with a fix that was not applied)"
    out.append(summary)
    return out


def with_cached_redirects(
    plan: LintPlan,
    config: Any,
    registry: Any,
    files: Sequence[Path],
    select: Sequence[str],
    ignore: Sequence[str],
) -> None:
    """Without ``--check-links``, BT702 still fixes moved URLs, from the link cache alone.

    Adds BT702 (unless ``select``/``ignore`` or config leave it out) to ``plan`` with the
    cached answers for the drafts' URLs; never a request. ``plan.links`` must be unset.
    """
    from dataclasses import replace

    from .engine import load_documents, select_rules
    from .linkrun import Notices, lint_findings
    from .linkscan import PERMANENT_REDIRECT

    active = [
        a
        for a in select_rules(registry, config, select, ignore, network=True)
        if a.rule.id == PERMANENT_REDIRECT
    ]
    if not active or plan.links is not None:
        return
    probe = replace(plan, rules=active)
    docs, _ = load_documents(files, probe)  # unreadable drafts: the fix run reports them
    # answers from the cache alone: no request, so nothing to tell the user
    plan.links = lint_findings(probe, config, docs, Notices(), offline=False, cached_only=True)
    plan.rules.append(active[0])


def run(
    paths: Sequence[Path], plan: LintPlan, unsafe: bool, diff: bool, quiet: bool, jobs: int = 0
) -> tuple[list[FileResult], bool, list[str], list[str]]:
    """``lint --fix`` / ``--diff``: fix the drafts, or only work out the diffs.

    Returns the results left to report (the violations after fixing), whether any draft
    was, or with ``diff`` would be, changed, the diffs (for stdout) and the notes on what
    was fixed (for stderr; with ``quiet`` only the fixes not applied). Prints nothing.
    """
    fixes = fix_files(paths, plan, unsafe, write=not diff, jobs=jobs)
    diffs = [f.diff for f in fixes if f.diff]
    lines = describe(fixes, write=not diff)
    shown = lines if not quiet else [ln for ln in lines[:-1] if "not applied" in ln]
    return [f.result for f in fixes], any(f.written or f.diff for f in fixes), diffs, shown
