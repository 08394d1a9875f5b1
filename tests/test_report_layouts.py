"""report in every layout: the unit of coverage is the draft's paper entries, whatever their
shape, and one new stub is one more unfinished entry and one TODO."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.commands.report import report
from blogtool.config import Config
from blogtool.report import build_report
from blogtool.stub import StubRequest, StubSettings, Templates, plan_stubs
from test_stub import paper

REAL = Path(__file__).parent / "data" / "real"


def request(arxiv_id: str, title: str) -> StubRequest:
    return paper(arxiv_id, title)


def coverage(path: Path) -> tuple[str, str | None, int, int, int]:
    """(basis, layout, finished, total, TODOs) of one draft."""
    (draft,) = build_report([str(path)], Config()).drafts
    return (
        draft.basis,
        draft.layout,
        draft.coverage.finished,
        draft.coverage.total,
        (draft.todo_count),
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("papers-read.md", ("paper", "quotes", 26, 27, 1)),  # RouteLLM has no notes
        ("diary.md", ("paper", "diary", 5, 5, 0)),
        ("notes-unstructured.md", ("paper", "titles", 4, 4, 0)),
        ("ai-research.md", ("paper", "links", 1, 8, 0)),  # a page of links without notes
        ("README.md", ("draft", None, 1, 1, 0)),
    ],
)
def test_coverage_of_the_authors_drafts(name: str, expected: tuple) -> None:
    assert coverage(REAL / name) == expected


@pytest.mark.parametrize(
    ("name", "before", "after"),
    [
        ("papers-read.md", (26, 27, 1), (26, 28, 2)),
        ("diary.md", (5, 5, 0), (5, 6, 1)),
        ("notes-unstructured.md", (4, 4, 0), (4, 5, 0)),  # pasted notes: no stub rule
    ],
)
def test_one_stub_is_one_more_entry_and_one_todo(
    tmp_path: Path, name: str, before: tuple, after: tuple
) -> None:
    path = tmp_path / name
    text = (REAL / name).read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    assert coverage(path)[2:] == before
    plan = plan_stubs(text, [request("2305.18290", "DPO")], Templates(), StubSettings())
    path.write_text(plan.text, encoding="utf-8")
    assert coverage(path)[2:] == after


def test_a_fresh_paper_section_is_one_todo_not_two(tmp_path: Path) -> None:
    text = "## 2017\n\n### Attention\n\n[paper](https://arxiv.org/abs/1706.03762)\n\nDone.\n"
    plan = plan_stubs(text, [request("1810.04805", "BERT")], Templates(), StubSettings())
    path = tmp_path / "d.md"
    path.write_text(plan.text, encoding="utf-8")
    data = json.loads(CliRunner().invoke(report, [str(path), "--format", "json"]).output)
    (draft,) = data["drafts"]
    bert = next(s for s in draft["sections"] if s["title"] == "BERT")
    assert [(t["rule"], t["kind"]) for t in bert["todos"]] == [("BT402", "paper-section-stub")]
    assert draft["coverage"] == {"finished": 1, "total": 2, "percent": 50.0}
    assert [(e["title"], e["finished"]) for e in draft["entries"]] == [
        ("Attention", True),
        ("BERT", False),
    ]


def test_the_unit_does_not_switch_when_a_paper_section_is_added(tmp_path: Path) -> None:
    """A research page: its links are its papers before and after one more is stubbed."""
    text = (REAL / "ai-research.md").read_text(encoding="utf-8")
    path = tmp_path / "ai.md"
    path.write_text(text, encoding="utf-8")
    settings = StubSettings(layout="heading-links")
    plan = plan_stubs(text, [request("2305.18290", "DPO")], Templates(), settings)
    path.write_text(plan.text, encoding="utf-8")
    # the new heading that is the paper's link: one TODO, though empty-section fires too
    assert coverage(path) == ("paper", "heading-links", 1, 9, 1)


def test_the_text_report_names_what_it_counts() -> None:
    out = CliRunner().invoke(report, [str(REAL / "papers-read.md")]).output
    assert "96% (26/27) papers finished (with notes, no TODO)" in out
    assert "paper-section-stub BT402 L68" in out
