"""python -m bench.quality: plant defects into real posts, lint them, write the tables.

Examples (from the repository root):

    python -m bench.quality --no-spelling                      # committed excerpts + sample draft
    python -m bench.quality --corpus /work/.mirror/karpathy+karpathy.github.io/repo:_posts \\
        --draft /work/shared/drafts-real --write bench/QUALITY.md --json /tmp/quality.json
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from . import corpus as corpus_mod
from .measure import explain, run
from .report import render, write
from .variants import DEFECTS, SLIPS, load


def _base() -> str:
    """The last commit that changed blogtool's code or rule data, marked if they have changes."""
    root = corpus_mod.REPO
    try:
        head = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "log",
                "-1",
                "--abbrev=9",
                "--format=%h",
                "--",
                "src",
                "rules",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src", "rules"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__)
    parser.add_argument(
        "--corpus",
        action="append",
        default=[],
        metavar="PATH[:SUBDIR]",
        help="published posts: a folder, a file or a bare git dir (read at HEAD); repeatable",
    )
    parser.add_argument(
        "--draft",
        action="append",
        default=[],
        metavar="PATH[:SUBDIR]",
        help="drafts: host planted defects, not counted for false alarms; repeatable",
    )
    parser.add_argument(
        "--no-default-corpus",
        action="store_true",
        help="leave out the committed excerpts and drafts/evolution.md",
    )
    parser.add_argument("--defects", type=Path, default=DEFECTS, help="folder of family files")
    parser.add_argument("--no-spelling", action="store_true", help="skip BT601/BT602 (fast)")
    parser.add_argument("--replicas", type=int, default=3, help="plantings per variant")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--limit", type=int, default=0, help="at most N posts per corpus")
    parser.add_argument("--write", type=Path, help="put the tables between the markers here")
    parser.add_argument("--json", type=Path, help="every outcome, for a closer look")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        help="spelling cache to reuse (default: a fresh one, so a changed rule is measured)",
    )
    parser.add_argument(
        "-j", "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes"
    )
    parser.add_argument(
        "--explain",
        metavar="VARIANT_ID",
        help="show each planting of one variant (an id such as chatbot/a2351747) and stop",
    )
    parser.add_argument(
        "--with-slip", metavar="KIND", help="with --explain: plant this slip kind before it"
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    corpora = [] if args.no_default_corpus else corpus_mod.defaults()
    corpora += [corpus_mod.load(s, corpus_mod.PUBLISHED, args.limit) for s in args.corpus]
    corpora += [corpus_mod.load(s, corpus_mod.DRAFT, args.limit) for s in args.draft]
    every = load(args.defects)
    families = [f for f in every if f.name != SLIPS]
    slips = [v for f in every if f.name == SLIPS for v in f.variants]

    if args.explain:
        chosen = [v for f in every for v in f.variants if v.id == args.explain]
        if not chosen:
            parser.error(f"no variant {args.explain}")
        slip = next((v for v in slips if v.kind == args.with_slip), None)
        if args.with_slip and slip is None:
            parser.error(f"no slip of kind {args.with_slip}")
        spelling = not args.no_spelling
        print(explain(chosen[0], slip, corpora, spelling, args.replicas, args.seed))
        return 0

    def progress(message: str) -> None:
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="blogtool-quality-cache-") as fresh:
        os.environ["BLOGTOOL_CACHE_DIR"] = str(args.cache_dir or fresh)
        results = run(
            families,
            slips,
            corpora,
            not args.no_spelling,
            args.replicas,
            args.seed,
            progress,
            args.jobs,
        )
    command = "python -m bench.quality " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    section = render(results, families, slips, corpora, _base(), command.strip())
    print(section)
    if args.write:
        write(args.write, section)
    if args.json:
        outcomes = [asdict(o) for o in results.outcomes]
        args.json.write_text(json.dumps({"outcomes": outcomes}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
