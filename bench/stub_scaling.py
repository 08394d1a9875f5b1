"""How the time of ``blogtool stub`` grows with the size of the draft.

``python bench/stub_scaling.py`` builds drafts of growing size (year sections full of paper
sections, each with a link or two, as real reading lists are), plans one stub into each, and
prints the time per megabyte. Planning must stay linear: it was quadratic when every section
scanned every link of the draft (0.84 s at 0.29 MB, 14.6 s at 2.3 MB, killed after 900 s at
40 MB).

    python bench/stub_scaling.py                 # 0.25, 0.5, 1, 2 and 4 MB
    python bench/stub_scaling.py --sizes 1,8,40  # megabytes
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import date

from blogtool.arxiv_id import parse_arxiv_id
from blogtool.net.arxiv import Paper
from blogtool.stub import StubRequest, load_template, plan_stubs

_SECTION = (
    "\n### Paper {year} {index}\n\n[paper](https://arxiv.org/abs/{yymm}.{number:05d})\n\n"
    "A note on it, with [a link](https://example.org/{year}/{index}) and a few more words.\n"
)


def draft(megabytes: float) -> str:
    """A reading list of about ``megabytes`` MB: years 2017 to 2023, papers in each."""
    wanted = int(megabytes * 1_000_000)
    per_year = max(1, wanted // (7 * 150))
    parts = ["# Papers\n"]
    for year in range(2017, 2024):
        parts.append(f"\n## {year}\n")
        for index in range(per_year):
            yymm = f"{year % 100:02d}{index % 12 + 1:02d}"
            parts.append(_SECTION.format(year=year, index=index, yymm=yymm, number=index + 1))
    return "".join(parts)


def measure(megabytes: float) -> tuple[float, float]:
    """(size in MB, seconds) for planning one new paper into a draft of that size."""
    text = draft(megabytes)
    when = date(2023, 5, 29)
    paper = Paper(
        "2305.18290", 1, "A title", ("An Author",), when, when, "An abstract.", None, "", ""
    )
    request = StubRequest(parse_arxiv_id("2305.18290"), paper)
    template = load_template()
    started = time.perf_counter()
    plan_stubs(text, [request], template)
    return len(text.encode()) / 1e6, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.25,0.5,1,2,4", help="draft sizes in MB")
    args = parser.parse_args(argv)
    print("| draft | plan one stub | per MB |")
    print("|---:|---:|---:|")
    for size in (float(x) for x in args.sizes.split(",")):
        megabytes, seconds = measure(size)
        print(f"| {megabytes:.2f} MB | {seconds:.2f} s | {seconds / megabytes:.2f} s |")


if __name__ == "__main__":
    main()
