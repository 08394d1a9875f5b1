"""``blogtool stub`` in every layout: golden files on the author's drafts and on one draft per
layout, against the arXiv-shaped server on 127.0.0.1 of test_stub_cli."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import test_stub_cli
from blogtool.document import Document
from blogtool.layouts import LAYOUTS, infer_layout
from blogtool.papers import entries
from test_stub_cli import PAPERS, FakeArxiv, leftovers, run

arxiv = test_stub_cli.arxiv  # the fake arXiv server, a fixture
DATA = Path(__file__).parent / "data"
REAL = DATA / "real"
LAYOUT_DATA = DATA / "stub_layouts"
DATE = ("--date", "2025-04-02")

# The papers of the author's drafts the fake arXiv knows besides test_stub_cli's.
MORE_PAPERS = {
    "2106.09685": (
        "2106.09685v2",
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "2021-06-17",
    ),
    "2503.10622": ("2503.10622v1", "Transformers without Normalization", "2025-03-13"),
    "2002.05202": ("2002.05202v1", "GLU Variants Improve Transformer", "2020-02-12"),
    "2304.15004": (
        "2304.15004v2",
        "Are Emergent Abilities of Large Language Models a Mirage?",
        "2023-04-28",
    ),
    "2306.02707": (
        "2306.02707v1",
        "Orca: Progressive Learning from Complex Explanation Traces of GPT-4",
        "2023-06-05",
    ),
    "2010.02193": ("2010.02193v4", "Mastering Atari with Discrete World Models", "2020-10-05"),
}


@pytest.fixture(autouse=True)
def _more_papers(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in MORE_PAPERS.items():
        monkeypatch.setitem(PAPERS, key, value)


@dataclass(frozen=True)
class Case:
    """``blogtool stub IDS --date 2025-04-02 --draft draft.md`` on a copy of ``source``.

    The draft must then hold ``<name>.expected.md``, stderr must be ``<name>.stderr``
    (``{draft}`` stands for the draft's path) and the fake arXiv must have been asked for
    ``fetched`` (the IDs the draft does not already name).
    """

    name: str
    source: Path
    ids: tuple[str, ...]
    fetched: tuple[str, ...]
    layout: str | None  # the layout the draft has (None: none to infer)


CASES = [
    # the author's drafts: one new paper each, and papers already there in other forms
    Case(
        "diary",
        REAL / "diary.md",
        ("2305.18290", "2106.09685v2", "2503.10622"),
        ("2305.18290",),
        "diary",
    ),
    Case(
        "papers-read",
        REAL / "papers-read.md",
        ("2305.18290", "https://arxiv.org/pdf/2106.09685", "arXiv:2002.05202"),
        ("2305.18290",),
        "quotes",
    ),
    Case(
        "ai-research",
        REAL / "ai-research.md",
        ("2304.15004", "2306.02707", "2010.02193", "2305.18290"),
        ("2305.18290",),
        "links",
    ),
    # found by its title only: the metadata is needed to know it is there
    Case(
        "notes-unstructured",
        REAL / "notes-unstructured.md",
        ("2503.10622", "2305.18290"),
        ("2503.10622", "2305.18290"),
        "titles",
    ),
    Case("no-entries", REAL / "README.md", ("2305.18290",), ("2305.18290",), None),
    # one draft per remaining layout
    Case(
        "bullets",
        LAYOUT_DATA / "bullets.md",
        ("2305.18290", "1901.02860"),
        ("2305.18290",),
        "bullets",
    ),
    Case(
        "numbered",
        LAYOUT_DATA / "numbered.md",
        ("2305.18290", "1906.08237"),
        ("2305.18290",),
        "numbered",
    ),
    Case("table", LAYOUT_DATA / "table.md", ("2305.18290", "1908.10084"), ("2305.18290",), "table"),
    Case(
        "heading-links",
        LAYOUT_DATA / "heading-links.md",
        ("2305.18290", "1901.02860v3"),
        ("2305.18290",),
        "heading-links",
    ),
    Case(
        "headings",
        LAYOUT_DATA / "headings.md",
        ("2305.18290", "1502.03167"),
        ("2305.18290",),
        "headings",
    ),
    Case(
        "diary-newest-first",
        LAYOUT_DATA / "diary-newest-first.md",
        ("2305.18290", "1906.08237"),
        ("2305.18290",),
        "diary",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_golden(
    case: Case, arxiv: FakeArxiv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = case.source.read_bytes()
    draft = tmp_path / "draft.md"
    draft.write_bytes(before)
    layout = infer_layout(Document.from_text(before.decode("utf-8")))
    assert (layout.name if layout else None) == case.layout

    result = run(*case.ids, *DATE, "--draft", "draft.md")
    assert result.exit_code == 0, result.output
    after = draft.read_text(encoding="utf-8")
    assert after == (LAYOUT_DATA / f"{case.name}.expected.md").read_text(encoding="utf-8")
    assert result.stderr == (LAYOUT_DATA / f"{case.name}.stderr").read_text(encoding="utf-8")
    assert arxiv.requests == [list(case.fetched)]
    assert leftovers(tmp_path) == []

    # every line the author wrote is still there, in order
    kept = iter(after.split("\n"))
    assert all(any(line == new for new in kept) for line in before.decode().split("\n"))
    # no year section appears in a draft without them, and the layout stays the same
    new_doc = Document.from_text(after)
    if case.layout is not None:
        assert not any(s.title.strip().isdigit() for s in new_doc.sections)
        assert infer_layout(new_doc).name == case.layout
    # each paper is listed once
    listed = [e.key for e in entries(new_doc) if e.key]
    assert "2305.18290" in listed and len(listed) == len(set(listed))

    again = run(*case.ids, *DATE, "--draft", "draft.md")
    assert again.exit_code == 0, again.output
    assert draft.read_text(encoding="utf-8") == after
    assert "added" not in again.stderr
    assert len(arxiv.requests) == 1  # the metadata is cached


def test_a_crlf_quote_list_with_a_bom_keeps_its_bytes(arxiv: FakeArxiv, tmp_path: Path) -> None:
    text = (REAL / "papers-read.md").read_text(encoding="utf-8")
    draft = tmp_path / "draft.md"
    draft.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    raw = draft.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert raw.endswith(
        b"\r\n\r\n> [Direct Preference Optimization: Your Language Model is Secretly a Reward "
        b"Model](https://arxiv.org/abs/2305.18290)"
    )
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_layout_option_and_setting_override_the_inference(arxiv: FakeArxiv, tmp_path: Path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text((LAYOUT_DATA / "bullets.md").read_text(encoding="utf-8"), "utf-8")
    result = run("2305.18290", "--layout", "numbered", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    assert "\n1. [Direct Preference Optimization" in draft.read_text(encoding="utf-8")

    (tmp_path / "blogtool.toml").write_text('[stub]\nlayout = "table"\n', encoding="utf-8")
    draft.write_text("# Papers\n", encoding="utf-8")
    result = run("1706.03762", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    assert draft.read_text(encoding="utf-8") == (
        "# Papers\n\n| Paper |\n| --- |\n"
        "| [Attention Is All You Need](https://arxiv.org/abs/1706.03762) |\n"
    )


def test_an_unknown_layout_is_a_one_line_error_before_any_request(
    arxiv: FakeArxiv, tmp_path: Path
) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text("# Notes\n", encoding="utf-8")
    result = run("2305.18290", "--layout", "spiral", "--draft", str(draft))
    assert result.exit_code == 2
    assert result.stderr == (
        f"blogtool: error: --layout: unknown layout 'spiral' (known: {', '.join(LAYOUTS)})\n"
    )
    assert arxiv.requests == []
    (tmp_path / "blogtool.toml").write_text('[stub]\nlayout = "spiral"\n', encoding="utf-8")
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
    assert "blogtool.toml" in result.stderr and "unknown layout 'spiral'" in result.stderr


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("### 26th\n\n[{title}]({abs_url})\n", "a template for the diary layout must use {today}"),
        ("### {today}\n\n{title}\n", "has no link to the paper under its heading"),
        ("{today}: [{title}]({abs_url})\n", "must start with a heading"),
    ],
)
def test_a_template_unfit_for_its_layout_is_a_clear_error_before_any_request(
    arxiv: FakeArxiv, tmp_path: Path, template: str, message: str
) -> None:
    draft = tmp_path / "draft.md"
    before = (REAL / "diary.md").read_bytes()
    draft.write_bytes(before)
    (tmp_path / "diary.md").write_text(template, encoding="utf-8")
    (tmp_path / "blogtool.toml").write_text(
        '[stub]\ntemplates = { diary = "diary.md" }\n', encoding="utf-8"
    )
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert message in result.stderr and str(tmp_path / "diary.md") in result.stderr
    assert arxiv.requests == []
    assert draft.read_bytes() == before


def test_a_quote_template_given_for_a_table_is_refused(arxiv: FakeArxiv, tmp_path: Path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text((LAYOUT_DATA / "table.md").read_text(encoding="utf-8"), "utf-8")
    (tmp_path / "mine.md").write_text("> [{title}]({abs_url})\n", encoding="utf-8")
    result = run("2305.18290", "--template", str(tmp_path / "mine.md"), "--draft", str(draft))
    assert result.exit_code == 2
    assert "in the table layout's shape" in result.stderr
    assert arxiv.requests == []


def test_a_paper_in_another_draft_is_added_only_with_force(
    arxiv: FakeArxiv, tmp_path: Path
) -> None:
    for name in ("diary.md", "papers-read.md"):
        (tmp_path / name).write_bytes((REAL / name).read_bytes())
    diary = tmp_path / "diary.md"
    before = diary.read_bytes()
    result = run("2002.05202", "--draft", str(diary))
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"{diary}: 2002.05202 is already in {tmp_path / 'papers-read.md'}:70 "
        '("GLU Variants Improve Transformer"); not added (--force adds it here too)\n'
    )
    assert diary.read_bytes() == before and arxiv.requests == []

    result = run("2002.05202", "--force", *DATE, "--draft", str(diary))
    assert result.exit_code == 0, result.output
    assert "added 2002.05202" in result.stderr
    assert diary.read_text(encoding="utf-8").endswith(
        "### 2nd April\n\n[GLU Variants Improve Transformer](https://arxiv.org/abs/2002.05202)"
    )


def test_the_drafts_looked_at_come_from_the_search_setting(
    arxiv: FakeArxiv, tmp_path: Path
) -> None:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "old.md").write_text(
        "- [DPO](https://arxiv.org/abs/2305.18290)\n", encoding="utf-8"
    )
    draft = tmp_path / "drafts" / "new.md"
    draft.parent.mkdir()
    draft.write_text("- [LoRA](https://arxiv.org/abs/2106.09685)\n", encoding="utf-8")
    assert run("2305.18290", "--dry-run", "--draft", str(draft)).stdout  # not beside it
    (tmp_path / "blogtool.toml").write_text('[stub]\nsearch = ["posts"]\n', encoding="utf-8")
    result = run("2305.18290", "--draft", str(draft))
    assert result.exit_code == 0, result.output
    assert f"is already in {tmp_path / 'posts' / 'old.md'}:1" in result.stderr
    assert draft.read_text(encoding="utf-8") == "- [LoRA](https://arxiv.org/abs/2106.09685)\n"
