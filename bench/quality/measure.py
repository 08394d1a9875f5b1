"""Lint planted and untouched posts in-process and count what was found.

A planted defect is *found* when a rule of its expected set reports a violation that starts
on one of the planted lines (the window: the inserted block, or the one line an inline
variant was appended to) and, if the variant marks a span (``⟦word⟧``), overlaps that span.
A slip is found likewise by its own rules on its own lines. Everything else a lint reports
outside those windows is compared with the same post planted without the slip: findings that
appear or vanish there are the slip's *collateral*, which should be zero if a slip stays local.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from blogtool.config import Config
from blogtool.document import Document
from blogtool.engine import LintPlan, lint_document, make_plan
from blogtool.linkscan import LinkFindings, file_checks
from blogtool.violation import Violation

from .corpus import PUBLISHED, Corpus, Post
from .plant import Places, Planted, choose, places, plant
from .variants import Family, Variant

SPELLING = frozenset({"BT601", "BT602", "BT603"})
# Rules whose answer depends on the world outside the text (remote URLs, the site's files):
# a snapshot has neither, so they are left out of false alarms.
WORLD = frozenset({"BT701", "BT702", "BT704"})


@dataclass(frozen=True)
class Outcome:
    variant: str
    family: str
    half: str
    host: str
    host_kind: str  # PUBLISHED or DRAFT
    found: bool
    slip: str = ""  # kind of the slip planted before the defect, if any
    slip_found: bool = False
    collateral_new: int = 0
    collateral_lost: int = 0


@dataclass
class Results:
    spelling: bool
    seed: int
    replicas: int
    outcomes: list[Outcome] = field(default_factory=list)
    # false alarms on untouched published posts: (corpus, half) -> lines, and rule counts
    lines: Counter = field(default_factory=Counter)
    posts: Counter = field(default_factory=Counter)
    alarms: dict[tuple[str, str], Counter] = field(default_factory=dict)
    examples: list[tuple[str, str, Violation]] = field(default_factory=list)  # tuning half only
    misses: list[tuple[str, str]] = field(default_factory=list)  # tuning half: id, host
    seconds: float = 0.0


class Linter:
    """The engine with every offline rule, plus BT704 against a scratch site directory."""

    def __init__(self, spelling: bool, scratch: Path) -> None:
        ignore = [] if spelling else ["BT6"]
        self.plan: LintPlan = make_plan(Config(), ignore=ignore, network=True)
        self.scratch = scratch
        self.count = 0

    def site_for(self, variant: Variant | None) -> Path:
        """A directory holding the files the variant's links meant (``files=``), else empty."""
        names = variant.files if variant is not None else ()
        site = self.scratch / (variant.id.replace("/", "-") if names else "empty")
        for name in names:
            path = site / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        site.mkdir(parents=True, exist_ok=True)
        return site

    def lint(self, text: str, name: str, variant: Variant | None = None) -> list[Violation]:
        """Lint ``text`` as a post named like ``name`` (its suffix: MDX renders differently)."""
        self.count += 1
        path = str(self.site_for(variant) / ("post" + (PurePosixPath(name).suffix or ".md")))
        doc = Document.from_text(text, path)
        missing = [c for c in file_checks(doc) if c.problem]
        plan = replace(self.plan, links=LinkFindings({}, {path: missing}))
        return lint_document(doc, plan)


def _overlaps(v: Violation, mark: tuple[int, int, int]) -> bool:
    line, start, end = mark
    if not v.line <= line <= v.end_line:
        return False
    lo = v.col - 1 if v.line == line else 0
    hi = v.end_col - 1 if v.end_line == line else 1 << 30
    hi = max(hi, lo + 1)  # a zero-width finding still points at its character
    return lo < end and hi > start


def hits(violations: Iterable[Violation], expect: frozenset[str], window, marks=()) -> bool:
    first, last = window
    for v in violations:
        if v.rule_id in expect and first <= v.line <= last:
            if not marks or any(_overlaps(v, m) for m in marks):
                return True
    return False


def _elsewhere(planted: Planted, violations: list[Violation]) -> set[tuple[str, int]]:
    """Findings outside the planted lines, as (rule, host line)."""
    out = set()
    for v in violations:
        line = planted.host_line(v.line)
        if line is not None:
            out.add((v.rule_id, line))
    return out


@dataclass(frozen=True)
class Host:
    post: Post
    kind: str
    places: Places


def _hosts(corpora: list[Corpus], linter: Linter, results: Results) -> list[list[Host]]:
    """Every post by corpus, linted untouched: false alarms counted, places found."""
    by_corpus = []
    for corpus in corpora:
        hosts = []
        by_corpus.append(hosts)
        for post in corpus.posts:
            found = linter.lint(post.text, post.name)
            if corpus.kind == PUBLISHED:
                key = (corpus.name, post.half)
                results.lines[key] += post.lines
                results.posts[key] += 1
                counts = results.alarms.setdefault(key, Counter())
                for v in found:
                    if v.rule_id not in WORLD:
                        counts[v.rule_id] += 1
                        if post.half == "tuning":
                            results.examples.append((corpus.name, post.name, v))
            flagged = {v.line - 1 for v in found}
            where = places(post.text)
            prose = tuple(i for i in where.prose if i not in flagged)
            hosts.append(Host(post, corpus.kind, Places(where.boundaries, prose)))
    return [hosts for hosts in by_corpus if hosts]


_WORKER: dict[str, object] = {}


def _init_worker(hosts: list[list[Host]], spelling: bool, scratch: str) -> None:
    _WORKER["linter"] = Linter(spelling, Path(scratch))
    _WORKER["hosts"] = hosts


def _job(args: tuple[int, Variant, int, Variant | None]) -> list[Outcome]:
    seed, variant, r, slip = args
    rng = random.Random(f"{seed}|{variant.id}|{r}")
    return _one(_WORKER["linter"], _WORKER["hosts"], rng, variant, slip)


def run(
    families: list[Family],
    slips: list[Variant],
    corpora: list[Corpus],
    spelling: bool,
    replicas: int = 3,
    seed: int = 15,
    progress: Callable[[str], None] = lambda _: None,
    jobs: int = 1,
) -> Results:
    """Lint every post untouched, then plant each variant ``replicas`` times and lint again.

    Each planting draws its host and places from an RNG seeded by the seed, the variant and
    the replica, so the outcome of a variant does not depend on the others or on ``jobs``.
    """
    started = time.perf_counter()
    results = Results(spelling, seed, replicas)
    with tempfile.TemporaryDirectory(prefix="blogtool-quality-") as scratch:
        linter = Linter(spelling, Path(scratch))
        hosts = _hosts(corpora, linter, results)
        progress(f"linted {sum(map(len, hosts))} untouched posts")
        if not hosts:
            raise SystemExit("no posts to plant into")
        work = []
        for family in families:
            if family.needs_spelling and not spelling:
                continue
            for n, variant in enumerate(family.variants):
                for r in range(replicas):
                    slip = slips[(n * replicas + r) % len(slips)] if slips else None
                    work.append((seed, variant, r, slip))
        progress(f"planting {len(work)} times, {jobs} process(es)")
        if jobs > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(
                jobs, initializer=_init_worker, initargs=(hosts, spelling, scratch)
            ) as pool:
                done = list(pool.map(_job, work, chunksize=8))
        else:
            _init_worker(hosts, spelling, scratch)
            done = [_job(w) for w in work]
            _WORKER.clear()
    for (_, variant, _, _), outcomes in zip(work, done, strict=True):
        results.outcomes.extend(outcomes)
        if outcomes and variant.half == "tuning" and not outcomes[0].found:
            results.misses.append((variant.id, outcomes[0].host))
    results.seconds = time.perf_counter() - started
    return results


def _pick(hosts: list[list[Host]], rng: random.Random, variant: Variant):
    """A host and places in it for ``variant``, or None if no post has room."""
    # A corpus first, then a post of it: each corpus weighs the same, however many posts
    # it has, so the few drafts are hosts as often as a large published corpus.
    for _ in range(50):
        host = rng.choice(rng.choice(hosts))
        spot = choose(rng, host.places, variant)
        if spot is not None:
            return host, spot
    return None


def _one(linter: Linter, hosts: list[list[Host]], rng: random.Random, variant: Variant, slip):
    picked = _pick(hosts, rng, variant)
    if picked is None:
        return []
    host, (at, slip_at) = picked

    def outcome(found: bool, **slipped: object) -> Outcome:
        name = f"{host.post.corpus}/{host.post.name}"
        return Outcome(variant.id, variant.family, variant.half, name, host.kind, found, **slipped)

    plain = plant(host.post.text, variant, at)
    found_plain = linter.lint(plain.text, host.post.name, variant)
    out = [outcome(hits(found_plain, variant.expect, plain.window, plain.marks))]
    if slip is None:
        return out
    slipped = plant(host.post.text, variant, at, slip, slip_at)
    found_slipped = linter.lint(slipped.text, host.post.name, variant)
    before = _elsewhere(plain, found_plain)
    after = _elsewhere(slipped, found_slipped)
    out.append(
        outcome(
            hits(found_slipped, variant.expect, slipped.window, slipped.marks),
            slip=slip.kind,
            slip_found=hits(found_slipped, slip.expect, slipped.slip_window),
            collateral_new=len(after - before),
            collateral_lost=len(before - after),
        )
    )
    return out


def explain(
    variant: Variant,
    slip: Variant | None,
    corpora: list[Corpus],
    spelling: bool,
    replicas: int,
    seed: int,
) -> str:
    """Each planting of ``variant`` as ``run`` makes it: the lines around it and the findings."""
    out = []
    with tempfile.TemporaryDirectory(prefix="blogtool-quality-") as scratch:
        linter = Linter(spelling, Path(scratch))
        hosts = _hosts(corpora, linter, Results(spelling, seed, replicas))
        for r in range(replicas):
            rng = random.Random(f"{seed}|{variant.id}|{r}")
            picked = _pick(hosts, rng, variant)
            if picked is None:
                out.append(f"replica {r}: no host has room")
                continue
            host, (at, slip_at) = picked
            planted = plant(host.post.text, variant, at, slip, slip_at)
            found = linter.lint(planted.text, host.post.name, variant)
            ok = hits(found, variant.expect, planted.window, planted.marks)
            first, last = planted.window
            if planted.slip_window:
                first = min(first, planted.slip_window[0])
            lines = planted.text.split("\n")
            out.append(
                f"replica {r}: {host.post.corpus}/{host.post.name} lines {planted.window}"
                f"{' slip ' + str(planted.slip_window) if slip else ''}: "
                f"{'found' if ok else 'MISSED'}"
            )
            for n in range(max(1, first - 3), min(len(lines), last + 3) + 1):
                out.append(f"  {n:5} | {lines[n - 1]}")
            for v in found:
                if first - 3 <= v.line <= last + 3:
                    out.append(f"  -> {v.line}:{v.col} {v.rule_id} {v.message}")
    return "\n".join(out)
