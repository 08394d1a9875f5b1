"""Spelling and grammar quality of blogtool (BT601, BT602) on published ML posts.

    python bench/spelling_quality/corpus.py            # once: copy the posts into corpus/
    python bench/spelling_quality/run.py --half tune   # findings of the tuning half, for reading
    python bench/spelling_quality/run.py --write       # both halves -> bench/QUALITY-spelling.md

For each half it runs ``blogtool lint --select BT601,BT602`` (cold: an empty cache) over
the posts and compares the findings with two hand-made label files:

- ``typos.tsv``: every real misspelling known in the corpus (``post line word correction``).
  A typo is *found* when a BT601 finding on its line covers the word. A BT601 finding that
  is not on a listed typo is a *false alarm*.
- ``grammar.tsv``: BT602 findings judged by hand (``post line text verdict``, verdict
  ``right`` or ``wrong``); grammar precision is right / judged.

With ``--codespell PATH`` codespell runs over the same posts for comparison. Findings go
to ``.work/findings-<half>.tsv`` (gitignored) for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import DEFAULT_CORPUS, DEFAULT_DRAFTS, Post, corpus_posts  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TYPOS = HERE / "typos.tsv"
GRAMMAR = HERE / "grammar.tsv"
WORK = HERE / ".work"
QUALITY = REPO / "bench" / "QUALITY-spelling.md"
HALVES = ("tune", "held-out")
COMMAND = "python bench/spelling_quality/run.py --write --codespell bench/.work/venv/bin/codespell"


@dataclass(frozen=True)
class Finding:
    post: str
    line: int
    col: int
    end_col: int
    rule: str
    text: str
    message: str


@dataclass(frozen=True)
class Label:
    post: str
    line: int
    word: str
    note: str  # the correction (typos) or the verdict (grammar)


def read_labels(path: Path) -> list[Label]:
    labels = []
    if not path.is_file():
        return labels
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            post, line, word, note = raw.split("\t")[:4]
            labels.append(Label(post, int(line), word, note))
    return labels


def blogtool_findings(
    posts: list[tuple[Post, Path]], select: str = "BT601,BT602"
) -> tuple[list[Finding], float]:
    """BT601/BT602 findings for ``posts``, from one cold ``blogtool lint`` run, and its time."""
    blogtool = Path(sys.executable).with_name("blogtool")
    by_path = {str(file): (post, file) for post, file in posts}
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "BLOGTOOL_CACHE_DIR": cache}
        start = time.perf_counter()
        done = subprocess.run(
            [str(blogtool), "lint", "--select", select, "--format", "json", *by_path],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
        )
        elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"blogtool failed ({done.returncode}): {done.stderr[-2000:]}")
    lines_of: dict[str, list[str]] = {}
    found = []
    for v in json.loads(done.stdout)["violations"]:
        post, file = by_path[v["path"]]
        if post.key not in lines_of:
            lines_of[post.key] = file.read_text(encoding="utf-8").splitlines()
        source = lines_of[post.key][v["line"] - 1]
        end = v["end_column"] if v["end_line"] == v["line"] else len(source) + 1
        text = source[v["column"] - 1 : end - 1]
        found.append(Finding(post.key, v["line"], v["column"], end, v["rule"], text, v["message"]))
    return found, elapsed


_CODESPELL_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<word>\S+) ==> (?P<fix>.+)$")


def codespell_findings(codespell: str, posts: list[tuple[Post, Path]]) -> list[Finding]:
    by_path = {str(file): post for post, file in posts}
    done = subprocess.run([codespell, *by_path], capture_output=True, text=True)
    found = []
    for raw in done.stdout.splitlines():
        m = _CODESPELL_LINE.match(raw)
        if m and m["path"] in by_path:
            word = m["word"]
            found.append(
                Finding(by_path[m["path"]].key, int(m["line"]), 0, 0, "codespell", word, m["fix"])
            )
    return found


def is_typo_hit(finding: Finding, typo: Label) -> bool:
    if finding.post != typo.post or finding.line != typo.line:
        return False
    return typo.word in finding.text or finding.text in typo.word and len(finding.text) > 2


@dataclass
class Score:
    posts: int
    lines: int
    spelling: int
    false_alarms: int
    typos: int
    typos_found: int
    capital_typos: int
    capital_found: int
    grammar: int
    grammar_right: int
    grammar_judged: int
    seconds: float = 0.0

    @property
    def per_100(self) -> float:
        return 100 * self.false_alarms / max(self.lines, 1)


def score(
    posts: list[tuple[Post, Path]],
    findings: list[Finding],
    typos: list[Label],
    grammar: list[Label],
) -> tuple[Score, list[tuple[Finding, str]], list[Label]]:
    keys = {p.key for p, _ in posts}
    typos = [t for t in typos if t.post in keys]
    spelling = [f for f in findings if f.rule in ("BT601", "codespell")]
    verdicts = {(g.post, g.line, g.word): g.note for g in grammar}
    rows: list[tuple[Finding, str]] = []
    found_typos: set[Label] = set()
    false_alarms = 0
    for f in spelling:
        hits = [t for t in typos if is_typo_hit(f, t)]
        found_typos.update(hits)
        if not hits:
            false_alarms += 1
        rows.append((f, "typo" if hits else "false-alarm"))
    right = judged = 0
    grammar_found = [f for f in findings if f.rule == "BT602"]
    for f in grammar_found:
        verdict = verdicts.get((f.post, f.line, f.text))
        if verdict is not None:
            judged += 1
            right += verdict == "right"
        rows.append((f, verdict or "unjudged"))
    capital = [t for t in typos if t.word[:1].isupper()]
    lines = sum(len(file.read_text(encoding="utf-8").splitlines()) for _, file in posts)
    missed = [t for t in typos if t not in found_typos]
    return (
        Score(
            posts=len(posts),
            lines=lines,
            spelling=len(spelling),
            false_alarms=false_alarms,
            typos=len(typos),
            typos_found=len(found_typos),
            capital_typos=len(capital),
            capital_found=len([t for t in capital if t in found_typos]),
            grammar=len(grammar_found),
            grammar_right=right,
            grammar_judged=judged,
        ),
        rows,
        missed,
    )


def write_rows(half: str, tool: str, rows: list[tuple[Finding, str]], missed: list[Label]) -> Path:
    WORK.mkdir(exist_ok=True)
    out = WORK / f"findings-{tool}-{half}.tsv"
    with out.open("w", encoding="utf-8") as fh:
        for f, status in sorted(rows, key=lambda r: (r[0].rule, r[1], r[0].post, r[0].line)):
            fh.write(f"{f.rule}\t{status}\t{f.post}\t{f.line}\t{f.text}\t{f.message}\n")
        for t in missed:
            fh.write(f"missed\ttypo\t{t.post}\t{t.line}\t{t.word}\t{t.note}\n")
    return out


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "n/a"


def table(results: dict[tuple[str, str], Score]) -> str:
    head = (
        "| half | tool | posts | lines | BT601 findings | false alarms | per 100 lines "
        "| typos found | capitalised typos found | BT602 findings | BT602 precision (judged) "
        "| time, cold |\n|" + "---|" * 12 + "\n"
    )
    body = []
    for (half, tool), s in results.items():
        grammar = (
            f"{s.grammar} | {pct(s.grammar_right, s.grammar_judged)}"
            if tool == "blogtool"
            else "- | -"
        )
        seconds = f"{s.seconds:.1f} s" if s.seconds else "-"
        body.append(
            f"| {half} | {tool} | {s.posts} | {s.lines:,} | {s.spelling} | {s.false_alarms} "
            f"| {s.per_100:.2f} | {pct(s.typos_found, s.typos)} "
            f"| {pct(s.capital_found, s.capital_typos)} | {grammar} | {seconds} |"
        )
    return head + "\n".join(body) + "\n"


def per_blog(
    rows_by_half: dict[str, list[tuple[Finding, str]]], posts: list[tuple[Post, Path]]
) -> str:
    lines_by_blog: Counter[tuple[str, str]] = Counter()
    for post, file in posts:
        lines_by_blog[(post.half, post.blog)] += len(file.read_text(encoding="utf-8").splitlines())
    alarms: defaultdict[tuple[str, str], int] = defaultdict(int)
    for half, rows in rows_by_half.items():
        for f, status in rows:
            if f.rule == "BT601" and status == "false-alarm":
                alarms[(half, f.post.split("/")[0])] += 1
    out = ["| half | blog | lines | BT601 false alarms | per 100 lines |", "|---|---|---|---|---|"]
    for (half, blog), n in sorted(lines_by_blog.items()):
        a = alarms[(half, blog)]
        out.append(f"| {half} | {blog} | {n:,} | {a} | {100 * a / n:.2f} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--drafts", type=Path, default=DEFAULT_DRAFTS)
    parser.add_argument("--half", choices=(*HALVES, "both"), default="both")
    parser.add_argument("--codespell", help="a codespell executable to compare with")
    parser.add_argument("--write", action="store_true", help=f"write {QUALITY.name}")
    parser.add_argument("--select", default="BT601,BT602", help="the rules to run")
    args = parser.parse_args(argv)
    all_posts = corpus_posts(args.corpus, args.drafts)
    if not all_posts:
        raise SystemExit(f"no posts under {args.corpus}: run corpus.py first")
    typos, grammar = read_labels(TYPOS), read_labels(GRAMMAR)
    results: dict[tuple[str, str], Score] = {}
    rows_by_half: dict[str, list[tuple[Finding, str]]] = {}
    for half in HALVES if args.half == "both" else (args.half,):
        posts = [(p, f) for p, f in all_posts if p.half == half]
        found, seconds = blogtool_findings(posts, args.select)
        s, rows, missed = score(posts, found, typos, grammar)
        s.seconds = seconds
        results[(half, "blogtool")] = s
        rows_by_half[half] = rows
        print(f"{half}: {write_rows(half, 'blogtool', rows, missed)}", file=sys.stderr)
        if args.codespell:
            cs, cs_rows, cs_missed = score(
                posts, codespell_findings(args.codespell, posts), typos, []
            )
            results[(half, "codespell")] = cs
            write_rows(half, "codespell", cs_rows, cs_missed)
    text = table(results)
    print(text)
    if args.write:
        blogs = per_blog(rows_by_half, all_posts)
        write_quality(text, blogs)
    return 0


def write_quality(results: str, blogs: str) -> None:
    begin, end = "<!-- quality:begin -->", "<!-- quality:end -->"
    block = f"{begin}\nRegenerate with `{COMMAND}`.\n\n{results}\n{blogs}{end}"
    old = QUALITY.read_text(encoding="utf-8") if QUALITY.is_file() else f"{begin}\n{end}\n"
    before, _, rest = old.partition(begin)
    _, _, after = rest.partition(end)
    QUALITY.write_text(before + block + after, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
