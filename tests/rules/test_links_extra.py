"""Link rules beyond the fixtures: messages, a realistic draft, pathological input."""

from __future__ import annotations

import pytest

from blogtool.config import Config
from blogtool.engine import lint_text, make_plan
from blogtool.registry import load_registry

REGISTRY = load_registry(entry_points=False)
LINK_RULES = ["BT201", "BT202", "BT203", "BT204", "BT205", "BT206", "BT207"]


def lint(text: str, rules: list[str] = LINK_RULES, options: dict | None = None):
    config = Config()
    config.rule_settings = {rid: dict(options) for rid in rules} if options else {}
    plan = make_plan(config, select=rules, registry=REGISTRY)
    return lint_text(text, "draft.md", plan).violations


REALISTIC = """\
---
title: "DPO, explained"
---

# Direct Preference Optimization

## 2023

### Direct Preference Optimization: Your Language Model is Secretly a Reward Model

[paper](https://arxiv.org/abs/2305.18290) | [code](https://github.com/eric-mitchell/direct-preference-optimization)

<details>
<summary>Quick Summary</summary>

DPO trains the policy on preference pairs directly (see Figure 2), with no reward model.

</details>

The loss compares log-ratios against a reference policy (see [the derivation](#the-loss)
and [RLHF][instructgpt]); in practice $\\beta$ (around 0.1) matters more than anything else.
The authors report results on Anthropic HH (arXiv:2204.05862) and TL;DR summarization [1].
See the [appendix](/assets/dpo-appendix.pdf "Appendix") or write to [me](mailto:me@example.com).

![The DPO pipeline](/assets/images/dpo.png)

Tokens such as [CLS] and [SEP], citations [2][3], and an index `logits[i][j]` are not links.
Autolinks like <https://huggingface.co/docs/trl> are fine, and so is
[https://arxiv.org/abs/2305.18290](https://arxiv.org/abs/2305.18290).

```python
url = "https://arxiv.org/abs/2001.083613"  # not checked: code
```

<!-- TODO: link [the code]() once it is public -->

[instructgpt]: https://arxiv.org/abs/2203.02155
"""


def test_realistic_draft_has_no_false_alarms() -> None:
    assert [(v.line, v.rule_id, v.message) for v in lint(REALISTIC)] == []


def test_timeline_message_names_the_month_year_and_section() -> None:
    text = "## 2025\n\n### Paper\n\n[paper](https://arxiv.org/abs/2410.12345v3)\n"
    (found,) = lint(text, ["BT207"])
    assert found.message == (
        "paper 2410.12345 is from October 2024 but sits under ## 2025: move it or fix the link"
    )
    assert (found.line, found.col, found.end_col) == (5, 1, 44)


def test_timeline_tolerance_reaches_both_ways() -> None:
    text = (
        "## 2025\n\n### Early\n\n[p](https://arxiv.org/abs/2411.12345)\n\n"
        "### Late\n\n[p](https://arxiv.org/abs/2602.12345)\n\n"
        "### Too late\n\n[p](https://arxiv.org/abs/2603.12345)\n"
    )
    found = lint(text, ["BT207"], {"tolerance_months": 2})
    assert [v.line for v in found] == [13]


def test_invalid_arxiv_id_reports_the_reason_at_the_id() -> None:
    (found,) = lint("See [it](https://arxiv.org/abs/2001.083613).\n", ["BT206"])
    assert (found.col, found.end_col) == (32, 43)
    assert "2001.083613" in found.message
    assert "too many digits" in found.message


def test_undefined_reference_message_suggests_the_definition() -> None:
    (found,) = lint("[The paper][dpo-paper] says so.\n", ["BT203"])
    assert "[dpo-paper]: https://" in found.message


def test_bare_url_message_suggests_angle_brackets() -> None:
    plan = make_plan(Config(flavor="kramdown"), select=["BT205"], registry=REGISTRY)
    (found,) = lint_text("Code: https://github.com/x/y.\n", "draft.md", plan).violations
    assert found.severity.name == "WARNING"
    assert "<https://github.com/x/y>" in found.message
    assert "kramdown does not link bare URLs" in found.message


@pytest.mark.parametrize(
    ("flavor", "text", "why"),
    [
        ("goldmark", 'Code: "www.github.com/x/y".\n', "it follows '\"'"),
        ("gfm", "<div>\nCode: www.github.com/x/y.\n</div>\n", "inside an HTML block"),
    ],
)
def test_bare_url_message_says_why_the_renderer_leaves_it(flavor: str, text: str, why: str) -> None:
    plan = make_plan(Config(flavor=flavor), select=["BT205"], registry=REGISTRY)
    (found,) = lint_text(text, "draft.md", plan).violations
    assert why in found.message and "<https://www.github.com/x/y>" in found.message


def test_bare_url_bracket_scan_stays_in_its_paragraph() -> None:
    text = "An open [bracket.\n\nSee https://example.com/after.\n" + "[" * 30_000 + "\n"
    text += "\n" + "x " * 15_000 + "https://example.com/far\n"
    plan = make_plan(Config(flavor="goldmark"), select=["BT205"], registry=REGISTRY)
    assert lint_text(text, "draft.md", plan).violations == []


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10000,
        "](" * 50000,
        "[a](" + "b " * 50000,
        "[x](" * 5000,
        "[x][" * 5000,
        "[a](" + "(" * 50000,
        "![" * 5000 + "](a b)",
        "arXiv:" * 20000,
        "https://arxiv.org/abs/" * 10000,
        "arxiv.org/abs/2305." + "1" * 100000,
        ("x " * 500 + "\n") * 2000,
    ],
    ids=lambda t: repr(t[:12]),
)
def test_pathological_input_finishes(text: str) -> None:
    for violation in lint(text):
        assert violation.rule_id in LINK_RULES


def test_a_bare_url_in_a_jsx_block_is_a_link_in_mdx_but_not_in_gfm_markdown() -> None:
    plan = make_plan(Config(), select=["BT205"])
    text = "<Tip>\nSee https://example.com/x for more.\n</Tip>\n"
    in_md = lint_text(text, "post.md", plan, flavor="gfm").violations
    in_mdx = lint_text(text, "post.mdx", plan, flavor="gfm").violations
    assert [(v.rule_id, v.line, v.col) for v in in_md] == [("BT205", 2, 5)]
    assert in_mdx == []
