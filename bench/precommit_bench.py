"""How much time the blogtool-lint pre-commit hook adds to a commit that touches one long draft.

    python bench/precommit_bench.py [--lines 3000] [--runs 9]

Builds a draft of about --lines lines by repeating the sections of drafts/evolution.md (planted
problems included, so every rule family has work), then times, each as the median of --runs
runs after a first run that fills blogtool's (private, initially empty) cache:

  * ``blogtool --version``: the floor, starting Python and importing the CLI;
  * the hook's own command from .pre-commit-hooks.yaml on the draft, as pre-commit calls it;
  * ``pre-commit run blogtool-lint --files draft.md`` in a temporary git repository, with the
    hook as ``repo: local`` / ``language: system`` so no environment is built;
  * the same ``pre-commit run`` with a hook that does nothing: pre-commit's own cost.

The last two differ by what the hook adds to a commit. The default rule set runs (spelling
included once it is registered). Nothing here uses the network.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "drafts" / "evolution.md"
HEADING = re.compile(r"^#{2,3} ", re.M)


def build_draft(target_lines: int) -> str:
    """The sample's title and intro, then its sections repeated until ``target_lines``."""
    text = SAMPLE.read_text(encoding="utf-8")
    starts = [m.start() for m in HEADING.finditer(text)]
    head, sections = (
        text[: starts[0]],
        [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)],
    )
    parts, lines, copy = [head], head.count("\n"), 0
    while lines < target_lines:
        copy += 1
        for section in sections:
            title, _, body = section.partition("\n")
            # A fresh title per copy, so the draft is long rather than one long duplicate.
            chunk = f"{title} ({copy})\n{body}" if copy > 1 else section
            parts.append(chunk)
            lines += chunk.count("\n")
            if lines >= target_lines:
                break
    return "".join(parts)


def run_once(command: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall-clock seconds of one run; exit codes 0 (clean) and 1 (errors found) are fine."""
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"{shlex.join(command)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return elapsed


def timed(commands: Sequence[Sequence[str]], cwd: Path, env: dict[str, str], runs: int):
    """Per command, its first run and then ``runs`` more, taken in turns.

    Taking the commands in turns rather than one after the other spreads the noise of a busy
    machine over all rows alike, so the differences between rows mean something.
    """
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(runs + 1):
        for i, command in enumerate(commands):
            samples[i].append(run_once(command, cwd, env))
    return samples


def hook_command(blogtool: str) -> list[str]:
    """The blogtool-lint entry of .pre-commit-hooks.yaml, with blogtool resolved to a path."""
    import yaml  # installed with pre-commit

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry = shlex.split(next(h["entry"] for h in hooks if h["id"] == "blogtool-lint"))
    return [blogtool, *entry[1:]]


def make_repo(root: Path, draft: str, command: list[str], env: dict[str, str]) -> None:
    import yaml

    hooks = [
        {"id": "blogtool-lint", "name": "blogtool lint", "entry": shlex.join(command)},
        {"id": "noop", "name": "no-op", "entry": shlex.join([sys.executable, "-c", "pass"])},
    ]
    for hook in hooks:
        hook.update(language="system", types=["markdown"], require_serial=True)
    config = {"repos": [{"repo": "local", "hooks": hooks}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    (root / "blogtool.toml").write_text("", encoding="utf-8")
    (root / "draft.md").write_text(draft, encoding="utf-8")
    for args in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-qm", "x"],
    ):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def find_blogtool() -> str:
    beside = Path(sys.executable).parent / "blogtool"
    found = str(beside) if beside.exists() else shutil.which("blogtool")
    if not found:
        sys.exit("blogtool is not installed (pip install -e .)")
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=3000, help="length of the generated draft")
    parser.add_argument("--runs", type=int, default=9, help="timed runs per row (median shown)")
    args = parser.parse_args(argv)

    blogtool = find_blogtool()
    command = hook_command(blogtool)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    help_text = subprocess.run([blogtool, "lint", "--help"], capture_output=True, text=True).stdout
    notes = []
    if "--offline" in command and "--offline" not in help_text:
        command.remove("--offline")
        notes.append("this blogtool has no `lint --offline` yet: timed without it")
    rules = subprocess.run([blogtool, "rules"], capture_output=True, text=True).stdout.split()
    rule_ids = [word for word in rules if re.fullmatch(r"BT\d{3}", word)]
    notes.append(f"{len(rule_ids)} rules registered")
    notes.append("spelling (BT601) " + ("on" if "BT601" in rule_ids else "not registered yet"))

    draft = build_draft(args.lines)
    with tempfile.TemporaryDirectory(prefix="blogtool-bench-") as tmp:
        repo = Path(tmp) / "blog"
        repo.mkdir()
        gitconfig = Path(tmp) / "gitconfig"
        gitconfig.write_text("", encoding="utf-8")
        env.update(
            GIT_CONFIG_GLOBAL=str(gitconfig),
            GIT_CONFIG_NOSYSTEM="1",
            PRE_COMMIT_HOME=str(Path(tmp) / "pre-commit-home"),
            # A private, empty cache: the first run of the hook's command shows a cold cache.
            BLOGTOOL_CACHE_DIR=str(Path(tmp) / "blogtool-cache"),
        )
        make_repo(repo, draft, command, env)
        pre_commit = [sys.executable, "-m", "pre_commit", "run"]
        files = ["--files", "draft.md"]  # after the hook id: --files takes every word after it
        rows = [
            ("blogtool --version (start-up floor)", [blogtool, "--version"]),
            (shlex.join(["blogtool", *command[1:], "draft.md"]), [*command, "draft.md"]),
            (
                "pre-commit run blogtool-lint --files draft.md",
                [*pre_commit, "blogtool-lint", *files],
            ),
            ("pre-commit run noop --files draft.md", [*pre_commit, "noop", *files]),
        ]
        timings = timed([command for _, command in rows], repo, env, args.runs)
        results = [(label, samples) for (label, _), samples in zip(rows, timings, strict=True)]

    lines = draft.count("\n")
    print(f"draft: {lines} lines, {len(draft.encode()) / 1024:.0f} KiB; {args.runs} runs per row")
    print("; ".join(notes))
    title = "command (the runs after the first)"
    width = max(len(label) for label in [title, *(label for label, _ in results)])
    header = f"{title:<{width}}  {'median':>7}  {'min':>7}  {'max':>7}"
    print(f"\n{header}\n{'-' * len(header)}")
    for label, (_, *warm) in results:
        print(
            f"{label:<{width}}  {statistics.median(warm):>6.3f}s  "
            f"{min(warm):>6.3f}s  {max(warm):>6.3f}s"
        )
    print(f"\nfirst run of the hook's command, blogtool's cache empty: {results[1][1][0]:.3f}s")
    added = statistics.median(results[2][1][1:]) - statistics.median(results[3][1][1:])
    print(f"added to a commit by the hook (pre-commit run, hook minus no-op): {added:.3f}s")


if __name__ == "__main__":
    main()
