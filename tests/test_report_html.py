"""blogtool report --format html: escaping, links, and the page in a real headless Chromium."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from blogtool.commands.report import report

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "drafts" / "evolution.md"
CHROMIUM = Path("/usr/bin/chromium")

EVIL = """# Post

## 2020

### <script>document.title='pwned'</script> & <b>bold</b>

[paper](https://arxiv.org/abs/2001.08361)

Text with [TBD] and {add the <img src=x onerror="document.title='pwned'"> plot}.

### Done

[paper](https://arxiv.org/abs/2001.08362)

Finished.
"""


def make_page(tmp_path: Path, draft_text: str | None = None) -> tuple[Path, Path]:
    """Write the report of one draft (the sample unless given) to out/report.html."""
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    draft = drafts / "draft.md"
    draft.write_text(draft_text or SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    result = CliRunner().invoke(
        report, [str(draft), "--format", "html", "-o", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return draft, out


def test_headings_and_messages_from_a_draft_stay_text(tmp_path: Path) -> None:
    _, out = make_page(tmp_path, EVIL)
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "<img" not in page.lower() and "<b>" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=" in page
    assert "<title>TODO coverage: 50% (1/2)</title>" in page


def test_page_is_self_contained_and_links_to_draft_lines(tmp_path: Path) -> None:
    _, out = make_page(tmp_path)
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing to fetch
    assert "<link " not in page and "@import" not in page
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert "../drafts/draft.md" in hrefs  # relative to the report file
    assert "../drafts/draft.md#L254" in hrefs  # the [ADD_IMAGE_OF_BERT] placeholder
    # one bar per year section plus the whole draft
    years = re.findall(r"^## ((?:19|20)\d\d)$", SAMPLE.read_text(encoding="utf-8"), re.M)
    assert len(re.findall(r'<rect class="bar ', page)) == len(years) + 1
    assert page.count('<tr class="todo"') > 10


def test_links_are_percent_encoded(tmp_path: Path) -> None:
    from blogtool.config import Config
    from blogtool.report import build_report
    from blogtool.report.render import render_html

    draft = tmp_path / "a draft #1.md"
    draft.write_text("# T\n\nText [TBD]\n", encoding="utf-8")
    page = render_html(build_report([str(draft)], Config()), link_base=tmp_path)
    assert 'href="a%20draft%20%231.md#L3"' in page
    assert html.escape(str(draft)) in page


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1200,1600",
        *args,
    ]
    # The timeout only guards against a hung browser; nothing here measures time.
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)
def test_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    draft_text = EVIL + "\n" + SAMPLE.read_text(encoding="utf-8").split("\n", 1)[1]
    _, out = make_page(tmp_path, draft_text)
    png = tmp_path / "report.png"
    shot = chromium(tmp_path, f"--screenshot={png}", out.as_uri())
    assert png.exists(), shot.stderr[-2000:]
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 40_000  # a blank 1200x1600 page compresses to a few KB

    dom = chromium(tmp_path, "--dump-dom", out.as_uri()).stdout
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title and title.group(1).startswith("TODO coverage: "), dom[:500]
    assert "pwned" not in title.group(1)
    assert len(re.findall(r'<rect class="bar ', dom)) >= 2
    assert len(re.findall(r'<tr class="todo"', dom)) > 10
    assert "&lt;script&gt;document.title" in dom  # shown as text
