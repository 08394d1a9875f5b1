"""BT702's fix: a permanently moved URL becomes its new address, from the link results only."""

from __future__ import annotations

import pytest

from blogtool.config import config_from_table
from blogtool.engine import lint_document, make_plan
from blogtool.fixes import fix_text
from blogtool.linkscan import LinkFindings
from blogtool.net.linkcheck import LinkResult, LinkStatus
from blogtool.registry import load_registry

OLD = "http://arxiv.org/abs/1706.03762"
NEW = "https://arxiv.org/abs/1706.03762"


def fixed(text: str, moved_to: str | None = NEW, url: str = OLD) -> str:
    plan = make_plan(
        config_from_table({}),
        select=["BT702"],
        network=True,
        registry=load_registry(entry_points=False),
    )
    result = LinkResult(url, LinkStatus.REDIRECT, 301, final_url=NEW, moved_to=moved_to)
    # results are keyed by the URL as linked, fragment and all (the check drops it)
    plan.links = LinkFindings({url: result, f"{url}#S3": result})
    outcome = fix_text(text, "d.md", lambda doc: lint_document(doc, plan))
    assert not outcome.refused
    return outcome.text


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (f"[the paper]({OLD}) is short.\n", f"[the paper]({NEW}) is short.\n"),
        (
            f'[the paper]({OLD} "Attention") is short.\n',
            f'[the paper]({NEW} "Attention") is short.\n',
        ),
        (f"See <{OLD}>.\n", f"See <{NEW}>.\n"),
        (f"See {OLD} now.\n", f"See {NEW} now.\n"),
        (f"[sec]({OLD}#S3)\n", f"[sec]({NEW}#S3)\n"),
        (f"[{OLD}]({OLD})\n", f"[{OLD}]({NEW})\n"),
    ],
    ids=["inline", "title", "autolink", "bare", "fragment", "url-as-text"],
)
def test_the_new_address_replaces_the_old_where_the_link_writes_it(before: str, after: str) -> None:
    assert fixed(before) == after


def test_no_fix_without_a_known_new_address_or_for_a_reference_definition() -> None:
    text = f"[the paper]({OLD})\n"
    assert fixed(text, moved_to=None) == text
    reference = f"[the paper][p]\n\n[p]: {OLD}\n"
    assert fixed(reference) == reference


def test_no_request_is_made_the_fix_reads_the_results_it_is_given(monkeypatch) -> None:
    import blogtool.net.http as http
    import blogtool.net.linkcheck as linkcheck

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("a fix made a request")

    for module, name in [
        (linkcheck, "check_urls"),
        (linkcheck, "check_urls_async"),
        (http, "build_async_transport"),
    ]:
        monkeypatch.setattr(module, name, refuse)
    assert fixed(f"<{OLD}>\n") == f"<{NEW}>\n"


def test_lint_fix_takes_moved_urls_from_the_link_cache_without_checking(tmp_path, monkeypatch):
    """``lint --fix`` without ``--check-links``: the cached answer fixes the URL, and the
    link checker is never started."""
    from click.testing import CliRunner

    import blogtool.net.linkcheck as linkcheck
    from blogtool.cli import main
    from blogtool.net.cache import DiskCache

    # $BLOGTOOL_CACHE_DIR is private to this test; "code" is the answer at the end of the redirect
    cache = DiskCache.open()
    cache.put_many(
        linkcheck.CACHE_NAMESPACE,
        [(OLD, {"code": 200, "final_url": NEW, "moved_to": NEW, "note": ""})],
    )
    cache.close()

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("--fix checked links")

    monkeypatch.setattr(linkcheck, "check_urls", refuse)
    monkeypatch.setattr(linkcheck, "check_urls_async", refuse)
    draft = tmp_path / "d.md"
    draft.write_text(f"# T\n\nRead [the paper]({OLD}) and [that](https://example.com/x).\n")
    result = CliRunner().invoke(main, ["lint", "--fix", str(draft)], catch_exceptions=False)
    assert f"[the paper]({NEW})" in draft.read_text()
    assert "fixed BT702" in result.output
    assert result.exit_code == 0
