"""The paper locator: which entries of a draft are papers, in any layout, and what they hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtool.document import Document
from blogtool.layouts import infer_layout, parse_date_title
from blogtool.papers import entries, find_entry, references, title_key

REAL = Path(__file__).parent / "data" / "real"
SAMPLE = Path(__file__).parents[1] / "drafts" / "evolution.md"


def found(text: str) -> list[tuple[str, int, str | None, str]]:
    """(kind, line, key, title) of every entry."""
    return [(e.kind, e.line, e.key, e.title) for e in entries(Document.from_text(text))]


def keys(text: str) -> list[str | None]:
    return [e.key for e in entries(Document.from_text(text))]


# --- every form of an ID ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        "[x](https://arxiv.org/abs/2305.18290)",
        "[x](https://arxiv.org/abs/2305.18290v3)",
        "[x](http://arxiv.org/pdf/2305.18290v1.pdf)",
        "[x](https://arxiv.org/pdf/2305.18290)",
        "[x](https://arxiv.org/html/2305.18290v2)",
        "[x](https://www.arxiv.org/abs/2305.18290#section)",
        "[x](https://export.arxiv.org/abs/2305.18290?context=cs)",
        "[x](arxiv.org/abs/2305.18290)",
        "[x](https://huggingface.co/papers/2305.18290)",
        "[x](https://www.alphaxiv.org/abs/2305.18290)",
        "[x](https://doi.org/10.48550/arXiv.2305.18290)",
        "[x](https://ar5iv.labs.arxiv.org/html/2305.18290)",
        "<https://arxiv.org/abs/2305.18290>",
        "https://arxiv.org/abs/2305.18290.",
        "arXiv:2305.18290",
        "arXiv: 2305.18290v2,",
        "(arXiv:2305.18290).",
        "doi:10.48550/arXiv.2305.18290;",
        "huggingface.co/papers/2305.18290",
    ],
)
def test_every_form_of_an_arxiv_id_is_the_paper(reference: str) -> None:
    doc = Document.from_text(f"### DPO\n\n{reference}\n")
    (entry,) = entries(doc)
    assert (entry.kind, entry.key, entry.line) == ("heading", "2305.18290", 1)


@pytest.mark.parametrize(
    "reference",
    [
        "![figure](https://arxiv.org/html/2305.18290v2/x1.png)",
        "[figure](https://arxiv.org/html/2305.18290v2/x1.png)",
        "[listing](https://arxiv.org/list/cs.CL/2305)",
        "`arXiv:2305.18290`",
        "<!-- [x](https://arxiv.org/abs/2305.18290) -->",
        "```\narXiv:2305.18290\n```",
        "$arXiv:2305.18290$",
        "myarXiv:2305.18290",
        "[x](https://example.org/arxiv.org/abs/2305.18290)",
    ],
)
def test_what_is_not_a_reference(reference: str) -> None:
    assert entries(Document.from_text(f"### DPO\n\n{reference}\n")) == []


def test_a_malformed_id_keeps_its_text_and_the_link_text_does_not_count_twice() -> None:
    doc = Document.from_text("[arXiv:2001.083613](https://arxiv.org/abs/2001.083613v2)\n")
    (refs,) = references(doc).values()
    assert [(r.key, r.arxiv_id) for r in refs] == [("2001.083613", None)]


# --- entries in every layout -----------------------------------------------------------------


def test_year_sections_and_paper_sections() -> None:
    text = (
        "## 2017\n\n### Attention Is All You Need\n\n**Paper:** [arXiv](https://arxiv.org/abs/"
        "1706.03762) | [PDF](https://arxiv.org/pdf/1706.03762)\n\nText citing "
        "[BERT](https://arxiv.org/abs/1810.04805).\n\n- [GPT](https://arxiv.org/abs/2005.14165)"
        " is cited in the notes\n"
    )
    assert found(text) == [("heading", 3, "1706.03762", "Attention Is All You Need")]


def test_a_heading_at_any_level_with_the_link_in_it_or_right_under_it() -> None:
    text = (
        "# Notes\n\nIntro.\n\n## [Are Emergent Abilities a Mirage?](https://arxiv.org/abs/2304.15004)"
        "\n\n* notes\n\n#### Deep\n*Ada et al.*\narXiv: 2401.00001\n"
    )
    assert found(text) == [
        ("heading", 5, "2304.15004", "Are Emergent Abilities a Mirage?"),
        ("heading", 9, "2401.00001", "Deep"),
    ]


def test_a_diary_entry_takes_its_title_from_the_link() -> None:
    text = (
        "### 26th January\n\n[LoRA: Low-Rank Adaptation](https://arxiv.org/abs/2106.09685)\n\n"
        "- notes\n\n## 18th March\n\n[DeepSeek R1](https://example.org/DeepSeek_R1.pdf)\n\n"
        "### 19th March\n\n[DyT](https://arxiv.org/abs/2503.10622)\n"
    )
    assert found(text) == [
        ("heading", 1, "2106.09685", "LoRA: Low-Rank Adaptation"),
        ("heading", 7, None, "DeepSeek R1"),  # a PDF: a paper without an arXiv ID
        ("heading", 11, "2503.10622", "DyT"),  # a day under a day is a day, not a group
    ]


def test_a_heading_over_paper_headings_or_a_list_of_papers_is_not_a_paper() -> None:
    text = (
        "# Reading list\n\n> [LoRA](https://arxiv.org/abs/2106.09685)\n>> notes\n\n"
        "> [QLoRA](https://arxiv.org/abs/2305.14314)\n\n"
        "## Transformers\n\n[Vaswani et al.](https://arxiv.org/abs/1706.03762) started it.\n\n"
        "### BERT\n\n[paper](https://arxiv.org/abs/1810.04805)\n"
    )
    assert found(text) == [
        ("quote", 3, "2106.09685", "LoRA"),
        ("quote", 6, "2305.14314", "QLoRA"),
        ("heading", 12, "1810.04805", "BERT"),
    ]


def test_list_entries_open_with_the_paper() -> None:
    text = (
        "- [LoRA](https://arxiv.org/abs/2106.09685)\n"
        "- QLoRA ([arXiv](https://arxiv.org/abs/2305.14314))\n"
        "- I liked [this paper](https://arxiv.org/abs/1706.03762) a lot, read it\n"
        "- GQA — [pdf](https://arxiv.org/pdf/2305.13245)\n\n"
        "1. [Exploiting Novel GPT-4 APIs](https://arxiv.org/abs/2312.14302)\n\n"
        "2) [Orca](https://arxiv.org/pdf/2306.02707)\n"
        "   - notes\n"
    )
    assert [(kind, line, key) for kind, line, key, _ in found(text)] == [
        ("bullet", 1, "2106.09685"),
        ("bullet", 2, "2305.14314"),
        ("bullet", 4, "2305.13245"),
        ("numbered", 6, "2312.14302"),
        ("numbered", 8, "2306.02707"),
    ]
    assert [t for *_, t in found(text)][1:3] == ["QLoRA", "GQA"]


def test_table_rows_and_lines_and_slipped_code() -> None:
    text = (
        "| Paper | Year | Notes |\n|---|---|---|\n"
        "| Attention | 2017 | [arXiv](https://arxiv.org/abs/1706.03762) |\n"
        "| [BERT](https://arxiv.org/abs/1810.04805) | 2018 | encoder |\n\n"
        "Some prose, then a link line:\n\n"
        "[Learning to Simulate](https://arxiv.org/abs/2005.12126)\n\n"
        "Text\n\n    -[Mastering Atari](https://arxiv.org/abs/2010.02193)\n"
    )
    doc = Document.from_text(text)
    got = [(e.kind, e.line, e.key, e.title, e.has_notes, e.slipped) for e in entries(doc)]
    assert got == [
        ("row", 3, "1706.03762", "Attention", False, False),
        ("row", 4, "1810.04805", "BERT", True, False),
        ("line", 8, "2005.12126", "Learning to Simulate", False, False),
        ("bullet", 12, "2010.02193", "Mastering Atari", False, True),
    ]


def test_pasted_notes_titles_only_where_the_shape_repeats() -> None:
    notes = (
        "- a note\nLoRA: Low-Rank Adaptation of Large Language Models\n- freeze weights\n"
        "Transformers without Normalization\n- DyT\n"
    )
    assert found(notes) == [
        ("title", 2, None, "LoRA: Low-Rank Adaptation of Large Language Models"),
        ("title", 4, None, "Transformers without Normalization"),
    ]
    prose = "Key ideas:\n- one\n- two\n\nThe Results\n- three\n- four\n"
    assert found(prose) == []
    wrapped = "- a long item that the author\nwrapped by hand without indentation\n- next\n"
    assert found(wrapped) == []


def test_notes() -> None:
    text = (
        "> [A](https://arxiv.org/abs/2106.09685)\n>> - a note\n\n"
        "> [B](https://arxiv.org/abs/2305.14314)\n\n"
        "- [C](https://arxiv.org/abs/1706.03762) - inline note\n"
        "- [D](https://arxiv.org/abs/1810.04805) by Ada Example\n"
        "- [E](https://arxiv.org/abs/2005.14165)\n  - nested note\n\n"
        "### F\n\n[paper](https://arxiv.org/abs/2001.08361)\n\n<details>\n"
        "<summary>Quick Summary</summary>\n\n</details>\n\n"
        "### G\n\n[paper](https://arxiv.org/abs/2001.08362)\n\n---\n\nAfter the rule.\n"
    )
    assert [e.has_notes for e in entries(Document.from_text(text))] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
    ]


def test_title_key_and_find_entry() -> None:
    assert title_key("*Language  Models* are multi-task learners.") == title_key(
        "Language models are multitask learners"
    )
    doc = Document.from_text(
        "- [LoRA](https://arxiv.org/pdf/2106.09685v2)\n\n### Attention is all you need\n\nText.\n"
    )
    from blogtool.arxiv_id import parse_arxiv_id

    assert find_entry(doc, parse_arxiv_id("2106.09685")).line == 1
    by_title = find_entry(doc, parse_arxiv_id("1706.03762"), "Attention Is All You Need")
    assert by_title is not None and by_title.line == 3
    assert find_entry(doc, parse_arxiv_id("1810.04805"), "BERT") is None


# --- the author's drafts ---------------------------------------------------------------------


def test_the_authors_drafts() -> None:
    def of(name: str) -> list:
        return entries(Document.from_text((REAL / name).read_text(encoding="utf-8")))

    quotes = of("papers-read.md")
    assert len(quotes) == 27 and {e.kind for e in quotes} == {"quote"}
    assert [e.title for e in quotes if not e.has_notes] == [
        "RouteLLM: Learning to Route LLMs with Preference Data"
    ]
    diary = of("diary.md")
    assert [(e.kind, e.line) for e in diary] == [("heading", n) for n in (1, 8, 17, 26, 36)]
    assert all(e.has_notes for e in diary)
    notes = of("notes-unstructured.md")
    assert [e.title for e in notes][0] == "LoRA: Low-Rank Adaptation of Large Language Models"
    assert len(notes) == 4 and {e.kind for e in notes} == {"title"}
    research = of("ai-research.md")
    assert [e.key for e in research] == [
        "2304.15004",
        "2312.14302",
        "2306.02707",
        "2501.16496",
        "2001.083613",
        "2005.12126",
        "2010.02193",
        None,  # V-JEPA, on OpenReview
    ]


def test_the_sample_draft_paper_sections() -> None:
    doc = Document.from_text(SAMPLE.read_text(encoding="utf-8"))
    found_ = entries(doc)
    assert {e.kind for e in found_} == {"heading"} and {e.level for e in found_} == {3}
    papers = [s for s in doc.sections if s.level == 3 and "paper](" in doc.line_text(s.line + 2)]
    assert [e.line for e in found_] == [s.line for s in papers]


@pytest.mark.parametrize(
    ("name", "layout"),
    [
        ("papers-read.md", "quotes"),
        ("diary.md", "diary"),
        ("notes-unstructured.md", "titles"),
        ("ai-research.md", "links"),
        ("README.md", None),
    ],
)
def test_layouts_of_the_authors_drafts(name: str, layout: str | None) -> None:
    doc = Document.from_text((REAL / name).read_text(encoding="utf-8"))
    found_ = infer_layout(doc)
    assert (found_.name if found_ else None) == layout
    assert infer_layout(Document.from_text(SAMPLE.read_text(encoding="utf-8"))).name == "years"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("26th January", "2nd April"),
        ("January 26", "April 2"),
        ("Jan 26, 2025", "Apr 2, 2025"),
        ("26 January 2025", "2 April 2025"),
        ("2025-01-26", "2025-04-02"),
        ("Monday, 26th of January", "Wednesday 2nd of April"),
        ("MARCH 3RD", "APRIL 2ND"),
    ],
)
def test_dates_are_written_in_the_drafts_own_style(title: str, expected: str) -> None:
    from datetime import date

    parsed = parse_date_title(title)
    assert parsed is not None
    assert parsed[0].format(date(2025, 4, 2)).lower() == expected.lower()


@pytest.mark.parametrize("title", ["Results", "2019", "March of progress", "The 26th paper"])
def test_titles_that_are_not_dates(title: str) -> None:
    assert parse_date_title(title) is None


# --- blogtool papers -------------------------------------------------------------------------


def papers_cli(*args: str):
    from click.testing import CliRunner

    from blogtool.commands.papers import papers

    return CliRunner().invoke(papers, list(args), catch_exceptions=False)


def test_papers_lists_every_paper_of_the_authors_drafts_and_the_sample() -> None:
    import json

    result = papers_cli(str(REAL), str(SAMPLE.parent), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    per_draft = {Path(d["path"]).name: (d["layout"], d["papers"]) for d in data["drafts"]}
    assert per_draft == {
        "README.md": (None, 0),
        "ai-research.md": ("links", 8),
        "diary.md": ("diary", 5),
        "notes-unstructured.md": ("titles", 4),
        "papers-read.md": ("quotes", 27),
        "evolution.md": ("years", 39),
    }
    route = next(p for p in data["papers"] if p["id"] == "2406.18665")
    assert route == {
        "id": "2406.18665",
        "title": "RouteLLM: Learning to Route LLMs with Preference Data",
        "year": 2024,
        "year_from": "id",
        "kind": "quote",
        "path": str(REAL / "papers-read.md"),
        "line": 68,
        "notes": False,
    }
    assert data["errors"] == []


def test_papers_text_markdown_and_the_year_from_the_cache(tmp_path: Path) -> None:
    from blogtool.net.arxiv import CACHE_NAMESPACE
    from blogtool.net.cache import DiskCache

    cache = DiskCache.open()
    cache.put(CACHE_NAMESPACE, "1706.03762", {"published": "2016-12-31"})  # as if stubbed
    cache.close()
    draft = tmp_path / "list.md"
    draft.write_text(
        "- [Attention](https://arxiv.org/abs/1706.03762) - attention only\n"
        "- [A | B](https://openreview.net/forum?id=x)\n",
        encoding="utf-8",
    )
    text = papers_cli(str(draft)).stdout
    assert text == (
        f'{draft}:1: 1706.03762 (2016) "Attention" [notes]\n'
        f'{draft}:2: - "A | B" [no notes]\n'
        "2 paper entries (1 arXiv IDs) in 1 draft, 1 without notes\n"
    )
    from blogtool.report.render import md_text

    table = papers_cli(str(draft), "--format", "markdown").stdout.splitlines()
    assert table[2] == f"| Attention | 1706.03762 | 2016 | {md_text(f'{draft}:1')} | yes |"
    assert table[3] == f"| A \\| B |  |  | {md_text(f'{draft}:2')} | no |"


def test_papers_duplicates_across_drafts(tmp_path: Path) -> None:
    one, two = tmp_path / "a.md", tmp_path / "b.md"
    one.write_text("> [LoRA](https://arxiv.org/abs/2106.09685)\n>> notes\n", encoding="utf-8")
    two.write_text("### 3rd May\n\n[LoRA](https://arxiv.org/pdf/2106.09685v2)\n", "utf-8")
    result = papers_cli(str(one), str(two), "--duplicates")
    assert result.exit_code == 1
    assert result.stdout == (
        f'{two}:1:1: BT404 paper 2106.09685 is also in {one}:1 ("LoRA") [duplicate-paper]\n'
    )
    assert papers_cli(str(one), "--duplicates").exit_code == 0


def test_papers_an_unreadable_draft_is_an_error_and_the_others_are_listed(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.md", tmp_path / "bad.md"
    good.write_text("- [LoRA](https://arxiv.org/abs/2106.09685)\n", encoding="utf-8")
    bad.write_bytes(b"\xff\xfe not text \xff")
    result = papers_cli(str(tmp_path))
    assert result.exit_code == 2
    assert "2106.09685" in result.stdout
    assert result.stderr.startswith(f"blogtool: error: {bad}")
