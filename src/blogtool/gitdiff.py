"""Lines changed since a git ref, for ``blogtool lint --diff REF``.

Adopting blogtool on an old draft should not mean fixing every old problem first: with
``--diff`` only violations on lines added or changed since REF are reported. Files git
does not track count as changed in full.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


class GitError(RuntimeError):
    pass


def changed_lines(path: Path, ref: str) -> set[int] | None:
    """1-based lines of ``path`` changed since ``ref``; ``None`` means the whole file."""
    path = Path(path).resolve()
    cwd = path.parent
    tracked = _git(["ls-files", "--error-unmatch", "--", path.name], cwd, check=False)
    if tracked.returncode != 0:
        return None
    if _git(["rev-parse", "--verify", "--quiet", "HEAD"], cwd, check=False).returncode != 0:
        return None  # no commit yet: every line of a staged file is new
    proc = _git(["diff", "--no-color", "--no-ext-diff", "-U0", ref, "--", path.name], cwd)
    lines: set[int] = set()
    for m in _HUNK.finditer(proc.stdout):
        start = int(m.group(1))
        count = int(m.group(2)) if m.group(2) is not None else 1
        lines.update(range(start, start + count))
    return lines


def _git(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("--diff needs git, which is not installed") from None
    if check and proc.returncode != 0:
        message = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "git failed"
        raise GitError(f"git {' '.join(args[:2])}: {message}")
    return proc
