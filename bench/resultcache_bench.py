"""What `blogtool lint` costs on a blog of 1,000 posts when nothing, or one post, changed.

    python bench/resultcache_bench.py [--posts 1000] [--runs 5] [--keep DIR]

Generates --posts posts from the drafts the tests use (tests/data/real, the stub layouts and
golden drafts, and the sections of drafts/evolution.md), each assembled from two or three of
them with a front matter and a sentence of its own, so no two posts have the same bytes. Then,
with a private, empty cache directory, times (medians of --runs runs, taken in turns):

  * ``blogtool --version``: the floor, starting Python and importing the CLI;
  * the first lint of the blog (results cache empty; once);
  * ``blogtool lint`` of the unchanged blog: the results cache answers every post;
  * the same with one post edited before each run (a new paragraph): one post linted;
  * that one post alone, edited again, with ``--no-cache`` and with the cache (unchanged):
    their difference is what linting one post costs, to set beside the difference of the
    two rows above;
  * ``blogtool lint --no-cache`` of the unchanged blog (once): what the cache saves.

Every edit adds a sentence never seen before, so the spelling cache cannot answer it either.
Nothing here uses the network. No number is asserted: they go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path

# Run as a script, bench/ is on sys.path: the pre-commit bench's helpers serve here too.
from precommit_bench import find_blogtool
from precommit_bench import run_once as wall_time

ROOT = Path(__file__).resolve().parents[1]
HEADING = re.compile(r"^## ", re.M)


def sources() -> list[str]:
    """The tests' drafts, the sample draft cut at its ``##`` sections."""
    pieces = []
    data = ROOT / "tests" / "data"
    for folder in ("real", "stub_layouts", "stub_golden"):
        for path in sorted((data / folder).glob("*.md")):
            if not path.name.endswith(".expected.md") and path.name != "README.md":
                pieces.append(path.read_text(encoding="utf-8"))
    sample = (ROOT / "drafts" / "evolution.md").read_text(encoding="utf-8")
    starts = [m.start() for m in HEADING.finditer(sample)]
    pieces += [sample[a:b] for a, b in zip(starts, [*starts[1:], len(sample)], strict=True)]
    return pieces


def make_blog(folder: Path, posts: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    pieces = sources()
    paths = []
    for number in range(1, posts + 1):
        body = "\n\n".join(rng.sample(pieces, rng.randint(2, 3)))
        text = (
            f"---\ntitle: Post {number}\n---\n\n"
            f"This is post number {number} of the benchmark blog.\n\n{body}\n"
        )
        path = folder / f"post-{number:04d}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


_WORDS = "model layer token gradient batch dataset attention training loss sample".split()


def edit(path: Path, serial: int) -> None:
    """Append a paragraph no run has seen (the serial number, spelt out in new words)."""
    rng = random.Random(serial)
    sentence = " ".join(rng.choice(_WORDS) for _ in range(12))
    with path.open("a", encoding="utf-8") as f:
        f.write(f"\nEdit {serial}: the {sentence}.\n")


def run_once(command: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run: on a shared machine the CPU time is the steadier."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = wall_time(command, cwd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per row (median shown)")
    parser.add_argument("--keep", type=Path, help="build the blog here and keep it")
    args = parser.parse_args(argv)
    blogtool = find_blogtool()
    tmp = Path(tempfile.mkdtemp(prefix="blogtool-rcache-")) if args.keep is None else args.keep
    try:
        measure(blogtool, tmp, args.posts, args.runs)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


def measure(blogtool: str, tmp: Path, posts: int, runs: int) -> None:
    blog = tmp / "blog"
    blog.mkdir(parents=True, exist_ok=True)
    paths = make_blog(blog, posts)
    (tmp / "blogtool.toml").write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "BLOGTOOL_NO_CACHE"}
    env["BLOGTOOL_CACHE_DIR"] = str(tmp / "cache")
    shutil.rmtree(tmp / "cache", ignore_errors=True)
    lint = [blogtool, "lint", "--offline", "-q", "blog"]
    lines = sum(p.read_text(encoding="utf-8").count("\n") for p in paths)
    print(f"{posts} posts, {lines} lines; cores: {os.cpu_count()}; load: {os.getloadavg()}")

    cold = run_once(lint, tmp, env)
    no_cache = run_once([*lint, "--no-cache"], tmp, env)
    rows: dict[str, list[tuple[float, float]]] = {
        "version": [],
        "unchanged": [],
        "one changed": [],
        "one post, --no-cache": [],
        "one post, cached": [],
    }
    serial = 0
    for turn in range(runs):
        rows["version"].append(run_once([blogtool, "--version"], tmp, env))
        rows["unchanged"].append(run_once(lint, tmp, env))
        changed = paths[(turn * 97) % len(paths)]
        serial += 1
        edit(changed, serial)
        rows["one changed"].append(run_once(lint, tmp, env))
        serial += 1
        edit(changed, serial)
        single = [blogtool, "lint", "--offline", "-q", str(changed.relative_to(tmp))]
        run_once(single, tmp, env)  # stores the edited post's results
        rows["one post, --no-cache"].append(run_once([*single, "--no-cache"], tmp, env))
        rows["one post, cached"].append(run_once(single, tmp, env))

    def med(name: str, which: int = 0) -> float:
        return statistics.median(sample[which] for sample in rows[name])

    labels = {
        "version": "`blogtool --version` (start-up floor)",
        "unchanged": f"lint {posts} unchanged posts, results cache warm",
        "one changed": f"lint {posts} posts, one edited since the last run",
        "one post, --no-cache": "lint the edited post alone, `--no-cache`",
        "one post, cached": "lint that post alone, unchanged, cache warm",
    }
    print("\n| task | runs | median | min | max | CPU (median) |\n|---|---|---|---|---|---|")
    for name, label in labels.items():
        walls = [wall for wall, _ in rows[name]]
        print(
            f"| {label} | {len(walls)} | {med(name):.3f} s | {min(walls):.3f} s "
            f"| {max(walls):.3f} s | {med(name, 1):.3f} s |"
        )
    for label, (wall, cpu) in (
        (f"first lint of {posts} posts, caches empty", cold),
        (f"lint {posts} unchanged posts, `--no-cache`", no_cache),
    ):
        print(f"| {label} | 1 | {wall:.2f} s | | | {cpu:.2f} s |")
    for which, kind in ((0, "wall"), (1, "CPU")):
        extra = med("one changed", which) - med("unchanged", which)
        alone = med("one post, --no-cache", which) - med("one post, cached", which)
        print(
            f"\n{kind}: one edited post adds {extra:.3f} s to the blog's re-lint; "
            f"linting one post costs {alone:.3f} s (alone, --no-cache minus cached)"
        )


if __name__ == "__main__":
    main()
