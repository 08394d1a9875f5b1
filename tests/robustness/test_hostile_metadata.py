"""arXiv metadata is text, never markup, and a stubbed draft keeps who it is.

The stub runs against an arXiv-shaped feed served on 127.0.0.1 whose titles, authors and
categories hold what an attacker (or an unlucky paper) would put there. The Hypothesis
property renders any such metadata through varied templates: the section it adds has the
template's structure and nothing more, and lint still reports what it reported before.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blogtool.arxiv_id import parse_arxiv_id
from blogtool.config import Config
from blogtool.document import COMMENT, HTML_RAW, HTML_TAG, Document
from blogtool.engine import lint_text, make_plan
from blogtool.net.arxiv import CACHE_NAMESPACE, Paper
from blogtool.net.cache import DiskCache
from blogtool.stub import PaperTemplate, StubRequest, StubSettings, plan_stubs, update_draft

from .hostile import answer_head, hostile_server, run_cli, send

DRAFT = """\
# Reading list

Intro with a TODO.

## 2023

### An older paper

[paper](https://arxiv.org/abs/2301.00001)

Notes on it, and an empty link [here]().
"""


def feed(
    title: str,
    *,
    authors: tuple[str, ...] = ("Ada Example",),
    category: str = "cs.LG",
    published: str = "2023-05-29",
    arxiv_id: str = "2305.18290v1",
) -> bytes:
    """An Atom feed of one entry, each value XML-escaped as arXiv would send it."""
    names = "".join(f"<author><name>{escape(name)}</name></author>" for name in authors)
    term = escape(category, {'"': "&quot;", "\n": "&#10;"})
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}</id>
    <updated>{published}T00:00:00Z</updated>
    <published>{published}T00:00:00Z</published>
    <title>{escape(title)}</title>
    <summary>An abstract.</summary>
    {names}
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{term}"/>
  </entry>
</feed>
""".encode()


def stub_with(tmp_path: Path, body: bytes, *args: str, template: str | None = None) -> tuple:
    """``blogtool stub ARGS 2305.18290`` into drafts/list.md, arXiv answering ``body``."""
    draft = tmp_path / "list.md"
    if not draft.exists():
        draft.write_text(DRAFT, encoding="utf-8")
    config = '[stub]\ndraft = "list.md"\n'
    if template is not None:
        (tmp_path / "paper.md").write_text(template, encoding="utf-8")
        config += 'template = "paper.md"\n'
    (tmp_path / "blogtool.toml").write_text(config, encoding="utf-8")
    head = answer_head("200 OK", len(body), Content_Type="application/atom+xml")
    with hostile_server(send(head, body)) as server:
        result = run_cli(
            ["stub", *args, "2305.18290"],
            tmp_path,
            BLOGTOOL_ARXIV_API_URL=server.url("/api"),
            BLOGTOOL_CACHE_DIR=str(tmp_path / "cache"),
        )
    return result, draft.read_text(encoding="utf-8")


# --- 10. metadata never becomes markup ----------------------------------------------------------


def test_a_title_cannot_switch_lint_off(tmp_path: Path) -> None:
    result, text = stub_with(tmp_path, feed("Clean <!-- blogtool-disable-file --> title"))
    assert result.returncode == 0, result.stderr
    assert "<!--" not in text.split("### An older paper")[0]
    lint = run_cli(["lint", "--ignore", "BT6", "list.md"], tmp_path)
    assert "All clean" not in lint.stdout
    assert "BT107" in lint.stdout and "BT201" in lint.stdout


def test_tags_and_links_in_a_title_are_text(tmp_path: Path) -> None:
    title = "Nice <script>alert(1)</script> [x](javascript:alert(1)) ![i](file:///etc/passwd)"
    result, text = stub_with(tmp_path, feed(title))
    assert result.returncode == 0, result.stderr
    doc = Document.from_text(text)
    assert _tags(doc) == ["<details>", "<summary>", "</summary>", "</details>"]  # the template's
    assert not [r for r in doc.regions if r.kind == HTML_RAW]
    assert all("javascript" not in link.target for link in doc.links)
    assert all("passwd" not in link.target for link in doc.links)
    assert "### Nice &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:alert(1))" in text


def test_a_category_with_line_breaks_adds_no_heading(tmp_path: Path) -> None:
    template = "### {title}\n\n[paper]({abs_url})\n\n{category}\n"
    result, text = stub_with(
        tmp_path, feed("A title", category="cs.LG\n## 2099\n### injected"), template=template
    )
    assert result.returncode == 0, result.stderr
    titles = [s.title for s in Document.from_text(text).sections]
    assert titles == ["Reading list", "2023", "An older paper", "A title"]
    assert "cs.LG \\#\\# 2099 \\#\\#\\# injected" in text


def test_cached_metadata_of_the_wrong_shape_is_asked_again(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "cache")
    good = Paper("2305.18290", 1, "T", ("A",), None, None, "", None, "", "").to_json()
    cache.put(CACHE_NAMESPACE, "2305.18290", {**good, "title": ["a", "list"]})
    cache.close()
    result, text = stub_with(tmp_path, feed("From the feed"))
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert "### From the feed" in text


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"arxiv_id": "2305.18290\n## x"}, "an ID with a line break"),
        ({"authors": "Ada"}, "authors as a string"),
        ({"version": True}, "a boolean version"),
        ({"published": "0999-01-01"}, "a date before arXiv"),
        ({"abs_url": "javascript:alert(1)"}, "a link that is not http"),
    ],
)
def test_a_cached_paper_is_checked_like_a_fresh_one(value: dict, reason: str) -> None:
    stored = Paper("2305.18290", 1, "T", ("A",), None, None, "", None, "", "").to_json()
    try:
        paper = Paper.from_json({**stored, **value})
    except (KeyError, TypeError, ValueError):
        return  # refused: the client asks arXiv again
    assert paper.published is None, reason
    assert paper.abs_url == "https://arxiv.org/abs/2305.18290v1", reason


# --- 22. small ones -------------------------------------------------------------------------


def test_a_year_before_1000_from_a_feed_adds_no_second_year(tmp_path: Path) -> None:
    result, text = stub_with(tmp_path, feed("Old paper", published="0999-05-29"))
    assert result.returncode == 0, result.stderr
    years = [s.title for s in Document.from_text(text).sections if s.level == 2]
    assert years == ["2023"]  # the year of the ID, 2305
    result, again = stub_with(tmp_path, feed("Old paper", published="0999-05-29"))
    assert again == text


def test_a_title_ending_in_a_hash_keeps_it(tmp_path: Path) -> None:
    result, text = stub_with(tmp_path, feed("Learning C #"))
    assert result.returncode == 0, result.stderr
    assert "Learning C #" in [s.title for s in Document.from_text(text).sections]


def test_a_draft_with_a_name_near_the_limit_can_be_stubbed(tmp_path: Path) -> None:
    name = "d" * 247 + ".md"
    (tmp_path / name).write_text(DRAFT, encoding="utf-8")
    (tmp_path / "blogtool.toml").write_text("", encoding="utf-8")
    head = answer_head("200 OK", len(feed("Long")), Content_Type="application/atom+xml")
    with hostile_server(send(head, feed("Long"))) as server:
        result = run_cli(
            ["stub", "--draft", name, "2305.18290"],
            tmp_path,
            BLOGTOOL_ARXIV_API_URL=server.url("/api"),
        )
    assert result.returncode == 0, result.stderr
    assert "### Long" in (tmp_path / name).read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blogtool.toml", name]


# --- 16, 17, 19. the draft keeps who it is ------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user takes root")
def test_stub_run_as_root_keeps_the_owner_of_the_draft(tmp_path: Path) -> None:
    draft = tmp_path / "list.md"
    draft.write_text(DRAFT, encoding="utf-8")
    os.chown(draft, 4321, 8765)
    os.chmod(draft, 0o640)
    result, text = stub_with(tmp_path, feed("Owned"))
    assert result.returncode == 0, result.stderr
    info = draft.stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (4321, 8765, 0o640)


def test_stub_keeps_the_other_names_of_a_draft(tmp_path: Path) -> None:
    draft = tmp_path / "list.md"
    draft.write_text(DRAFT, encoding="utf-8")
    other = tmp_path / "also-list.md"
    os.link(draft, other)
    result, text = stub_with(tmp_path, feed("Linked"))
    assert result.returncode == 0, result.stderr
    assert "### Linked" in other.read_text(encoding="utf-8")
    assert draft.stat().st_ino == other.stat().st_ino
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix not in (".toml",)) == [
        "also-list.md",
        "cache",
        "list.md",
    ]


_HOLD_THE_LOCK = """\
import sys, time
from pathlib import Path
from blogtool.stub import update_draft

def edit(text):
    print("holding", flush=True)
    time.sleep(600)

update_draft(Path(sys.argv[1]), edit)
"""


def test_sigterm_leaves_no_lock_and_no_temporary_file(tmp_path: Path) -> None:
    draft = tmp_path / "list.md"
    draft.write_text(DRAFT, encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_THE_LOCK, str(draft)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        holder.send_signal(signal.SIGTERM)
        assert holder.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        if holder.poll() is None:
            holder.kill()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.md"]
    assert draft.read_text(encoding="utf-8") == DRAFT
    paper = Paper("2305.18290", 1, "Next", (), date(2023, 5, 29), None, "", None, "", "")
    request = StubRequest(parse_arxiv_id("2305.18290"), paper)
    template = PaperTemplate("### {title}\n\n[paper]({abs_url})\n", "t")
    done = update_draft(draft, lambda text: plan_stubs(text, [request], template), lock_timeout=1)
    assert done.written


# --- the property: any metadata, any template -----------------------------------------------

FRAGMENTS = [
    "<!-- blogtool-disable-file -->",
    "<!--",
    "-->",
    "<script>x</script>",
    "<details>",
    "</summary>",
    "[x](javascript:alert(1))",
    "![i](file:///etc/passwd)",
    "<https://example.org>",
    "https://example.org/x",
    "www.example.org",
    "ada@example.org",
    "[^1]",
    "\n## 2099\n",
    "\n### injected\n",
    "\n",
    "\r\n",
    "\u2028",
    "\x1b[31m",
    "# ",
    " #",
    "#",
    "---",
    "===",
    "- ",
    "+ ",
    "* ",
    "1. ",
    "2) ",
    "> ",
    "    ",
    "```",
    "~~~",
    "`",
    "$$",
    "$x$",
    "\\(",
    "\\[",
    "\\",
    "|",
    "&amp;",
    "&lt;",
    "{title}",
    "{{",
    "*em*",
    "_em_",
    "TODO",
]
METADATA = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=8).map("".join)

TEMPLATE_LINES = [
    "{authors}",
    "*{authors_short}*, {year}",
    "> {abstract}",
    "- {category}",
    "1. {first_author}",
    "{category}",
    "Tags: {category}",
    "**{title}**",
    "`{category}`",
    "[{title}]({abs_url})",
    "<!-- {title} -->",
    "| {title} | {category} |\n|---|---|\n| {authors} | {year} |",
    "<details>\n<summary>{title}</summary>\n\n{abstract}\n\n</details>",
    "<details>\n<summary>Quick Summary</summary>\n\n</details>",
]
TEMPLATES = st.builds(
    lambda heading, lines: f"{heading}\n\n[paper]({{abs_url}})\n\n" + "\n\n".join(lines) + "\n",
    st.sampled_from(["### {title}", "### {first_author}: {title}", "### {title} ({category})"]),
    st.lists(st.sampled_from(TEMPLATE_LINES), max_size=4),
)
PLAN = make_plan(Config(), ignore=["BT6"])
PROPERTY = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _tags(doc: Document) -> list[str]:
    """The HTML tags of a draft (entities such as ``&lt;`` are marked as HTML too)."""
    return [
        doc.text[r.start : r.end]
        for r in doc.regions
        if r.kind in (HTML_TAG, HTML_RAW) and doc.text.startswith("<", r.start)
    ]


def _shape(text: str) -> tuple:
    """What a draft is made of: headings, comments, HTML tags, links and images."""
    doc = Document.from_text(text)
    return (
        [section.level for section in doc.sections],
        len(doc.comments),
        sum(1 for region in doc.regions if region.kind == COMMENT),
        _tags(doc),
        len([link for link in doc.links if not link.is_image]),
        len([link for link in doc.links if link.is_image]),
    )


def _stubbed(template: str, title: str, author: str, category: str, abstract: str) -> str:
    when = date(2023, 5, 29)
    paper = Paper("2305.18290", 1, title or "T", (author,), when, when, abstract, category, "", "")
    request = StubRequest(parse_arxiv_id("2305.18290"), paper)
    return plan_stubs(DRAFT, [request], PaperTemplate(template, "t"), StubSettings()).text


@PROPERTY
@given(TEMPLATES, METADATA, METADATA, METADATA, METADATA)
def test_any_metadata_in_any_template_adds_one_section_and_nothing_else(
    template: str, title: str, author: str, category: str, abstract: str
) -> None:
    plain = _stubbed(template, "Title", "Author", "cs.LG", "Abstract")
    hostile = _stubbed(template, title, author, category, abstract)
    assert _shape(hostile) == _shape(plain)
    before = Counter(v.rule_id for v in lint_text(DRAFT, "d.md", PLAN).violations)
    after = Counter(v.rule_id for v in lint_text(hostile, "d.md", PLAN).violations)
    assert all(after[rule] >= count for rule, count in before.items()), (before, after)


# --- 6. stub is linear in the draft ---------------------------------------------------------


class _CountingList(list):
    """A list that counts the items handed out by iterating it."""

    visits = 0

    def __iter__(self):  # noqa: ANN204
        for item in super().__iter__():
            self.visits += 1
            yield item


def test_finding_paper_sections_reads_each_link_a_bounded_number_of_times() -> None:
    from blogtool.stub import find_paper_section

    sections = 400
    text = "# Papers\n\n## 2023\n" + "".join(
        f"\n### Paper {i}\n\n[paper](https://arxiv.org/abs/2301.{i + 1:05d})\n\n"
        f"A [note](https://example.org/{i}).\n"
        for i in range(sections)
    )
    doc = Document.from_text(text)
    doc.links = _CountingList(doc.links)
    assert find_paper_section(doc, parse_arxiv_id("2301.00400"), 3) is not None
    # Every section scanning every link cost sections * links = 320,000 visits.
    assert doc.links.visits <= 4 * len(doc.links)


def test_a_lock_path_that_is_a_directory_stops_stub_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "list.md.lock").mkdir()
    result, text = stub_with(tmp_path, feed("Locked out"))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"blogtool: error: the lock file {tmp_path / 'list.md.lock'} is a directory; "
        "remove it; nothing written"
    )
    assert text == DRAFT


LAYOUT_DRAFTS = sorted(
    path
    for path in (Path(__file__).parent.parent / "data" / "stub_layouts").glob("*.md")
    if not path.name.endswith(".expected.md")
)


def _stubbed_in(draft: str, title: str, author: str) -> str:
    from blogtool.stub import Templates

    when = date(2023, 5, 29)
    paper = Paper("2305.18290", 1, title or "T", (author,), when, when, "", None, "", "")
    request = StubRequest(parse_arxiv_id("2305.18290"), paper)
    return plan_stubs(draft, [request], Templates(), today=when).text


@PROPERTY
@given(st.sampled_from(LAYOUT_DRAFTS), METADATA, METADATA)
def test_any_metadata_in_any_layout_adds_one_entry_and_nothing_else(
    path: Path, title: str, author: str
) -> None:
    """The built-in template of each layout (bullets, quotes, a table, titles on their own
    line ...) in a draft of that layout: the entry has the shape a plain title gives it."""
    draft = path.read_text(encoding="utf-8")
    assert _shape(_stubbed_in(draft, title, author)) == _shape(_stubbed_in(draft, "Title", "A"))
