"""The tables of bench/QUALITY.md, from a Results."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from .corpus import DRAFT, PUBLISHED, Corpus
from .measure import SPELLING, Outcome, Results
from .variants import Family, Variant

BEGIN, END = "<!-- quality:begin -->", "<!-- quality:end -->"
HALVES = ("tuning", "held-out")
# False alarms are grouped by the rule modules' numbering.
GROUPS = {
    "BT1": "placeholders, notes, chatbot (BT1xx)",
    "BT2": "links (BT2xx)",
    "BT3": "math (BT3xx)",
    "BT4": "structure (BT4xx)",
    "BT5": "HTML, fences, comments (BT5xx)",
    "BT7": "anchors (BT703)",
    "BT0": "internal errors (BT000)",
}


def _rate(found: int, total: int) -> str:
    return f"{100 * found / total:.0f}% ({found}/{total})" if total else "-"


def _count(outcomes: Iterable[Outcome]) -> tuple[int, int]:
    items = list(outcomes)
    return sum(o.found for o in items), len(items)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def _per_100(count: int, lines: int) -> str:
    return f"{100 * count / lines:.2f}" if lines else "-"


def render(
    results: Results,
    families: list[Family],
    slips: list[Variant],
    corpora: list[Corpus],
    base: str,
    command: str,
) -> str:
    plain = [o for o in results.outcomes if not o.slip]
    slipped = [o for o in results.outcomes if o.slip]
    spelling = "on" if results.spelling else "off (`--no-spelling`)"
    out = [
        f"blogtool's code and rule data (`src/`, `rules/`) at `{base}`; seed {results.seed}, "
        f"{results.replicas} plantings per variant, spelling {spelling}, in "
        f"{results.seconds:.0f} s. Regenerate with:",
        "",
        "```sh",
        command,
        "```",
        "",
        "### Corpora",
        "",
    ]
    rows = []
    for c in corpora:
        halves = Counter(p.half for p in c.posts)
        rows.append(
            [
                c.name,
                "draft (hosts only)" if c.kind == DRAFT else "published",
                f"git `{c.commit[:12]}`" if c.commit else f"`{c.source}`",
                str(len(c.posts)),
                f"{c.lines:,}",
                f"{halves['tuning']} / {halves['held-out']}",
            ]
        )
    out += _table(["corpus", "kind", "source", "posts", "lines", "posts tuning / held-out"], rows)

    out += ["", "### Recall on planted defects", ""]
    rows = []
    for f in families:
        halves = Counter(v.half for v in f.variants)
        if f.needs_spelling and not results.spelling:
            rows.append([f.title, ", ".join(sorted(f.expect)), "", "not run", "not run", "", ""])
            continue
        mine = [o for o in plain if o.family == f.name]
        after = [o for o in slipped if o.family == f.name]
        cells = [f.title, ", ".join(sorted(f.expect))]
        cells.append(f"{halves['tuning']} / {halves['held-out']}")
        cells += [_rate(*_count(o for o in mine if o.half == h)) for h in HALVES]
        cells += [_rate(*_count(o for o in after if o.half == h)) for h in HALVES]
        rows.append(cells)
    total = [
        "**all**",
        "",
        "",
        *(_rate(*_count(o for o in plain if o.half == h)) for h in HALVES),
        *(_rate(*_count(o for o in slipped if o.half == h)) for h in HALVES),
    ]
    rows.append(total)
    out += _table(
        [
            "family",
            "rules that count",
            "variants tuning / held-out",
            "recall, tuning",
            "recall, held-out",
            "after a slip, tuning",
            "after a slip, held-out",
        ],
        rows,
    )

    out += ["", "### Structural slips placed before a defect", ""]
    out += _slip_table(plain, slipped, slips)

    out += ["", "### False alarms on untouched published posts", ""]
    out += _alarm_tables(results)

    if results.misses:
        out += ["", "### Missed variants of the tuning half", ""]
        text = {v.id: v.text for f in families for v in f.variants}
        seen: Counter = Counter(vid for vid, _ in results.misses)
        for vid, times in seen.most_common():
            first = text.get(vid, "").split("\n")[0]
            first = first if len(first) <= 90 else first[:87] + "..."
            first = first.replace("`", "'")
            out.append(f"- `{vid}` ({times}/{results.replicas}): `{first}`")
    examples = _examples(results)
    if examples:
        out += ["", "### What fired on untouched posts of the tuning half (up to 3 per rule)", ""]
        out += examples
    return "\n".join(out) + "\n"


def _slip_table(plain: list[Outcome], slipped: list[Outcome], slips: list[Variant]) -> list[str]:
    """Per slip kind: is it found, does the defect after it stay found, what else moves.

    The defect columns compare each slipped planting with the same planting without the
    slip (same host, same places), so only the slip's own effect shows. Findings elsewhere
    are split by host kind: drafts hold other paired constructs for a slip to upset.
    """
    plain_by = {(o.variant, o.host): o for o in plain}
    rows = []
    for kind in dict.fromkeys(s.kind for s in slips):
        items = [o for o in slipped if o.slip == kind]
        if not items:
            continue
        same = [plain_by[(o.variant, o.host)] for o in items if (o.variant, o.host) in plain_by]
        cells = [kind, ", ".join(sorted({r for s in slips if s.kind == kind for r in s.expect}))]
        cells.append(_rate(sum(o.slip_found for o in items), len(items)))
        cells += [_rate(*_count(items)), _rate(*_count(same))]
        for host_kind in (PUBLISHED, DRAFT):
            mine = [o for o in items if o.host_kind == host_kind]
            if not mine:
                cells.append("-")
                continue
            new = sum(o.collateral_new for o in mine) / len(mine)
            lost = sum(o.collateral_lost for o in mine) / len(mine)
            cells.append(f"+{new:.2f} / -{lost:.2f} ({len(mine)})")
        rows.append(cells)
    return _table(
        [
            "slip",
            "its rules",
            "slip found",
            "defect found after it",
            "same defects, no slip",
            "elsewhere per planting, published",
            "elsewhere per planting, drafts",
        ],
        rows,
    )


def _alarm_tables(results: Results) -> list[str]:
    keys = sorted(results.lines)
    if not keys:
        return ["No published corpus was linted."]
    lines_by_half = {h: sum(results.lines[k] for k in keys if k[1] == h) for h in HALVES}
    totals = {h: Counter() for h in HALVES}
    for k in keys:
        totals[k[1]].update(results.alarms.get(k, Counter()))
    rows = []
    for prefix, title in GROUPS.items():
        cells = [title]
        fired = Counter()
        for h in HALVES:
            n = sum(c for r, c in totals[h].items() if r.startswith(prefix) and r not in SPELLING)
            fired.update({r: c for r, c in totals[h].items() if r.startswith(prefix)})
            cells.append(f"{_per_100(n, lines_by_half[h])} ({n})")
        if prefix == "BT0" and not fired:
            continue
        cells.append(", ".join(f"{r}: {c}" for r, c in sorted(fired.items())) or "none")
        rows.append(cells)
    non_spelling = {
        h: sum(c for r, c in totals[h].items() if r not in SPELLING and not r.startswith("BT6"))
        for h in HALVES
    }
    rows.append(
        ["**all but spelling**"]
        + [f"{_per_100(non_spelling[h], lines_by_half[h])} ({non_spelling[h]})" for h in HALVES]
        + [""]
    )
    for rule in ("BT601", "BT602"):
        if not results.spelling:
            rows.append([f"spelling {rule}", "not run", "not run", ""])
            continue
        rows.append(
            [f"spelling {rule}"]
            + [f"{_per_100(totals[h][rule], lines_by_half[h])} ({totals[h][rule]})" for h in HALVES]
            + [""]
        )
    out = [
        f"Findings per 100 lines (count) on {lines_by_half['tuning']:,} lines of tuning posts "
        f"and {lines_by_half['held-out']:,} lines of held-out posts. BT701, BT702 and BT704 "
        "need the network or the site's files and are not counted.",
        "",
    ]
    out += _table(["rules", "tuning", "held-out", "rules that fired (both halves)"], rows)
    out += ["", "Per corpus:", ""]
    rows = []
    for corpus in dict.fromkeys(k[0] for k in keys):
        for h in HALVES:
            k = (corpus, h)
            if k not in results.lines:
                continue
            counts = results.alarms.get(k, Counter())
            other = sum(c for r, c in counts.items() if not r.startswith("BT6"))
            cells = [corpus, h, str(results.posts[k]), f"{results.lines[k]:,}"]
            cells.append(f"{_per_100(other, results.lines[k])} ({other})")
            for rule in ("BT601", "BT602"):
                cells.append(
                    f"{_per_100(counts[rule], results.lines[k])} ({counts[rule]})"
                    if results.spelling
                    else "not run"
                )
            rows.append(cells)
    out += _table(["corpus", "half", "posts", "lines", "all but spelling", "BT601", "BT602"], rows)
    return out


def _examples(results: Results) -> list[str]:
    shown: Counter = Counter()
    out = []
    for corpus, name, v in sorted(results.examples, key=lambda e: (e[2].rule_id, e[0], e[1])):
        if shown[v.rule_id] >= 3 or v.rule_id in ("BT601", "BT602"):
            continue
        shown[v.rule_id] += 1
        message = v.message if len(v.message) <= 100 else v.message[:97] + "..."
        out.append(f"- {v.rule_id} `{corpus}/{name}:{v.line}`: {message.replace('|', '/')}")
    if results.spelling:
        words = Counter()
        for _, _, v in results.examples:
            if v.rule_id == "BT601":
                m = re.search(r"[\"'“‘`]([^\"'”’`]+)[\"'”’`]", v.message)
                words[m.group(1) if m else v.message] += 1
        if words:
            common = ", ".join(f"{w} ({n})" for w, n in words.most_common(25))
            out.append(f"- BT601, the most frequent words: {common}")
    return out


def write(path: Path, section: str) -> None:
    """Replace what lies between the markers in ``path``; the prose around them stays."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Quality\n"
    block = f"{BEGIN}\n{section}{END}"
    if BEGIN in old and END in old:
        head, _, rest = old.partition(BEGIN)
        _, _, tail = rest.partition(END)
        new = head + block + tail
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(new, encoding="utf-8")
