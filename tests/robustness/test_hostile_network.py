"""Servers that answer slowly, without end, or with a bomb: every run still ends, within
its deadline and its byte limit, with one line saying what happened.

The servers are real sockets on 127.0.0.1 (:mod:`tests.robustness.hostile`). Nothing here
measures speed: a run that is bounded ends in a few seconds, and a run that still goes on
after the guard (two minutes) fails the test.
"""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from pathlib import Path

import httpcore
import pytest

from blogtool.net.addresses import PrivateAddress
from blogtool.net.arxiv import ArxivClient, ArxivError, ArxivUnavailable
from blogtool.net.http import build_async_transport, parse_retry_after
from blogtool.net.linkcheck import LinkCheckConfig, LinkStatus, check_urls

from .hostile import (
    answer_head,
    drip,
    endless,
    finishes,
    for_get,
    gzip_bomb,
    hostile_server,
    run_cli,
    send,
)

# Links to 127.0.0.1 are allowed here: the servers under test live there.
FAST_LINKS = "[links]\ntimeout = 1\nmax_retries = 0\nmin_host_interval = 0\nallow_private = true\n"
SLOW_HEAD = drip(b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 100_000)
SLOW_BODY = for_get(drip(answer_head("200 OK", 60_000).encode() + b"x" * 60_000))


def project(root: Path, config: str = FAST_LINKS, url: str = "") -> Path:
    (root / "blogtool.toml").write_text(config, encoding="utf-8")
    draft = root / "post.md"
    draft.write_text(f"# Post\n\nSee [the page]({url}).\n", encoding="utf-8")
    return draft


# --- 1. the link checker and a server that drips ---------------------------------------------


COMMANDS = {
    "links": ["links"],
    "lint --check-links": ["lint", "--check-links", "--select", "BT701"],
    "report --check-links": ["report", "--check-links"],
}


@pytest.mark.parametrize("script", [SLOW_HEAD, SLOW_BODY], ids=["headers", "body"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_server_that_drips_cannot_hold_a_link_check(
    tmp_path: Path, command: str, script: object
) -> None:
    with hostile_server(script) as server:  # type: ignore[arg-type]
        draft = project(tmp_path, url=server.url("/slow"))
        result = run_cli([*COMMANDS[command], str(draft)], tmp_path)
    assert "Traceback" not in result.stderr
    if command == "links":
        assert result.returncode == 1
        assert "no complete response within 1s" in result.stdout
    elif command.startswith("lint"):
        assert result.returncode == 1
        assert "BT701" in result.stdout and "timed out" in result.stdout
    else:
        assert result.returncode in (0, 1), result.stderr


def test_the_deadline_covers_the_whole_exchange_in_the_library_too() -> None:
    config = LinkCheckConfig(timeout=1, max_retries=0, min_host_interval=0, allow_private=True)
    with hostile_server(SLOW_HEAD) as head, hostile_server(SLOW_BODY) as body:
        urls = [head.url("/a"), body.url("/b")]
        results = finishes(lambda: check_urls(urls, config))
    assert isinstance(results, dict)
    assert [r.status for r in results.values()] == [LinkStatus.TIMEOUT, LinkStatus.TIMEOUT]


def test_a_long_body_is_not_downloaded() -> None:
    # The status answers the question; a body past max_body_bytes is left unread.
    config = LinkCheckConfig(
        timeout=5, max_retries=0, min_host_interval=0, allow_private=True, max_body_bytes=1024
    )
    with hostile_server(for_get(endless(answer_head("200 OK", 1 << 30)))) as server:
        results = finishes(lambda: check_urls([server.url("/big")], config))
    assert isinstance(results, dict)
    (result,) = results.values()
    assert result.status is LinkStatus.OK


# --- 3. Retry-After ---------------------------------------------------------------------------


def test_one_retry_after_parser_caps_what_it_cannot_represent() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("100000", now) == 100000.0
    assert parse_retry_after("9" * 5000, now) == float("inf")  # no ValueError, no overflow
    for unreadable in ("1e999", "inf", "nan", "-1", "1.5", "\u0661\u0662"):
        assert parse_retry_after(unreadable, now) is None
    assert parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) > 1e9  # no OverflowError


@pytest.mark.parametrize("status", ["503 Service Unavailable", "429 Too Many Requests"])
def test_links_do_not_obey_a_retry_after_past_the_cap(tmp_path: Path, status: str) -> None:
    head = answer_head(status, 0, Retry_After="100000", Connection="close")
    config = FAST_LINKS.replace("max_retries = 0", "max_retries = 3\nmax_retry_wait = 5")
    with hostile_server(send(head)) as server:
        draft = project(tmp_path, config, server.url("/busy"))
        result = run_cli(["links", str(draft)], tmp_path)
        asked = len(server.heads)
    assert result.returncode == 1
    assert "server asked to retry after 100000s, over the 5s limit; try again after" in (
        result.stdout
    )
    assert asked == 1  # no retry: it would only earn another refusal


def test_an_unreadable_retry_after_is_a_backoff_not_a_traceback(tmp_path: Path) -> None:
    head = answer_head("503 Service Unavailable", 0, Retry_After="1e999", Connection="close")
    config = FAST_LINKS.replace("max_retries = 0", "max_retries = 1")
    with hostile_server(send(head)) as server:
        draft = project(tmp_path, config, server.url("/busy"))
        result = run_cli(["links", str(draft)], tmp_path)
        asked = len(server.heads)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1 and "HTTP 503" in result.stdout
    assert asked == 2


# --- 2, 3, 4. the arXiv client ------------------------------------------------------------------


def arxiv(server_url: str, **kwargs: object) -> ArxivClient:
    kwargs.setdefault("min_interval", 0.0)
    kwargs.setdefault("timeout", 1.0)
    return ArxivClient(server_url + "api", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "script",
    [SLOW_HEAD, drip(answer_head("200 OK", 60_000).encode() + b"<feed>" * 10_000)],
    ids=["headers", "body"],
)
def test_arxiv_that_drips_is_unavailable_after_the_deadline(script: object) -> None:
    with hostile_server(script) as server:  # type: ignore[arg-type]
        with arxiv(server.url()) as client:
            outcome = finishes(lambda: client.fetch(["1706.03762"]))
    assert isinstance(outcome, ArxivUnavailable)
    assert "no complete answer within 1 s" in str(outcome)


def test_stub_against_an_arxiv_that_drips_exits_two_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "blogtool.toml").write_text("[arxiv]\ntimeout = 1\n", encoding="utf-8")
    with hostile_server(SLOW_HEAD) as server:
        result = run_cli(
            ["stub", "--print", "1706.03762"],
            tmp_path,
            BLOGTOOL_ARXIV_API_URL=server.url("/api"),
        )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "timed out" in result.stderr


@pytest.mark.parametrize("asked", ["100000", "1e999"])
def test_arxiv_caps_the_wait_a_503_asks_for(asked: str) -> None:
    head = answer_head("503 Service Unavailable", 0, Retry_After=asked, Connection="close")
    waits: list[float] = []
    with hostile_server(send(head)) as server:
        with arxiv(server.url(), max_retries=1, sleep=waits.append) as client:
            outcome = finishes(lambda: client.fetch(["1706.03762"]))
    assert isinstance(outcome, ArxivUnavailable), outcome
    assert all(wait <= 120 for wait in waits)
    if asked == "100000":
        assert "asked to wait 100000 s, over the 120 s limit; try again after" in str(outcome)
        assert waits == []


def test_an_endless_arxiv_feed_stops_at_the_byte_limit() -> None:
    head = answer_head("200 OK", Transfer_Encoding="chunked")
    with hostile_server(endless(head)) as server:
        with arxiv(server.url(), timeout=60.0, max_response_bytes=1 << 20) as client:
            outcome = finishes(lambda: client.fetch(["1706.03762"]))
    assert isinstance(outcome, ArxivError)
    assert "larger than 1,048,576 bytes" in str(outcome)


def test_a_gzip_bomb_costs_at_most_the_byte_limit() -> None:
    bomb = gzip_bomb(256 << 20)  # 256 MB of zeros in about 250 kB
    head = answer_head("200 OK", len(bomb), Content_Encoding="gzip", Connection="close")
    with hostile_server(send(head, bomb)) as server:
        with arxiv(server.url(), timeout=60.0, max_response_bytes=1 << 20) as client:
            tracemalloc.start()
            try:
                outcome = finishes(lambda: client.fetch(["1706.03762"]))
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    assert isinstance(outcome, ArxivError)
    assert "larger than 1,048,576 bytes" in str(outcome)
    assert peak < 64 << 20  # the bomb would need 256 MB; the limit is 1 MB


# --- 8. waits a config asks for -------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "1e300", "nan"])
def test_an_endless_host_interval_is_a_config_error(tmp_path: Path, value: str) -> None:
    config = FAST_LINKS.replace("min_host_interval = 0", f"min_host_interval = {value}")
    draft = project(tmp_path, config, "http://127.0.0.1:9/")
    result = run_cli(["links", str(draft)], tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "min_host_interval must be at most 60 seconds" in result.stderr


# --- 13. the checker's own network --------------------------------------------------------------


def test_a_link_to_a_loopback_address_is_not_checked_by_default(tmp_path: Path) -> None:
    with hostile_server(send(answer_head("200 OK", 0))) as server:
        draft = project(tmp_path, "", server.url("/admin"))
        result = run_cli(["links", "--all", "--format", "json", str(draft)], tmp_path)
        asked = list(server.heads)
    assert result.returncode == 0, result.stderr
    (entry,) = json.loads(result.stdout)["links"]
    assert entry["status"] == "excluded"
    assert "not checked" in entry["message"] and "links.allow_private" in entry["message"]
    assert asked == []


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:9/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://0.0.0.0:9/",
        "http://10.0.0.1/",
    ],
)
def test_a_public_page_cannot_redirect_the_checker_into_its_own_network(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The "public" page is reached through a proxy on 127.0.0.1, which answers with the
    # redirect: the checker itself never resolves the public name.
    redirect = answer_head("302 Found", 0, Location=target, Connection="close")
    with hostile_server(send(redirect)) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url())
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        config = LinkCheckConfig(timeout=5, max_retries=0, min_host_interval=0)
        results = finishes(lambda: check_urls(["http://blog.example/post"], config))
        asked = list(proxy.heads)
    assert isinstance(results, dict)
    (result,) = results.values()
    assert result.status is LinkStatus.ERROR
    assert result.message.startswith(f"refused a redirect to {target}")
    assert len(asked) == 1 and asked[0].startswith(b"HEAD http://blog.example/post ")


def test_a_name_that_resolves_to_loopback_is_refused_before_connecting() -> None:
    with hostile_server(send(answer_head("200 OK", 0))) as server:
        transport = build_async_transport(max_connections=1, verify=None, allow_private=False)

        async def ask() -> None:
            import httpx

            try:
                request = httpx.Request("HEAD", f"http://localhost:{server.port}/")
                await transport.handle_async_request(request)
            finally:
                await transport.aclose()

        with pytest.raises(Exception) as caught:
            asyncio.run(ask())
        asked = list(server.heads)
    causes = []
    error: BaseException | None = caught.value
    while error is not None:
        causes.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(cause, PrivateAddress) for cause in causes)
    assert not isinstance(caught.value, httpcore.ConnectError) or asked == []
    assert asked == []


# --- 21. one line, never a traceback ------------------------------------------------------------


def test_a_host_name_with_an_empty_label_is_an_invalid_url(tmp_path: Path) -> None:
    draft = project(tmp_path, url="http://a..b/")
    result = run_cli(["links", str(draft)], tmp_path)
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stdout
    assert result.returncode == 1
    assert "invalid URL: host name 'a..b'" in result.stdout


@pytest.mark.parametrize(
    "setting",
    [
        'user_agent = "blogtool\\r\\nX-Injected: 1"',
        '[links.headers."example.org"]\nAuthorization = "token x\\nX-Injected: 1"',
        '[links.headers."example.org"]\n"Bad Name" = "x"',
    ],
)
def test_a_line_break_in_a_header_setting_is_a_config_error(tmp_path: Path, setting: str) -> None:
    config = "[links]\ntimeout = 1\nmax_retries = 0\n" + setting + "\n"
    with hostile_server(send(answer_head("200 OK", 0))) as server:
        draft = project(tmp_path, config, server.url("/"))
        result = run_cli(["links", str(draft)], tmp_path)
        asked = list(server.heads)
    assert result.returncode == 2, result.stdout
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("blogtool: error: ")
    assert asked == []
