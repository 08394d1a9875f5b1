"""Link collection and the checks that need no network, and the link rules fed with findings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from blogtool.cli import show_progress
from blogtool.config import Config
from blogtool.document import Document
from blogtool.engine import lint_text, make_plan
from blogtool.linkscan import (
    LinkFindings,
    SiteRoot,
    Target,
    anchor_checks,
    anchors,
    classify,
    collect_remote,
    file_checks,
    kramdown_slug,
    remote_problem,
)
from blogtool.net.linkcheck import LinkResult, LinkStatus
from blogtool.registry import load_registry


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://arxiv.org/abs/1706.03762", Target("remote", "https://arxiv.org/abs/1706.03762")),
        ("HTTP://Example.com", Target("remote", "HTTP://Example.com")),
        ("www.example.com/a", Target("remote", "http://www.example.com/a")),
        ("//cdn.example.com/x.js", Target("remote", "https://cdn.example.com/x.js")),
        ("#results", Target("anchor", "results")),
        ("#caf%C3%A9", Target("anchor", "café")),
        ("#", Target("anchor", "")),
        ("images/my%20fig.png", Target("file", "images/my fig.png")),
        ("../notes.md#setup", Target("file", "../notes.md")),
        ("/assets/x.pdf?raw=true", Target("file", "/assets/x.pdf")),
        ("mailto:me@example.com", Target("skip")),
        ("tel:+123", Target("skip")),
        ("ftp://example.com/file", Target("skip")),
        ("javascript:void(0)", Target("skip")),
        ("%7B%7B%20site.baseurl%20%7D%7D/a.png", Target("skip")),
        ("?page=2", Target("skip")),
        ("", Target("skip")),
    ],
)
def test_classify(target: str, expected: Target) -> None:
    assert classify(target) == expected


def test_collect_remote_gives_each_url_once_with_every_occurrence() -> None:
    first = Document.from_text(
        "# A\n\n[x](https://e.com/a) and https://e.com/b\n\n[again](https://e.com/a)\n", "a.md"
    )
    second = Document.from_text(
        "Mail [me](mailto:a@b.c), see <https://e.com/a>.\n\n`https://e.com/code`\n", "b.md"
    )

    found = collect_remote([first, second])

    assert list(found) == ["https://e.com/a", "https://e.com/b"]
    assert [str(o) for o in found["https://e.com/a"]] == ["a.md:3:1", "a.md:5:1", "b.md:1:30"]
    assert [str(o) for o in found["https://e.com/b"]] == ["a.md:3:26"]


def test_kramdown_slug_drops_leading_digits_and_non_ascii() -> None:
    assert kramdown_slug("1. Introduction") == "introduction"
    assert kramdown_slug("GPT-2 vs. GPT-3") == "gpt-2-vs-gpt-3"
    assert kramdown_slug("Café au lait") == "caf-au-lait"
    assert kramdown_slug("2024") == "section"


def test_anchors_cover_headings_html_ids_attribute_lists_and_footnotes() -> None:
    doc = Document.from_text(
        "# 1. Intro\n\n## Setup\n\n## Setup\n\n"
        "<a name=\"old\"></a> <span id='single'>x</span>\n\n"
        "## Custom {#mine}\n\nText.[^note]\n\n[^note]: A note.\n\n"
        '```\n<a id="in-code"></a>\n```\n',
        "a.md",
    )

    found = anchors(doc)

    assert {"1-intro", "intro", "setup", "setup-1", "old", "single", "mine"} <= found
    assert {"fn:note", "fnref:note"} <= found
    assert "in-code" not in found
    assert "setup-2" not in found


def test_anchor_checks_suggest_the_closest_id() -> None:
    doc = Document.from_text("[a](#Results) [b](#reslts) [c](#zzz) [d](#results)\n\n## Results\n")

    problems = [c.problem for c in anchor_checks(doc)]

    assert problems[0].endswith("did you mean #results?")
    assert problems[1].endswith("did you mean #results?")
    assert problems[2] == "no heading or anchor #zzz in this document"
    assert problems[3] == ""


def _draft(root: Path, text: str, name: str = "drafts/post.md") -> Document:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return Document.from_text(text, str(path))


def test_relative_files_resolve_against_the_draft(tmp_path: Path) -> None:
    (tmp_path / "drafts" / "images").mkdir(parents=True)
    (tmp_path / "drafts" / "images" / "my fig.png").write_bytes(b"")
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    doc = _draft(
        tmp_path,
        "![a](images/my%20fig.png) ![b](<images/my fig.png>) [c](../notes.md#x) "
        "![d](images/nope.png) [e](../drafts/images)\n",
    )

    checks = file_checks(doc)

    assert [(c.target, bool(c.problem)) for c in checks] == [
        ("images/my%20fig.png", False),
        ("images/my%20fig.png", False),
        ("../notes.md#x", False),
        ("images/nope.png", True),
        ("../drafts/images", False),
    ]
    missing = checks[3]
    assert missing.problem == (
        f"image images/nope.png not found: no file {tmp_path / 'drafts/images/nope.png'}"
    )
    assert (missing.rule_id, missing.path) == ("BT704", doc.path)


def test_links_written_in_html_are_checked_like_markdown_links(tmp_path: Path) -> None:
    (tmp_path / "drafts" / "fig.png").parent.mkdir(parents=True)
    (tmp_path / "drafts" / "fig.png").write_bytes(b"")
    doc = _draft(
        tmp_path,
        "<figure><img src=\"fig.png\"><img src='gone.png'></figure>\n\n"
        '<video poster="poster.png"><source src="clip.mp4"></video>\n\n'
        '| <a href="https://example.com/a?x=1&amp;y=2">x</a> |\n|---|\n',
    )

    assert [(c.target, bool(c.problem)) for c in file_checks(doc)] == [
        ("fig.png", False),
        ("gone.png", True),
        ("poster.png", True),
        ("clip.mp4", True),
    ]
    assert list(collect_remote([doc])) == ["https://example.com/a?x=1&y=2"]
    gone = file_checks(doc)[1]
    assert doc.text[gone.start : gone.end] == "gone.png"


def test_site_absolute_links_need_the_site_folder_unless_configured(tmp_path: Path) -> None:
    doc = _draft(tmp_path, "![a](/assets/a.png) ![b](/img/b.png) [c](/about/) [d](/2024/p.html)\n")
    (tmp_path / "assets").mkdir()

    implicit = file_checks(doc, SiteRoot(tmp_path))
    explicit = file_checks(doc, SiteRoot(tmp_path, explicit=True))

    assert [(c.target, bool(c.problem)) for c in implicit] == [("/assets/a.png", True)]
    assert [(c.target, bool(c.problem)) for c in explicit] == [
        ("/assets/a.png", True),
        ("/img/b.png", True),
    ]
    assert file_checks(doc, None) == []


def test_a_name_in_the_wrong_case_is_missing_even_where_the_disk_forgives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "drafts" / "images").mkdir(parents=True)
    (tmp_path / "drafts" / "images" / "Fig.png").write_bytes(b"")
    doc = _draft(tmp_path, "![a](images/fig.png) ![b](images/Fig.png)\n")
    monkeypatch.setattr(Path, "exists", lambda self: True)  # as on macOS or Windows

    wrong, right = file_checks(doc)

    assert "is spelled Fig.png on disk" in wrong.problem
    assert right.problem == ""


def test_remote_problem_messages() -> None:
    dead = LinkResult("u", LinkStatus.DEAD, code=404, message="HTTP 404 Not Found")
    moved = LinkResult("u", LinkStatus.REDIRECT, code=200, moved_to="https://new", final_url="x")
    slow = LinkResult("u", LinkStatus.TIMEOUT, message="no response within 1s")

    assert remote_problem("u", dead) == ("BT701", "dead link u: HTTP 404 Not Found")
    assert remote_problem("u", moved) == (
        "BT702",
        "u has moved permanently to https://new: link the new address",
    )
    assert remote_problem("u", slow) == ("BT701", "link timed out u: no response within 1s")
    for status in (LinkStatus.OK, LinkStatus.OFFLINE, LinkStatus.EXCLUDED):
        assert remote_problem("u", LinkResult("u", status)) is None


def test_link_rules_read_findings_from_the_plan() -> None:
    text = "# T\n\nSee [old](https://e.com/old) and\n[gone](https://e.com/gone).\n"
    plan = make_plan(Config(), select=["BT701", "BT702", "BT704"], network=True)
    assert lint_text(text, "a.md", plan).violations == []  # nothing checked, nothing found

    plan.links = LinkFindings(
        remote={
            "https://e.com/old": LinkResult(
                "https://e.com/old",
                LinkStatus.REDIRECT,
                200,
                "https://e.com/new",
                "https://e.com/new",
            ),
            "https://e.com/gone": LinkResult(
                "https://e.com/gone", LinkStatus.DEAD, 410, message="HTTP 410 Gone"
            ),
        }
    )
    found = [
        (v.line, v.col, v.rule_id, str(v.severity))
        for v in lint_text(text, "a.md", plan).violations
    ]

    assert found == [(3, 5, "BT702", "warning"), (4, 1, "BT701", "error")]


def test_network_rules_run_only_when_links_are_checked() -> None:
    registry = load_registry(entry_points=False)
    network = {r.id for r in registry if r.network}
    assert {"BT701", "BT702", "BT704"} <= network
    assert registry.get("BT703") is not None and not registry.get("BT703").network

    plain = {a.rule.id for a in make_plan(Config(), registry=registry).rules}
    checked = {a.rule.id for a in make_plan(Config(), network=True, registry=registry).rules}
    assert "BT703" in plain and not plain & {"BT701", "BT702", "BT704"}
    assert {"BT701", "BT702", "BT703", "BT704"} <= checked


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("quiet", "environ", "tty", "shown"),
    [
        (False, {}, True, True),
        (True, {}, True, False),
        (False, {"CI": "true"}, True, False),
        (False, {"CI": "1"}, True, False),
        (False, {"CI": "false"}, True, True),
        (False, {}, False, False),
    ],
)
def test_progress_only_for_a_person_at_a_terminal(
    quiet: bool, environ: dict[str, str], tty: bool, shown: bool
) -> None:
    assert show_progress(quiet, environ, _Stream(tty)) is shown
