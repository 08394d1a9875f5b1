"""blogtool report: coverage numbers, agreement with lint, formats, baseline, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.commands.report import report
from blogtool.config import Config
from blogtool.engine import lint_file, make_plan
from blogtool.report import (
    DEFAULT_TODO_RULES,
    TODO_KINDS,
    Coverage,
    build_report,
    report_document,
)

ROOT = Path(__file__).resolve().parents[1]
DRAFT = ROOT / "drafts" / "evolution.md"
PLANTED = ROOT / "tests" / "data" / "evolution_planted.tsv"

PAPER = "### {title}\n\n[paper](https://arxiv.org/abs/{arxiv})\n\n{body}\n\n"


def run(*args: str):
    result = CliRunner().invoke(report, list(args), catch_exceptions=False)
    return result


def paper(title: str, arxiv: str, body: str = "A finished summary of the paper.") -> str:
    return PAPER.format(title=title, arxiv=arxiv, body=body)


def planted_todos() -> set[tuple[int, str]]:
    rows = set()
    for row in PLANTED.read_text(encoding="utf-8").splitlines():
        if row.strip() and not row.startswith("#"):
            line, rule_id, _ = row.split("\t", 2)
            if rule_id in DEFAULT_TODO_RULES:
                rows.add((int(line), rule_id))
    return rows


def headings(text: str) -> list[tuple[int, int, str]]:
    """(line, level, title) of every ATX heading; the sample draft has none in code."""
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        m = re.match(r"^(#{1,6})(?:\s+(.*?))?\s*$", line)
        if m:
            found.append((number, len(m.group(1)), (m.group(2) or "").strip()))
    return found


def expected_coverage() -> tuple[tuple[int, int], dict[str, tuple[int, int]]]:
    """Coverage of the sample draft worked out from the raw text and the planted TSV."""
    lines = DRAFT.read_text(encoding="utf-8").split("\n")
    heads = headings("\n".join(lines))
    todo_lines = {line for line, _ in planted_todos()}
    total = finished = 0
    per_year: dict[str, list[int]] = {}
    year = None
    for i, (line, level, title) in enumerate(heads):
        if level == 2 and re.fullmatch(r"(19|20)\d\d", title):
            year = title
            per_year[year] = [0, 0]
        elif level == 2:
            year = None
        if level != 3:
            continue
        nxt = next((h[0] for h in heads[i + 1 :] if h[1] <= 3), len(lines) + 1)
        own_end = heads[i + 1][0] if i + 1 < len(heads) else len(lines) + 1
        own = "\n".join(lines[line : own_end - 1])
        if not re.search(r"arxiv\.org/abs/|\.pdf\)", own) and own.strip():
            continue  # neither a paper section (arXiv or PDF link) nor an empty heading
        done = not any(line <= t < nxt for t in todo_lines)
        total += 1
        finished += done
        if year:
            per_year[year][0] += done
            per_year[year][1] += 1
    return (finished, total), {y: (f, t) for y, (f, t) in per_year.items()}


# ---------------------------------------------------------------------- the sample draft


def test_sample_draft_coverage_matches_the_planted_problems() -> None:
    result = build_report([str(DRAFT)], Config())
    (draft,) = result.drafts
    (finished, total), per_year = expected_coverage()
    assert draft.basis == "paper"
    assert (draft.coverage.finished, draft.coverage.total) == (finished, total)
    assert {y.title: (y.coverage.finished, y.coverage.total) for y in draft.years} == per_year
    assert draft.todo_count == len(planted_todos()) - 1  # a stub's empty summary is the stub
    assert not result.errors


def test_report_and_lint_agree_on_what_is_left_to_do() -> None:
    data = json.loads(run(str(DRAFT), "--format", "json").output)
    (draft,) = data["drafts"]
    in_report = {
        (line, todo["rule"])
        for section in draft["sections"]
        for todo in section["todos"]
        for line in todo["lines"]
    }
    lint = lint_file(DRAFT, make_plan(Config()))
    in_lint = {(v.line, v.rule_id) for v in lint.violations if v.rule_id in DEFAULT_TODO_RULES}
    # the one difference: a paper stub (BT402) and its empty summary (BT101) are one TODO
    heads = headings(DRAFT.read_text(encoding="utf-8"))
    stubs = {line for line, rule in in_lint if rule == "BT402"}
    folded = {
        (line, rule)
        for line, rule in in_lint
        if rule == "BT101" and max(h[0] for h in heads if h[0] <= line) in stubs
    }
    assert folded == {(781, "BT101")}
    assert in_report == in_lint - folded
    assert in_report == planted_todos() - folded


def test_each_todo_is_attributed_to_the_innermost_section() -> None:
    heads = headings(DRAFT.read_text(encoding="utf-8"))
    data = json.loads(run(str(DRAFT), "--format", "json").output)
    for section in data["drafts"][0]["sections"]:
        for todo in section["todos"]:
            for line in todo["lines"]:
                innermost = max(h[0] for h in heads if h[0] <= line)
                assert section["line"] == innermost, (line, todo["rule"])


def test_json_keys_are_the_documented_ones() -> None:
    data = json.loads(run(str(DRAFT), "--format", "json").output)
    assert set(data) == {"version", "todo_rules", "drafts", "totals", "errors", "comparison"}
    assert data["version"] == 1 and data["comparison"] is None and data["errors"] == []
    (draft,) = data["drafts"]
    assert set(draft) == {
        "path",
        "basis",
        "layout",
        "coverage",
        "todo_count",
        "years",
        "sections",
        "entries",
    }
    assert draft["layout"] == "years"
    assert set(draft["entries"][0]) == {
        "kind",
        "title",
        "line",
        "end_line",
        "paper",
        "notes",
        "finished",
        "todo_count",
    }
    assert set(draft["coverage"]) == {"finished", "total", "percent"}
    assert set(draft["years"][0]) == {"year", "title", "line", "slug", "coverage", "todo_count"}
    section = next(s for s in draft["sections"] if s["todos"])
    assert set(section) == {
        "title",
        "level",
        "line",
        "end_line",
        "slug",
        "year",
        "counts",
        "finished",
        "todo_count",
        "todos",
    }
    assert set(section["todos"][0]) == {"kind", "rule", "count", "first_line", "message", "lines"}
    assert set(data["totals"]) == {"drafts", "coverage", "todo_count", "unfinished"}
    cov = draft["coverage"]
    assert cov["percent"] == pytest.approx(100 * cov["finished"] / cov["total"], abs=0.1)
    assert data["totals"]["coverage"] == cov
    assert data["totals"]["unfinished"] == cov["total"] - cov["finished"]


def test_every_default_todo_rule_has_a_kind() -> None:
    assert set(DEFAULT_TODO_RULES) == {r for rules in TODO_KINDS.values() for r in rules}
    assert {"BT101", "BT102", "BT105", "BT106", "BT107", "BT201", "BT401"} <= set(
        DEFAULT_TODO_RULES
    )


def test_text_table_puts_the_worst_sections_first() -> None:
    result = run(str(DRAFT))
    assert result.exit_code == 0, result.output
    out = result.output
    (finished, total), _ = expected_coverage()
    assert f"{100 * finished // total}% ({finished}/{total}) paper sections finished" in out
    rows = [ln for ln in out.splitlines() if re.match(r"^\s+\d+\s{2}", ln)]
    counts = [len(re.findall(r"BT\d{3}", row)) for row in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] >= 2
    assert "[" in out.splitlines()[0] and "]" in out.splitlines()[0]  # the coverage bar
    assert out.rstrip().splitlines()[-1].startswith("Total: ")
    assert "\x1b[" not in out  # no colour when not on a terminal


def test_markdown_has_a_table_and_collapsible_sections() -> None:
    out = run(str(DRAFT), "--format", "markdown").output
    assert out.startswith("## TODO coverage: ")
    assert "| Draft | Coverage | Open TODOs | By kind |" in out
    assert out.count("<details>") == out.count("</details>") >= 10
    assert "<summary>Transformer-XL: Attentive" in out
    assert "| 2013 | 100% (1/1) | 0 |" in out


# ---------------------------------------------------------------------- small drafts


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_coverage_counts_per_year_and_in_total(tmp_path: Path) -> None:
    text = (
        "# Post\n\n## 2019\n\n"
        + paper("Done", "1901.00001")
        + paper("Half", "1901.00002", "Text. [TBD]")
        + "## 2020\n\nIntro [TODO]\n\n"
        + paper("Also done", "2001.00003")
    )
    path = write(tmp_path, "d.md", text)
    (draft,) = build_report([str(path)], Config()).drafts
    assert draft.coverage == Coverage(2, 3)
    assert [(y.year, y.coverage, y.todo_count) for y in draft.years] == [
        (2019, Coverage(1, 2), 1),
        (2020, Coverage(1, 1), 1),  # the TODO in the year's intro lowers no paper's coverage
    ]
    assert draft.todo_count == 2
    assert draft.coverage.label() == "66% (2/3)"


def test_a_todo_in_a_subsection_leaves_the_paper_unfinished(tmp_path: Path) -> None:
    text = "## 2020\n\n" + paper("P", "2001.00001") + "#### Details\n\nMore. [TODO]\n"
    path = write(tmp_path, "d.md", text)
    (draft,) = build_report([str(path)], Config()).drafts
    by_title = {s.title: s for s in draft.sections}
    assert by_title["Details"].todos and not by_title["P"].todos
    assert by_title["P"].counts and not by_title["P"].finished
    assert draft.coverage == Coverage(0, 1)


def test_draft_without_paper_sections_counts_leaf_sections(tmp_path: Path) -> None:
    text = "# Notes\n\n## 2021\n\n## Setup\n\nDone.\n\n## Results\n\nSee [here]().\n"
    path = write(tmp_path, "notes.md", text)
    (draft,) = build_report([str(path)], Config()).drafts
    assert draft.basis == "leaf"
    # leaves: 2021 is a year (skipped); Setup and Results count.
    assert [s.title for s in draft.sections if s.counts] == ["Setup", "Results"]
    assert draft.coverage == Coverage(1, 2)
    out = run(str(path)).output
    assert "50% (1/2) sections finished" in out


def test_draft_without_headings_is_one_unit(tmp_path: Path) -> None:
    path = write(tmp_path, "flat.md", "Just text.\n\n[TODO] finish this.\n")
    (draft,) = build_report([str(path)], Config()).drafts
    assert draft.basis == "draft"
    (whole,) = draft.sections
    assert (whole.title, whole.counts, whole.finished, whole.level) == (
        "(whole draft)",
        True,
        False,
        0,
    )
    assert draft.coverage == Coverage(0, 1)
    clean = write(tmp_path, "clean.md", "All written.\n")
    (draft,) = build_report([str(clean)], Config()).drafts
    assert draft.coverage == Coverage(1, 1) and draft.coverage.label() == "100% (1/1)"


def test_todos_before_the_first_heading_count_but_not_against_coverage(tmp_path: Path) -> None:
    text = "Intro [TBD]\n\n## 2020\n\n" + paper("P", "2001.00001")
    path = write(tmp_path, "d.md", text)
    (draft,) = build_report([str(path)], Config()).drafts
    first = draft.sections[0]
    assert (first.title, first.level, first.counts, first.todo_count) == (
        "(before the first heading)",
        0,
        False,
        1,
    )
    assert draft.coverage == Coverage(1, 1)
    assert draft.todo_count == 1


def test_suppressed_violations_are_not_todos(tmp_path: Path) -> None:
    body = "Text.\n\n<!-- blogtool-disable-next-line BT102 -->\nMore [TODO] here."
    path = write(tmp_path, "d.md", "## 2020\n\n" + paper("P", "2001.00001", body))
    (draft,) = build_report([str(path)], Config()).drafts
    assert draft.coverage == Coverage(1, 1) and draft.todo_count == 0


def test_report_document_takes_any_violations(tmp_path: Path) -> None:
    from blogtool.document import Document
    from blogtool.violation import Violation

    doc = Document.from_text("## 2020\n\n" + paper("P", "2001.00001"), "x.md")
    hit = Violation("x.md", 7, 1, "BT205", "bare URL")
    assert report_document(doc, [hit]).coverage == Coverage(1, 1)  # not a TODO rule
    assert report_document(doc, [hit], todo_rules=["BT205"]).coverage == Coverage(0, 1)


# ---------------------------------------------------------------------- config


def test_todo_rules_from_config(tmp_path: Path) -> None:
    write(tmp_path, "blogtool.toml", '[report]\ntodo_rules = ["placeholder-token"]\n')
    body = "Text. [TBD]\n\nGreat question! I hope this helps."
    path = write(tmp_path, "d.md", "## 2020\n\n" + paper("P", "2001.00001", body))
    data = json.loads(run(str(path), "--format", "json").output)
    assert data["todo_rules"] == ["BT102"]
    rules = {t["rule"] for s in data["drafts"][0]["sections"] for t in s["todos"]}
    assert rules == {"BT102"}
    write(tmp_path, "blogtool.toml", '[report]\ntodo_rules = ["BT2"]\n')  # a prefix
    path.write_text("## 2020\n\n" + paper("P", "2001.00001", "[x](not a url)"), encoding="utf-8")
    data = json.loads(run(str(path), "--format", "json").output)
    assert "BT202" in data["todo_rules"] and "BT102" not in data["todo_rules"]
    (todo,) = [t for s in data["drafts"][0]["sections"] for t in s["todos"]]
    assert (todo["rule"], todo["kind"]) == ("BT202", "invalid-link-target")  # kind: its name


def test_unknown_todo_rule_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, "blogtool.toml", '[report]\ntodo_rules = ["BT999"]\n')
    path = write(tmp_path, "d.md", "# T\n\nText.\n")
    result = run(str(path))
    assert result.exit_code == 2
    assert "unknown rule 'BT999'" in result.output
    assert "Traceback" not in result.output


def test_a_rule_switched_off_in_config_is_no_todo(tmp_path: Path) -> None:
    write(tmp_path, "blogtool.toml", 'ignore = ["BT102"]\n')
    path = write(tmp_path, "d.md", "## 2020\n\n" + paper("P", "2001.00001", "Text. [TBD]"))
    data = json.loads(run(str(path), "--format", "json").output)
    assert data["totals"]["todo_count"] == 0


# ---------------------------------------------------------------------- exit codes


@pytest.fixture()
def half_done(tmp_path: Path) -> Path:
    text = "## 2020\n\n" + paper("A", "2001.00001") + paper("B", "2001.00002", "Text [TBD]")
    return write(tmp_path, "half.md", text)


def test_fail_under_exit_codes(half_done: Path) -> None:
    assert run(str(half_done)).exit_code == 0
    assert run(str(half_done), "--fail-under", "50").exit_code == 0
    below = run(str(half_done), "--fail-under", "51")
    assert below.exit_code == 1
    assert "total coverage 50% (1/2) is below --fail-under 51%" in below.output
    assert run(str(half_done), "--fail-under", "150").exit_code == 2


def test_fail_under_from_config(half_done: Path) -> None:
    write(half_done.parent, "blogtool.toml", "[report]\nfail_under = 80\n")
    assert run(str(half_done)).exit_code == 1
    assert run(str(half_done), "--fail-under", "10").exit_code == 0  # the flag wins
    write(half_done.parent, "blogtool.toml", "[report]\nfail_under = 180\n")
    result = run(str(half_done))
    assert result.exit_code == 2 and "between 0 and 100" in result.output


def test_unreadable_draft_exits_two_and_the_rest_is_reported(
    half_done: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "latin1.md"
    bad.write_bytes("# Caf\xe9\n".encode("latin-1"))
    result = run(str(half_done), str(bad), "--format", "json")
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr
    data = json.loads(result.stdout)
    assert [d["path"] for d in data["drafts"]] == [str(half_done)]
    assert data["errors"][0]["path"] == str(bad)
    missing = run(str(tmp_path / "nope.md"))
    assert missing.exit_code == 2 and "no such file or directory" in missing.stderr
    assert "Traceback" not in result.output + missing.output


def test_bad_config_exits_two(half_done: Path) -> None:
    write(half_done.parent, "blogtool.toml", "[report]\nfail_under = 'high'\n")
    result = run(str(half_done))
    assert result.exit_code == 2 and "blogtool: error:" in result.output


def test_output_file_is_written(half_done: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    result = run(str(half_done), "--format", "markdown", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("## TODO coverage: 50% (1/2)")
    blocked = run(str(half_done), "-o", str(tmp_path / "no" / "dir" / "r.txt"))
    assert blocked.exit_code == 2 and "cannot write" in blocked.output


# ---------------------------------------------------------------------- baseline


def test_baseline_deltas(tmp_path: Path) -> None:
    before = (
        "## 2020\n\n"
        + paper("A", "2001.00001", "Text [TBD]")
        + paper("B", "2001.00002", "Text [TBD] and {add the loss plot}")
        + paper("C", "2001.00003")
    )
    path = write(tmp_path, "d.md", before)
    saved = tmp_path / "base.json"
    first = run(str(path), "--write-baseline", str(saved))
    assert first.exit_code == 0
    assert json.loads(saved.read_text(encoding="utf-8"))["drafts"][0]["coverage"]["finished"] == 1

    # A finished, B loses one of two TODOs, C gains one; a new intro shifts every line.
    after = (
        "Intro.\n\nMore intro.\n\n## 2020\n\n"
        + paper("A", "2001.00001")
        + paper("B", "2001.00002", "Text and {add the loss plot}")
        + paper("C", "2001.00003", "Great question!")
    )
    path.write_text(after, encoding="utf-8")
    data = json.loads(run(str(path), "--baseline", str(saved), "--format", "json").output)
    comparison = data["comparison"]
    assert comparison["baseline"] == str(saved)
    (delta,) = comparison["drafts"]
    assert delta["status"] == "changed"
    assert (delta["before"]["finished"], delta["after"]["finished"]) == (1, 1)
    assert delta["finished_delta"] == 0 and delta["total_delta"] == 0
    assert [(c["section"], c["rule"], c["count"]) for c in delta["new_todos"]] == [
        ("C", "BT106", 1)
    ]
    assert sorted((c["section"], c["rule"], c["count"]) for c in delta["resolved_todos"]) == [
        ("A", "BT102", 1),
        ("B", "BT102", 1),
    ]
    assert comparison["totals"]["new_todos"] == 1
    assert comparison["totals"]["resolved_todos"] == 2

    text = run(str(path), "--baseline", str(saved)).output
    assert "+0 finished (was 33% (1/3)), 1 new TODO, 2 resolved" in text
    markdown = run(str(path), "--baseline", str(saved), "--format", "markdown").output
    assert "| C | BT106 | +1 |" in markdown and "| A | BT102 | -1 |" in markdown


def test_baseline_counts_finished_sections_and_new_drafts(tmp_path: Path) -> None:
    path = write(tmp_path, "d.md", "## 2020\n\n" + paper("A", "2001.00001", "[TBD]"))
    saved = tmp_path / "base.json"
    run(str(path), "--write-baseline", str(saved))
    path.write_text("## 2020\n\n" + paper("A", "2001.00001"), encoding="utf-8")
    other = write(tmp_path, "e.md", "## 2021\n\n" + paper("B", "2101.00001", "[TBD]"))
    data = json.loads(
        run(str(path), str(other), "--baseline", str(saved), "--format", "json").output
    )
    deltas = {Path(d["path"]).name: d for d in data["comparison"]["drafts"]}
    assert deltas["d.md"]["finished_delta"] == 1 and deltas["d.md"]["status"] == "changed"
    assert deltas["e.md"]["status"] == "new" and deltas["e.md"]["before"] is None
    assert deltas["e.md"]["new_todos"][0]["rule"] == "BT102"


def test_bad_baseline_exits_two(half_done: Path, tmp_path: Path) -> None:
    missing = run(str(half_done), "--baseline", str(tmp_path / "none.json"))
    assert missing.exit_code == 2 and "baseline report not found" in missing.output
    junk = write(tmp_path, "junk.json", '{"version": 1, "drafts": [{"path": 3}]}')
    result = run(str(half_done), "--baseline", str(junk))
    assert result.exit_code == 2 and "not a blogtool report" in result.output
    lint_baseline = write(tmp_path, "lint.json", '{"version": 1, "entries": []}')
    assert run(str(half_done), "--baseline", str(lint_baseline)).exit_code == 2
    assert "Traceback" not in missing.output + result.output


def test_baseline_from_config(half_done: Path) -> None:
    write(half_done.parent, "blogtool.toml", '[report]\nbaseline = ".blogtool-report.json"\n')
    first = run(str(half_done), "--format", "json")
    assert first.exit_code == 0 and "no baseline at" in first.stderr
    assert json.loads(first.stdout)["comparison"] is None
    run(str(half_done), "--write-baseline", str(half_done.parent / ".blogtool-report.json"))
    data = json.loads(run(str(half_done), "--format", "json").stdout)
    assert data["comparison"]["drafts"][0]["status"] == "changed"


def keys_anywhere(data: object) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in keys_anywhere(v)}
    if isinstance(data, list):
        return {k for v in data for k in keys_anywhere(v)}
    return set()


def test_write_baseline_saves_counts_per_draft_section_and_rule(tmp_path: Path) -> None:
    text = "## 2020\n\n" + paper("A", "2001.00001", "[TBD] and [TBD].\n\nGreat question!")
    path = write(tmp_path, "d.md", text + paper("B", "2001.00002"))
    saved = tmp_path / "base.json"
    result = run(str(path), "--write-baseline", str(saved))
    assert result.exit_code == 0 and "Total: 50% (1/2) finished" in result.output  # as usual
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert not keys_anywhere(data) & {"line", "lines", "first_line", "end_line", "message"}
    (draft,) = data["drafts"]
    assert draft["path"] == path.as_posix() and draft["todo_count"] == 3
    assert draft["coverage"] == {"finished": 1, "total": 2, "percent": 50.0}
    (section,) = draft["sections"]  # only sections holding TODOs
    assert (section["title"], section["level"], section["slug"]) == ("A", 3, "a")
    assert sorted((t["rule"], t["count"]) for t in section["todos"]) == [
        ("BT102", 2),
        ("BT106", 1),
    ]


def test_baseline_survives_edits_that_only_move_lines(tmp_path: Path) -> None:
    text = "## 2020\n\n" + paper("A", "2001.00001", "Text [TBD]") + paper("B", "2001.00002")
    path = write(tmp_path, "d.md", text)
    saved = tmp_path / "base.json"
    run(str(path), "--write-baseline", str(saved))
    path.write_text("Intro.\n\n\n\nMore intro.\n\n" + text, encoding="utf-8")
    result = run(str(path), "--baseline", str(saved), "--fail-on-regression", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (delta,) = json.loads(result.stdout)["comparison"]["drafts"]
    assert delta["new_todos"] == [] and delta["resolved_todos"] == []
    assert delta["regressions"] == []


def test_fail_on_regression_when_a_section_gains_todos(tmp_path: Path) -> None:
    before = "## 2020\n\n" + paper("A", "2001.00001", "Text [TBD]") + paper("B", "2001.00002")
    path = write(tmp_path, "d.md", before)
    saved = tmp_path / "base.json"
    run(str(path), "--write-baseline", str(saved))
    # A finished, B gains one: better overall (1 resolved, 1 new), still a regression in B.
    after = "## 2020\n\n" + paper("A", "2001.00001") + paper("B", "2001.00002", "[TBD]")
    path.write_text(after, encoding="utf-8")
    without = run(str(path), "--baseline", str(saved))
    assert without.exit_code == 0 and "gained" not in without.stderr
    assert "more TODOs in: B 0 → 1" in without.stdout
    result = run(str(path), "--baseline", str(saved), "--fail-on-regression")
    assert result.exit_code == 1
    assert f"{path}: section 'B' gained TODOs since the baseline: 0 -> 1" in result.stderr
    assert "1 section gained TODOs since the baseline" in result.stderr
    data = json.loads(run(str(path), "--baseline", str(saved), "--format", "json").stdout)
    comparison = data["comparison"]
    assert comparison["totals"]["regressed_sections"] == 1
    assert comparison["drafts"][0]["regressions"] == [
        {"section": "B", "slug": "b", "before": 0, "after": 1}
    ]


def test_trading_one_todo_for_another_in_a_section_is_no_regression(tmp_path: Path) -> None:
    path = write(tmp_path, "d.md", "## 2020\n\n" + paper("A", "2001.00001", "Text [TBD]"))
    saved = tmp_path / "base.json"
    run(str(path), "--write-baseline", str(saved))
    path.write_text("## 2020\n\n" + paper("A", "2001.00001", "Great question!"), encoding="utf-8")
    result = run(str(path), "--baseline", str(saved), "--fail-on-regression", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (delta,) = json.loads(result.stdout)["comparison"]["drafts"]
    assert [c["rule"] for c in delta["new_todos"]] == ["BT106"]
    assert [c["rule"] for c in delta["resolved_todos"]] == ["BT102"]


def test_a_draft_the_baseline_does_not_know_starts_from_zero(half_done: Path) -> None:
    saved = half_done.parent / "base.json"
    run(str(half_done), "--write-baseline", str(saved))
    other = write(half_done.parent, "new.md", "## 2021\n\n" + paper("C", "2101.00001", "[TBD]"))
    result = run(str(half_done), str(other), "--baseline", str(saved), "--fail-on-regression")
    assert result.exit_code == 1 and f"{other}: section 'C' gained TODOs" in result.stderr
    # a draft left out of this run is no regression, and its TODOs count as resolved
    assert run(str(other), "--baseline", str(saved)).exit_code == 0


def test_fail_on_regression_needs_a_baseline(half_done: Path) -> None:
    result = run(str(half_done), "--fail-on-regression")
    assert result.exit_code == 2 and "needs a baseline" in result.output


def test_fail_under_and_regression_are_both_reported(half_done: Path) -> None:
    saved = half_done.parent / "base.json"
    run(str(half_done), "--write-baseline", str(saved))
    half_done.write_text(half_done.read_text(encoding="utf-8") + "More [TBD].\n", "utf-8")
    result = run(
        str(half_done), "--baseline", str(saved), "--fail-on-regression", "--fail-under", "60"
    )
    assert result.exit_code == 1
    assert "below --fail-under 60%" in result.stderr and "gained TODOs" in result.stderr


def test_a_whole_json_report_and_the_old_option_name_still_work(half_done: Path) -> None:
    report_json = half_done.parent / "report.json"
    assert run(str(half_done), "--format", "json", "-o", str(report_json)).exit_code == 0
    old_name = half_done.parent / "old.json"
    assert run(str(half_done), "--save-baseline", str(old_name)).exit_code == 0
    half_done.write_text(half_done.read_text(encoding="utf-8") + "More [TBD].\n", "utf-8")
    for saved in (report_json, old_name):
        result = run(str(half_done), "--baseline", str(saved), "--fail-on-regression")
        assert result.exit_code == 1 and "section 'B' gained TODOs" in result.stderr
        assert "1 -> 2" in result.stderr


def test_help_documents_the_baseline_options() -> None:
    text = run("--help").output
    assert "--write-baseline" in text and "--fail-on-regression" in text
    assert "--save-baseline" not in text  # a hidden alias


# ---------------------------------------------------------------------- dead links


@pytest.fixture()
def local_site():
    """A server on 127.0.0.1: /ok answers 200, anything else 404; records the paths asked."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            asked.append(self.path)
            self.send_response(200 if self.path == "/ok" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def test_dead_links_count_only_when_links_are_checked(
    tmp_path: Path, local_site, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, asked = local_site
    monkeypatch.setenv("BLOGTOOL_CACHE_DIR", str(tmp_path / "cache"))
    # Only URLs of the server above: nothing may leave 127.0.0.1.
    write(
        tmp_path,
        "blogtool.toml",
        "[links]\nmin_host_interval = 0\nmax_retries = 0\nallow_private = true\n",
    )
    text = f"# Notes\n\n## Code\n\nSee [the code]({base}/ok).\n\n## Data\n\n[Data]({base}/gone)\n"
    path = write(tmp_path, "d.md", text)

    unchecked = json.loads(run(str(path), "--format", "json").output)
    assert unchecked["totals"]["todo_count"] == 0 and asked == []

    checked = run(str(path), "--check-links", "--format", "json")
    data = json.loads(checked.stdout)
    ((section, todo),) = [
        (s["title"], t) for s in data["drafts"][0]["sections"] for t in s["todos"]
    ]
    assert (section, todo["kind"], todo["rule"], todo["first_line"]) == (
        "Data",
        "dead-link",
        "BT701",
        9,
    )
    assert f"{base}/gone" in todo["message"]
    assert data["drafts"][0]["coverage"] == {"finished": 1, "total": 2, "percent": 50.0}
    assert "/gone" in asked and "/ok" in asked

    offline = json.loads(run(str(path), "--check-links", "--offline", "--format", "json").stdout)
    assert offline["totals"]["todo_count"] == 0

    # Without --check-links, the dead link cached by the run above still counts, and no
    # request is sent for it.
    asked.clear()
    cached = json.loads(run(str(path), "--format", "json").stdout)
    assert cached["totals"]["todo_count"] == 1 and asked == []


def test_markdown_escapes_what_comes_from_the_draft(tmp_path: Path) -> None:
    title = "<script>alert(1)</script> a|b"
    path = write(tmp_path, "d.md", "## 2020\n\n" + paper(title, "2001.00001", "[x|<i>y</i>]()"))
    out = run(str(path), "--format", "markdown").output
    assert "<script>" not in out and "<i>" not in out
    assert "<summary>&lt;script&gt;alert(1)&lt;/script&gt; a|b (line 3): 1 TODO</summary>" in out
    row = next(
        line for line in out.splitlines() if line.startswith("| empty-link-target | BT201 |")
    )
    assert row.count(" | ") == 4  # the | from the draft does not open a new cell
    assert "x\\|&lt;i&gt;y&lt;/i&gt;" in row
