"""Recall and false alarms of the prose rules (BT103, BT106, BT107) on case files and on
published Markdown.

    python bench/prose_quality.py cases tests/data/quality/prose_tuning.txt
    python bench/prose_quality.py cases tests/data/quality/prose_heldout.txt --quiet
    python bench/prose_quality.py corpus DIR... --half tune --show
    python bench/prose_quality.py corpus DIR... --half heldout --quiet

A case file holds cases that start with ``=== flag RULE[,RULE...]`` (found when any of the
listed rules reports inside the case) or ``=== clean`` (a false alarm when any of the
measured rules reports); each case is linted on its own. ``--quiet`` prints the numbers
only, so a held-out file can be measured without reading its misses.

``corpus`` lints every ``*.md``/``*.markdown`` file under the folders given (published
posts, none of them expected to hold a leftover) and reports hits per 100 lines. Files are
split into two halves by a hash of their path, so rules can be tuned on one half and
judged on the other.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from blogtool.config import Config
from blogtool.engine import lint_text, make_plan
from blogtool.registry import load_registry

RULES = ("BT103", "BT106", "BT107")


@dataclass(frozen=True)
class Case:
    line: int  # line of the ``===`` header in the case file
    expect: frozenset[str]  # rules that may find it; empty for a clean case
    text: str


def read_cases(path: Path) -> list[Case]:
    cases: list[Case] = []
    header: tuple[int, frozenset[str]] | None = None
    body: list[str] = []

    def close() -> None:
        if header is not None:
            cases.append(Case(header[0], header[1], "\n".join(body).strip("\n") + "\n"))

    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if line.startswith("=== "):
            close()
            kind, _, rules = line[4:].partition(" ")
            if kind not in ("flag", "clean") or (kind == "flag") != bool(rules.strip()):
                sys.exit(f"{path}:{number}: expected '=== flag RULES' or '=== clean'")
            header = (number, frozenset(r.strip() for r in rules.split(",") if r.strip()))
            body = []
        elif header is not None:
            body.append(line)
    close()
    return cases


def _plan():
    return make_plan(Config(), select=list(RULES), registry=load_registry(entry_points=False))


def run_cases(paths: list[Path], quiet: bool) -> None:
    plan = _plan()
    for path in paths:
        cases = read_cases(path)
        flags = [c for c in cases if c.expect]
        cleans = [c for c in cases if not c.expect]
        found = false_alarms = 0
        for case in cases:
            hits = lint_text(case.text, "case.md", plan).violations
            rules = {v.rule_id for v in hits}
            if case.expect:
                ok = bool(rules & case.expect)
                found += ok
                if not ok and not quiet:
                    print(f"  missed {path.name}:{case.line}: {case.text.splitlines()[0][:90]}")
            elif rules:
                false_alarms += 1
                if not quiet:
                    for v in hits:
                        print(
                            f"  false alarm {path.name}:{case.line}+{v.line}: {v.rule_id} "
                            f"{v.message[:110]}"
                        )
        print(
            f"{path.name}: recall {found}/{len(flags)}, "
            f"false alarms {false_alarms}/{len(cleans)} clean cases"
        )


def half_of(path: Path) -> str:
    digest = hashlib.sha1(path.as_posix().encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "heldout"


def run_corpus(dirs: list[Path], half: str, show: bool) -> None:
    plan = _plan()
    lines = 0
    counts = dict.fromkeys(RULES, 0)
    files = 0
    for folder in dirs:
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".md", ".markdown") or not path.is_file():
                continue
            if half != "all" and half_of(path.relative_to(folder)) != half:
                continue
            result = lint_text(path.read_text("utf-8", errors="replace"), str(path), plan)
            files += 1
            lines += result.lines
            for v in result.violations:
                if v.rule_id in counts:
                    counts[v.rule_id] += 1
                    if show:
                        print(f"{path}:{v.line}:{v.col}: {v.rule_id} {v.message}")
    per100 = {r: 100 * n / max(lines, 1) for r, n in counts.items()}
    total = sum(counts.values())
    print(
        f"{files} files, {lines} lines ({half}): "
        + ", ".join(f"{r} {counts[r]} ({per100[r]:.3f}/100 lines)" for r in RULES)
        + f"; all {total} ({100 * total / max(lines, 1):.3f}/100 lines)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cases = sub.add_parser("cases")
    cases.add_argument("files", nargs="+", type=Path)
    cases.add_argument("--quiet", action="store_true", help="numbers only, no case text")
    corpus = sub.add_parser("corpus")
    corpus.add_argument("dirs", nargs="+", type=Path)
    corpus.add_argument("--half", choices=("tune", "heldout", "all"), default="all")
    corpus.add_argument("--show", action="store_true", help="print every hit")
    args = parser.parse_args()
    if args.command == "cases":
        run_cases(args.files, args.quiet)
    else:
        run_corpus(args.dirs, args.half, args.show)


if __name__ == "__main__":
    main()
