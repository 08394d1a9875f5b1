"""Structure and HTML rules beyond the fixtures: messages, helpers, pathological input."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogtool.config import Config, ConfigError
from blogtool.document import Document
from blogtool.engine import lint_text, make_plan
from blogtool.frontmatter import misplaced_front_matter
from blogtool.registry import load_registry
from blogtool.rules.structure import headings

REGISTRY = load_registry(entry_points=False)
FAMILY = ["BT401", "BT402", "BT403", "BT404", "BT405", "BT406", "BT407", "BT408"]
FAMILY += ["BT501", "BT502", "BT503", "BT504", "BT505", "BT101"]


def lint(text: str, select: list[str], **options: object) -> list[tuple[int, str, str]]:
    config = Config()
    config.rule_settings = {rid: dict(options) for rid in select} if options else {}
    plan = make_plan(config, select=select, registry=REGISTRY)
    result = lint_text(text, "post.md", plan)
    return [(v.line, v.rule_id, v.message) for v in result.violations]


def test_duplicates_name_the_first_occurrence() -> None:
    text = (
        "### Chinchilla\n\n[paper](https://arxiv.org/abs/2203.15556)\n\nText.\n\n"
        "### Training Compute-Optimal LLMs\n\n[paper](https://arxiv.org/abs/2203.15556v2)\n"
    )
    [(line, rule_id, message)] = lint(text, ["BT404"])
    assert (line, rule_id) == (7, "BT404")
    assert "2203.15556" in message and "line 1" in message


def test_year_order_names_the_neighbour_it_breaks() -> None:
    text = "## 2017\n\n## 2019\n\n## 2018\n\n## 2020\n"
    [(line, _, message)] = lint(text, ["BT408"])
    assert line == 5
    assert "follows 2019 (line 3)" in message and "ascending" in message


def test_year_order_rejects_an_unknown_direction() -> None:
    with pytest.raises(ConfigError, match="option 'direction' must be one of"):
        lint("## 2017\n", ["BT408"], direction="sideways")


def test_unclosed_summary_names_the_closing_tag() -> None:
    text = "<details>\n<summary>Quick Summary\n</details>\n"
    [(line, _, message)] = lint(text, ["BT501"])
    assert line == 2
    assert "<summary>" in message and "</details> on line 3" in message


def test_misplaced_front_matter_spans_its_fences() -> None:
    doc = Document.from_text("Intro.\n\n---\ntitle: Post\nlayout: post\n---\n\n## 2017\n")
    [block] = misplaced_front_matter(doc)
    assert (block.first_line, block.last_line) == (3, 6)
    assert doc.text[block.start : block.end].startswith("---\ntitle")
    assert doc.text[block.start : block.end].endswith("post\n---")
    # Markdown makes a setext heading of the YAML; structure rules do not see it.
    assert [h.section.title for h in headings(doc)] == ["2017"]


def test_a_post_with_front_matter_and_one_h1_is_clean() -> None:
    text = (
        "---\ntitle: The Evolution of Language Models\nlayout: post\n---\n\n"
        "# The Evolution of Language Models\n\nIntro.\n\n## 2017\n\n"
        "### Attention Is All You Need\n\n[paper](https://arxiv.org/abs/1706.03762)\n\n"
        "<details>\n<summary>Quick Summary</summary>\n\nThe Transformer.\n\n</details>\n\n"
        "#### Results\n\nBLEU 28.4.\n\n## 2018\n\n### BERT\n\n"
        "[paper](https://arxiv.org/abs/1810.04805)\n\nBERT pretrains an encoder.\n"
    )
    assert lint(text, FAMILY) == []


PATHOLOGICAL = {
    "hash lines": "#\n" * 5000,
    "details openers": "<details>" * 5000,
    "crossed tags": "<summary>" + "<details>" * 5000 + "</summary>" * 5000,
    "stray closers": "<details>" * 5000 + "</summary>" * 5000,
    "summary pairs": "<details><summary>a</summary>" * 3000,
    "comment openers": "<!--" * 5000,
    "dash lines": "---\n" * 5000,
    "yaml-ish blocks": "---\ntitle: x\n" * 3000,
    "many years": "".join(f"## {y}\n\n" for y in range(2099, 1899, -1)) * 2,
    "brackets": "[" * 10000,
    "one long line": "word " * 200_000,
    "fences": "```\n~~~\n" * 3000,
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_input_finishes(name: str) -> None:
    found = lint(PATHOLOGICAL[name], FAMILY)
    assert all(rule_id != "BT000" for _, rule_id, _ in found)


ROOT = Path(__file__).resolve().parents[2]
DRAFT = ROOT / "drafts" / "evolution.md"
PLANTED = ROOT / "tests" / "data" / "evolution_planted.tsv"


@pytest.mark.skipif(not (DRAFT.exists() and PLANTED.exists()), reason="sample draft missing")
def test_sample_draft_structure_problems_are_found_without_false_alarms() -> None:
    planted = set()
    for row in PLANTED.read_text(encoding="utf-8").splitlines():
        line, rule_id = row.split("\t")[:2]
        if rule_id in FAMILY:
            planted.add((int(line), rule_id))
    found = {(line, rule_id) for line, rule_id, _ in lint(DRAFT.read_text("utf-8"), FAMILY)}
    assert found == planted
