"""Work in progress versus what ships: TODO-type errors are warnings in drafts only."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.cli import main
from blogtool.config import Config
from blogtool.document import Document
from blogtool.engine import lint_text, make_plan
from blogtool.violation import Severity
from blogtool.wip import WIP_RULES, is_draft

POST = "# Post\n\nIntro.\n\n[ADD_IMAGE]\n\nSee [the docs]().\n\nSome $\\frac{a}{b$ math.\n"
PLAN = make_plan(Config(), select=["BT102", "BT201", "BT301"])


def severities(text: str, path: str, plan=PLAN) -> dict[str, Severity]:
    return {v.rule_id: v.severity for v in lint_text(text, path, plan).violations}


@pytest.mark.parametrize(
    ("path", "front_matter", "draft"),
    [
        ("_posts/2025-01-01-post.md", "", False),
        ("drafts/post.md", "", False),  # not a Jekyll convention: see the drafts setting
        ("_drafts/post.md", "", True),
        ("site/_drafts/deep/post.md", "", True),
        ("_posts/post.md", "---\ntitle: A\npublished: false\n---\n", True),
        ("_posts/post.md", "---\ntitle: A\npublished: true\n---\n", False),
        ("content/post.md", "---\ndraft: true  # not yet\n---\n", True),
        ("content/post.md", "+++\ntitle = 'A'\ndraft = true\n+++\n", True),
        ("content/post.md", "---\ndraft: false\n---\n", False),
        ("_posts/post.md", "Text.\n\npublished: false\n", False),  # not front matter
    ],
)
def test_what_is_a_draft(path: str, front_matter: str, draft: bool) -> None:
    assert is_draft(Document.from_text(front_matter + POST, path)) == draft


def test_globs_from_the_drafts_setting() -> None:
    doc = Document.from_text(POST, "blog/drafts/evolution.md")
    assert is_draft(doc, ["drafts/**"]) and is_draft(doc, ["*/evolution.md"])
    assert not is_draft(doc, ["_drafts/**", "posts/*"])


def test_in_a_draft_what_is_left_to_write_is_a_warning_and_what_is_broken_an_error() -> None:
    shipped = severities(POST, "_posts/post.md")
    assert shipped == {"BT102": Severity.ERROR, "BT201": Severity.ERROR, "BT301": Severity.ERROR}
    drafted = severities(POST, "_drafts/post.md")
    assert drafted == {
        "BT102": Severity.WARNING,
        "BT201": Severity.WARNING,
        "BT301": Severity.ERROR,  # broken math is broken in a draft too
    }
    assert {"BT101", "BT102", "BT107", "BT402"} <= WIP_RULES and "BT701" not in WIP_RULES


def test_a_rule_set_to_info_stays_info_in_a_draft() -> None:
    config = Config(rule_settings={"BT102": {"severity": "info"}})
    plan = make_plan(config, select=["BT102"])
    assert severities(POST, "_drafts/post.md", plan) == {"BT102": Severity.INFO}


def test_lint_exit_codes_for_a_draft_and_a_post(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "blogtool.toml").write_text('drafts = ["notes/**"]\n', encoding="utf-8")
    for folder in ("_posts", "_drafts", "notes"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "post.md").write_text(POST.replace("$\\frac{a}{b$", ""), "utf-8")

    def lint(path: str) -> int:
        return CliRunner().invoke(main, ["lint", "--select", "BT102,BT201", path]).exit_code

    assert (lint("_posts/post.md"), lint("_drafts/post.md"), lint("notes/post.md")) == (1, 0, 0)
