"""Configuration is validated in one place (registry.Option.validate, used by
engine.select_rules), and project-wide settings reach every rule that takes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.cli import main
from blogtool.config import ConfigError, load_config
from blogtool.engine import make_plan
from blogtool.registry import Option, load_registry

# --- Option.validate -----------------------------------------------------------------------------


def test_option_validate_returns_a_good_value() -> None:
    assert Option(3, int).validate(2, "x") == 2
    assert Option("auto", str, choices=("auto", "up")).validate("up", "x") == "up"
    assert Option([], list).validate(["a"], "x") == ["a"]
    assert Option(False, bool).validate(True, "x") is True


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        (Option(3, int), "3", "where has the wrong type (str)"),
        (Option(3, int), True, "where has the wrong type (bool)"),  # a flag is not a number
        (Option(False, bool), 1, "where has the wrong type (int)"),  # nor a number a flag
        (Option([], list), "a", "where has the wrong type (str)"),
        (
            Option("auto", str, choices=("auto", "up")),
            "down",
            "where must be one of 'auto', 'up', not 'down'",
        ),
    ],
)
def test_option_validate_rejects_a_bad_value_in_one_line(
    option: Option, value: object, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        option.validate(value, "where")
    assert str(caught.value) == message


def test_a_bad_rule_option_names_the_file_line_rule_and_option(tmp_path: Path) -> None:
    config = tmp_path / "blogtool.toml"
    config.write_text('[rules.BT408]\ndirection = "sideways"\n', encoding="utf-8")
    (tmp_path / "a.md").write_text("# T\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--config", str(config), str(tmp_path / "a.md")])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"blogtool: error: {config}:2: BT408 option 'direction' must be one of 'auto', "
        "'ascending', 'descending', not 'sideways'"
    )


# --- paper_heading_level reaches every rule with a paper_level -----------------------------------


def _plan_levels(tmp_path: Path, text: str) -> dict[str, int]:
    config = tmp_path / "blogtool.toml"
    config.write_text(text, encoding="utf-8")
    plan = make_plan(load_config(config))
    return {a.rule.id: a.options["paper_level"] for a in plan.rules if "paper_level" in a.options}


def test_paper_heading_level_reaches_every_rule_that_has_a_paper_level(tmp_path: Path) -> None:
    takers = {r.id for r in load_registry() if "paper_level" in r.options}
    assert {"BT207", "BT402", "BT403", "BT404"} <= takers
    assert _plan_levels(tmp_path, "paper_heading_level = 2\n") == dict.fromkeys(takers, 2)


def test_a_rules_own_paper_level_wins_over_the_global_one(tmp_path: Path) -> None:
    levels = _plan_levels(tmp_path, "paper_heading_level = 2\n[rules.BT404]\npaper_level = 0\n")
    assert levels["BT404"] == 0 and levels["BT402"] == 2


def test_without_the_global_setting_rules_keep_their_own_defaults(tmp_path: Path) -> None:
    defaults = {
        r.id: r.options["paper_level"].default
        for r in load_registry()
        if "paper_level" in r.options
    }
    assert _plan_levels(tmp_path, "flavor = 'gfm'\n") == defaults


DUPLICATES = """\
# Part one

## Attention

[arXiv](https://arxiv.org/abs/1706.03762)

Notes.

# Part two

## Attention

[arXiv](https://arxiv.org/abs/2305.18290)

More notes.
"""


def test_lint_with_paper_heading_level_2_compares_level_2_paper_titles(tmp_path: Path) -> None:
    (tmp_path / "d.md").write_text(DUPLICATES, encoding="utf-8")
    config = tmp_path / "blogtool.toml"
    config.write_text("paper_heading_level = 2\n", encoding="utf-8")
    args = ["lint", "--select", "BT403", str(tmp_path / "d.md")]
    result = CliRunner().invoke(main, [*args, "--config", str(config)])
    assert "d.md:11:1: BT403 section 'Attention' repeats the one on line 3" in result.output
    # ... which it does not at the default level 3: the two sections are not siblings
    config.write_text("flavor = 'gfm'\n", encoding="utf-8")
    assert "BT403" not in CliRunner().invoke(main, [*args, "--config", str(config)]).output


STUBS = """\
# Notes

## [Attention](https://arxiv.org/abs/1706.03762)

The Transformer drops recurrence.

### DPO

**Paper:** [arXiv](https://arxiv.org/abs/2305.18290)

## Adam

**Paper:** [arXiv](https://arxiv.org/abs/1412.6980)
"""


def test_report_and_lint_see_paper_stubs_at_the_configured_level(tmp_path: Path) -> None:
    """With papers at ## by config, the ### stub is not a paper section to BT402: lint and
    report agree, and only the ## stub is a TODO."""
    draft = tmp_path / "d.md"
    draft.write_text(STUBS, encoding="utf-8")
    config = tmp_path / "blogtool.toml"
    config.write_text("paper_heading_level = 2\n", encoding="utf-8")
    linted = CliRunner().invoke(main, ["lint", "--select", "BT402", str(draft), "-q"])
    assert [line.split(": ")[0] for line in linted.output.splitlines()] == [f"{draft}:11:1"]
    reported = CliRunner().invoke(main, ["report", "--format", "json", str(draft)])
    (data,) = json.loads(reported.output)["drafts"]
    stubs = [
        line
        for section in data["sections"]
        for todo in section["todos"]
        if todo["rule"] == "BT402"
        for line in todo["lines"]
    ]
    assert stubs == [11]
