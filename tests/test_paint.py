"""One way to colour: the CLI hands click.style to the formatters, which never import click
(tests/test_layering.py keeps click at the edge).

The escapes are pinned byte for byte: they are what the hand-written painters printed
before, and what a terminal user's scripts and eyes are used to.
"""

from __future__ import annotations

import click

from blogtool import formatters
from blogtool.engine import FileResult
from blogtool.report import Coverage, DraftReport, Report
from blogtool.report.render import render_text
from blogtool.violation import Severity, Violation


def test_lint_text_is_painted_as_before() -> None:
    results = [
        FileResult(
            "post.md",
            [
                Violation("post.md", 3, 1, "BT101", "empty", rule_name="empty-quick-summary"),
                Violation("post.md", 5, 2, "BT301", "odd", Severity.WARNING, rule_name="x"),
            ],
        )
    ]
    out = formatters.render("text", results, None, paint=click.style)
    assert out.splitlines()[:2] == [
        "\x1b[1mpost.md:3:1:\x1b[0m \x1b[31mBT101\x1b[0m empty [empty-quick-summary]",
        "\x1b[1mpost.md:5:2:\x1b[0m \x1b[33mBT301\x1b[0m odd [x] (warning)",
    ]
    assert "\x1b" not in formatters.render("text", results, None)


def test_report_text_is_painted_as_before() -> None:
    draft = DraftReport("a.md", "paper", Coverage(1, 4), years=(), sections=())
    out = render_text(Report((draft,)), paint=click.style, unicode=False)
    bar = "[\x1b[31m######\x1b[0m\x1b[2m" + "-" * 18 + "\x1b[0m]"
    assert out.splitlines()[0].startswith(f"\x1b[1ma.md\x1b[0m  {bar} ")
    assert "\x1b" not in render_text(Report((draft,)), unicode=False)
