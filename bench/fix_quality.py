"""python -m bench.fix_quality: what ``lint --fix`` would change in published posts.

Every fix it would apply is listed with its line, for a person to judge: a published post
should need few fixes, and each must be right. Posts are split into the tuning and held-out
halves of ``bench.quality`` (by a hash of corpus and name); judge changes on the tuning half
and report the held-out half.

    python -m bench.fix_quality --half held-out \\
        /work/.mirror/karpathy+karpathy.github.io/repo:_posts --out /tmp/fixes.txt

Nothing is written to the posts. Posts under ``huggingface`` are linted as GFM, the others
(Jekyll blogs) as kramdown.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from functools import partial

from blogtool.config import config_from_table
from blogtool.document import Document
from blogtool.engine import lint_document, make_plan
from blogtool.fixes import fix_text

from .quality.corpus import defaults, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="*", help="PATH[:SUBDIR] of published posts")
    parser.add_argument("--half", choices=("tuning", "held-out", "both"), default="both")
    parser.add_argument("--unsafe", action="store_true", help="the unsafe fixes too")
    parser.add_argument("--out", help="write each fix, with its line, here")
    args = parser.parse_args(argv)

    plans = {f: make_plan(config_from_table({"flavor": f})) for f in ("kramdown", "gfm")}
    corpora = [load(spec) for spec in args.corpora] or defaults()
    applied: Counter[tuple[str, str]] = Counter()
    refused: Counter[tuple[str, str]] = Counter()
    posts: Counter[str] = Counter()
    lines: list[str] = []
    for corpus in corpora:
        plan = plans["gfm" if "huggingface" in corpus.source else "kramdown"]
        for post in corpus.posts:
            if args.half != "both" and post.half != args.half:
                continue
            posts[post.half] += 1
            lint = partial(lint_document, plan=plan)
            outcome = fix_text(post.text, post.name, lint, args.unsafe)
            doc = Document.from_text(post.text)
            for n in outcome.applied:
                applied[post.half, n.rule_id] += 1
                shown = doc.line_text(n.line)[max(0, n.col - 60) : n.col + 60]
                lines.append(f"{corpus.name}/{post.name}:{n.line}:{n.col} {n.title} || {shown!r}")
            for n in outcome.refused:
                refused[post.half, n.rule_id] += 1
                lines.append(f"REFUSED {corpus.name}/{post.name}:{n.line}:{n.col} {n.reason}")
    for half in sorted(posts):
        fixed = {r: c for (h, r), c in sorted(applied.items()) if h == half}
        held = {r: c for (h, r), c in sorted(refused.items()) if h == half}
        print(f"{half}: {posts[half]} posts, fixes {fixed}, refused {held}")
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
    else:
        sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
