"""The link checker against real HTTP servers on 127.0.0.1.

Waits are asserted only as lower bounds (a request must not come before its turn), with a small
allowance for clock granularity, so a slow machine cannot make these tests fail.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx
import pytest

from blogtool.net.linkcheck import (
    LinkCheckConfig,
    LinkStatus,
    check_urls,
    offline_summary,
    parse_accept,
    parse_retry_after,
)

if TYPE_CHECKING:
    from .conftest import RawServer, Web

Config = Callable[..., LinkCheckConfig]
SLACK = 0.05  # seconds a timer may fire early or a timestamp be taken late


def methods(web: Web, path: str) -> list[str]:
    return [hit.method for hit in web.hits_for(path)]


def gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [later - earlier for earlier, later in zip(ordered, ordered[1:], strict=False)]


# --- accept ranges ----------------------------------------------------------------------------


def test_accept_ranges_and_single_codes() -> None:
    assert parse_accept("200..=299, 429") == frozenset([*range(200, 300), 429])
    assert parse_accept("200..300") == frozenset(range(200, 300))
    assert parse_accept("..=103") == frozenset(range(100, 104))
    assert parse_accept("500..") == frozenset(range(500, 1000))
    assert parse_accept(" 200 ,204,") == frozenset([200, 204])
    assert parse_accept(["200..=204", 429]) == frozenset([200, 201, 202, 203, 204, 429])


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("200-299", "'200-299'"),
        ("ok", "'ok'"),
        ("200..=", "'200..='"),
        ("99", "between 100 and 999"),
        ("200..=1000", "between 100 and 999"),
        ("300..=200", "contains no status code"),
        ("200..200", "contains no status code"),
        ("", "lists no status code"),
        (" , ", "lists no status code"),
        ([True], "True"),
    ],
)
def test_bad_accept_setting_says_what_is_wrong(spec: object, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_accept(spec)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"accept": "2xx"},
        {"timeout": 0},
        {"max_per_host": 0},
        {"max_retries": -1},
        {"min_host_interval": -0.1},
        {"excludes": ("(unclosed",)},
        {"excludes": "https://example.org"},
    ],
)
def test_bad_config_is_refused(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        LinkCheckConfig(**changes)  # type: ignore[arg-type]


# --- Retry-After ------------------------------------------------------------------------------


def test_retry_after_in_seconds_and_as_a_date() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(" 0 ", now) == 0.0
    assert parse_retry_after(email.utils.formatdate(now + 90, usegmt=True), now) == 90.0
    assert parse_retry_after(email.utils.formatdate(now - 90, usegmt=True), now) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480.0) == 0.0
    for unreadable in (None, "", "soon", "-5", "1.5", "\u0661"):
        assert parse_retry_after(unreadable, now) is None


# --- plain answers ----------------------------------------------------------------------------


def test_200_is_ok_with_one_head_request(web: Web, make_config: Config) -> None:
    web.route("/ok", 200)
    result = check_urls([web.url("/ok")], make_config())[web.url("/ok")]
    assert result.status is LinkStatus.OK
    assert (result.code, result.attempts, result.cached) == (200, 1, False)
    assert result.final_url == web.url("/ok")
    assert result.elapsed >= 0
    assert methods(web, "/ok") == ["HEAD"]
    assert web.hits[0].headers["User-Agent"].startswith("blogtool/")


def test_404_is_dead_after_get_confirms_it_without_retry(web: Web, make_config: Config) -> None:
    web.route("/missing", 404)
    result = check_urls([web.url("/missing")], make_config())[web.url("/missing")]
    assert result.status is LinkStatus.DEAD
    assert result.code == 404
    assert "404 Not Found" in result.message
    assert "HEAD answered 404, checked with GET" in result.message
    assert methods(web, "/missing") == ["HEAD", "GET"]
    assert result.attempts == 2


def test_head_404_with_working_get_is_ok(web: Web, make_config: Config) -> None:
    web.route("/cdn", lambda request: _by_method(request, head=404, get=200))
    result = check_urls([web.url("/cdn")], make_config())[web.url("/cdn")]
    assert result.status is LinkStatus.OK
    assert result.message == "HEAD answered 404, checked with GET"


def test_410_is_dead_at_once(web: Web, make_config: Config) -> None:
    web.route("/gone", 410)
    result = check_urls([web.url("/gone")], make_config())[web.url("/gone")]
    assert result.status is LinkStatus.DEAD
    assert result.code == 410
    assert methods(web, "/gone") == ["HEAD"]


def test_head_refused_falls_back_to_get(web: Web, make_config: Config) -> None:
    web.route("/no-head", lambda request: _by_method(request, head=405, get=200))
    result = check_urls([web.url("/no-head")], make_config())[web.url("/no-head")]
    assert result.status is LinkStatus.OK
    assert result.code == 200
    assert "HEAD answered 405" in result.message
    assert methods(web, "/no-head") == ["HEAD", "GET"]


def test_get_only_when_head_first_is_off(web: Web, make_config: Config) -> None:
    web.route("/ok", 200)
    check_urls([web.url("/ok")], make_config(head_first=False))
    assert methods(web, "/ok") == ["GET"]


def test_accepted_codes_are_configurable(web: Web, make_config: Config) -> None:
    web.route("/missing", 404)
    web.route("/created", 201)
    config = make_config(accept="200, 404")
    results = check_urls([web.url("/missing"), web.url("/created")], config)
    assert results[web.url("/missing")].status is LinkStatus.OK
    assert methods(web, "/missing") == ["HEAD"]  # accepted, so no second opinion needed
    assert results[web.url("/created")].status is LinkStatus.ERROR
    assert "201 Created" in results[web.url("/created")].message


def _by_method(request, head: int, get: int):  # noqa: ANN001, ANN202 - werkzeug types
    from werkzeug import Response

    return Response(b"", status=head if request.method == "HEAD" else get)


# --- redirects --------------------------------------------------------------------------------


def test_temporary_redirect_chain_is_followed(web: Web, make_config: Config) -> None:
    web.route("/a", (302, {"Location": "/b"}))
    web.route("/b", (307, {"Location": web.url("/c")}))
    web.route("/c", 200)
    result = check_urls([web.url("/a")], make_config())[web.url("/a")]
    assert result.status is LinkStatus.OK
    assert result.final_url == web.url("/c")
    assert result.moved_to is None
    assert result.attempts == 3
    assert [hit.path for hit in web.hits] == ["/a", "/b", "/c"]


@pytest.mark.parametrize("code", [301, 308])
def test_permanent_redirect_is_reported_with_the_new_url(
    web: Web, make_config: Config, code: int
) -> None:
    web.route("/old", (code, {"Location": "/new"}))
    web.route("/new", 200)
    result = check_urls([web.url("/old")], make_config())[web.url("/old")]
    assert result.status is LinkStatus.REDIRECT
    assert not result.is_failure
    assert result.code == 200
    assert result.moved_to == web.url("/new")
    assert web.url("/new") in result.message


def test_moved_to_is_the_last_permanent_hop(web: Web, make_config: Config) -> None:
    web.route("/old", (301, {"Location": "/canonical"}))
    web.route("/canonical", (302, {"Location": "/login?next=canonical"}))
    web.route("/login", 200)
    result = check_urls([web.url("/old")], make_config())[web.url("/old")]
    assert result.moved_to == web.url("/canonical")
    assert result.final_url == web.url("/login?next=canonical")


def test_redirect_to_a_dead_page_is_dead(web: Web, make_config: Config) -> None:
    web.route("/old", (301, {"Location": "/gone"}))
    web.route("/gone", 410)
    result = check_urls([web.url("/old")], make_config())[web.url("/old")]
    assert result.status is LinkStatus.DEAD
    assert web.url("/gone") in result.message


def test_redirect_loop_is_an_error(web: Web, make_config: Config) -> None:
    web.route("/x", (302, {"Location": "/y"}))
    web.route("/y", (302, {"Location": "/x"}))
    result = check_urls([web.url("/x")], make_config())[web.url("/x")]
    assert result.status is LinkStatus.ERROR
    assert "redirect loop" in result.message
    assert [hit.path for hit in web.hits] == ["/x", "/y"]


def test_too_many_redirects_is_an_error(web: Web, make_config: Config) -> None:
    for index in range(5):
        web.route(f"/r{index}", (302, {"Location": f"/r{index + 1}"}))
    web.route("/r5", 200)
    result = check_urls([web.url("/r0")], make_config(max_redirects=3))[web.url("/r0")]
    assert result.status is LinkStatus.ERROR
    assert "too many redirects" in result.message
    assert len(web.hits) == 4
    assert check_urls([web.url("/r0")], make_config(max_redirects=5))[web.url("/r0")].status == "ok"


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "javascript:x"])
def test_redirect_to_another_scheme_is_not_followed(
    web: Web, make_config: Config, target: str
) -> None:
    web.route("/sneaky", (302, {"Location": target}))
    result = check_urls([web.url("/sneaky")], make_config())[web.url("/sneaky")]
    assert result.status is LinkStatus.ERROR
    assert "unsupported redirect" in result.message
    assert len(web.hits) == 1


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "mailto:someone@example.org", "relative/path", "http://", "http://[::1"],
)
def test_urls_that_cannot_be_checked_are_errors_without_a_request(
    make_config: Config, no_network, url: str
) -> None:
    transport = no_network()
    result = check_urls([url], make_config(), transport=transport)[url]
    assert result.status is LinkStatus.ERROR
    assert result.attempts == 0
    assert transport.requested == []


# --- retries ----------------------------------------------------------------------------------


def test_503_recovers_on_retry(web: Web, make_config: Config) -> None:
    web.route("/flaky", 503, 200)
    result = check_urls([web.url("/flaky")], make_config())[web.url("/flaky")]
    assert result.status is LinkStatus.OK
    assert result.attempts == 2
    assert len(web.hits_for("/flaky")) == 2


def test_persistent_5xx_gives_up_after_max_retries(web: Web, make_config: Config) -> None:
    web.route("/down", 502)
    result = check_urls([web.url("/down")], make_config(max_retries=2))[web.url("/down")]
    assert result.status is LinkStatus.ERROR
    assert result.code == 502
    assert result.attempts == 3
    assert len(web.hits_for("/down")) == 3


def test_retries_back_off(web: Web, make_config: Config) -> None:
    web.route("/down", 500)
    check_urls([web.url("/down")], make_config(max_retries=2, backoff_base=0.2))
    first, second = gaps([hit.at for hit in web.hits])
    assert first >= 0.2 - SLACK
    assert second >= 0.4 - SLACK


def test_429_honours_retry_after_seconds(web: Web, make_config: Config) -> None:
    web.route("/busy", (429, {"Retry-After": "1"}), 200)
    result = check_urls([web.url("/busy")], make_config())[web.url("/busy")]
    assert result.status is LinkStatus.OK
    assert result.attempts == 2
    (gap,) = gaps([hit.at for hit in web.hits])
    assert gap >= 1 - SLACK


def test_429_honours_retry_after_http_date(web: Web, make_config: Config) -> None:
    def busy(request):  # noqa: ANN001, ANN202 - werkzeug types
        from werkzeug import Response

        # Two seconds ahead, truncated to the second: the wait is between 1 and 2 seconds.
        when = email.utils.formatdate(time.time() + 2, usegmt=True)
        return Response(b"", status=429, headers={"Retry-After": when})

    web.route("/busy", busy, 200)
    result = check_urls([web.url("/busy")], make_config())[web.url("/busy")]
    assert result.status is LinkStatus.OK
    (gap,) = gaps([hit.at for hit in web.hits])
    assert gap >= 1 - SLACK


def test_retry_after_beyond_the_cap_is_not_waited_for(web: Web, make_config: Config) -> None:
    web.route("/busy", (429, {"Retry-After": "3600"}))
    result = check_urls([web.url("/busy")], make_config(max_retry_wait=1))[web.url("/busy")]
    assert result.status is LinkStatus.ERROR
    assert result.code == 429
    assert "3600s" in result.message
    assert len(web.hits) == 1


def test_accepted_429_is_not_retried(web: Web, make_config: Config) -> None:
    web.route("/busy", 429)
    result = check_urls([web.url("/busy")], make_config(accept="200..=299,429"))[web.url("/busy")]
    assert result.status is LinkStatus.OK
    assert len(web.hits) == 1


def test_stalled_server_times_out_after_retries(raw_server, make_config: Config) -> None:
    server: RawServer = raw_server(lambda index: (None, "200 OK"))  # answers only when stopped
    config = make_config(timeout=0.5, max_retries=1)
    result = check_urls([server.url()], config)[server.url()]
    assert result.status is LinkStatus.TIMEOUT
    assert result.attempts == 2
    assert len(server.times) == 2
    assert "0.5s" in result.message


def test_dropped_connection_is_retried(raw_server, make_config: Config) -> None:
    server: RawServer = raw_server(lambda index: (0, None if index == 0 else "200 OK"))
    result = check_urls([server.url()], make_config())[server.url()]
    assert result.status is LinkStatus.OK
    assert result.attempts == 2
    assert len(server.times) == 2


def test_dropped_connections_give_up_as_an_error(raw_server, make_config: Config) -> None:
    server: RawServer = raw_server(lambda index: (0, None))
    result = check_urls([server.url()], make_config(max_retries=1))[server.url()]
    assert result.status is LinkStatus.ERROR
    assert "connection dropped" in result.message
    assert len(server.times) == 2


def test_closed_port_is_an_error_not_retried_and_not_offline(
    make_config: Config, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}/paper"
    results = check_urls([url], make_config())
    assert results[url].status is LinkStatus.ERROR
    assert results[url].message == "connection refused"
    assert results[url].attempts == 1
    assert offline_summary(results) is None


# --- offline ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["dns", "no-route"])
def test_no_network_marks_links_offline(make_config: Config, no_network, kind: str) -> None:
    urls = ["https://arxiv.org/abs/1706.03762", "https://example.org/a", "https://example.org/b"]
    transport = no_network(kind)
    results = check_urls(urls, make_config(), transport=transport)
    assert {result.status for result in results.values()} == {LinkStatus.OFFLINE}
    assert not any(result.is_failure for result in results.values())
    assert offline_summary(results) == "3 links not checked (offline)"
    assert len(transport.requested) == 3  # unreachable is not retried


def test_offline_summary_is_singular_for_one_link(make_config: Config, no_network) -> None:
    results = check_urls(["https://example.org/"], make_config(), transport=no_network())
    assert offline_summary(results) == "1 link not checked (offline)"


def test_unknown_host_while_online_is_an_error(web: Web, make_config: Config, no_network) -> None:
    web.route("/ok", 200)
    transport = no_network("dns", reachable=("127.0.0.1",))
    urls = [web.url("/ok"), "https://no-such-host.example/"]
    results = check_urls(urls, make_config(), transport=transport)
    assert results[web.url("/ok")].status is LinkStatus.OK
    assert results["https://no-such-host.example/"].status is LinkStatus.ERROR
    assert "host not found" in results["https://no-such-host.example/"].message
    assert offline_summary(results) is None


def test_redirect_to_an_unreachable_host_is_not_offline(
    web: Web, make_config: Config, no_network
) -> None:
    # The first hop was answered, so the network works; the new host is what is broken.
    web.route("/moved", (301, {"Location": "https://no-such-host.example/"}))
    transport = no_network("dns", reachable=("127.0.0.1",))
    result = check_urls([web.url("/moved")], make_config(), transport=transport)[web.url("/moved")]
    assert result.status is LinkStatus.ERROR
    assert "host not found" in result.message
    assert "at https://no-such-host.example/, after a redirect" in result.message


def test_excluded_and_invalid_links_stay_as_they_are_when_offline(
    make_config: Config, no_network
) -> None:
    config = make_config(excludes=("example\\.com",))
    urls = ["https://example.org/", "https://example.com/", "mailto:x@example.org"]
    results = check_urls(urls, config, transport=no_network())
    assert [results[url].status for url in urls] == ["offline", "excluded", "error"]


def test_unexpected_exception_becomes_a_result(make_config: Config) -> None:
    class Broken(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            raise RuntimeError("boom")

    result = check_urls(["https://example.org/"], make_config(), transport=Broken())
    assert result["https://example.org/"].status is LinkStatus.ERROR
    assert "boom" in result["https://example.org/"].message


# --- one request per URL, politely ------------------------------------------------------------


def test_each_url_is_requested_once_per_run(web: Web, make_config: Config) -> None:
    web.route("/page", 200)
    urls = [web.url("/page"), web.url("/page"), web.url("/page#a"), web.url("/page#b")]
    results = check_urls(urls, make_config())
    assert len(web.hits) == 1
    assert list(results) == [web.url("/page"), web.url("/page#a"), web.url("/page#b")]
    assert all(results[url].url == url for url in results)
    assert all(results[url].status is LinkStatus.OK for url in results)


def test_excludes_match_by_pattern_or_exact_url(web: Web, make_config: Config) -> None:
    web.route("/a", 200)
    web.route("/private/b", 200)
    web.route("/c?x=1", 200)
    exact = web.url("/c?x=1")  # '?' would be a regex quantifier: exact match still works
    config = make_config(excludes=("/private/", exact))
    urls = [web.url("/a"), web.url("/private/b"), exact]
    results = check_urls(urls, config)
    assert [results[url].status for url in urls] == ["ok", "excluded", "excluded"]
    assert [hit.path for hit in web.hits] == ["/a"]


@pytest.fixture
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


def test_the_proxy_named_by_the_environment_is_used(
    web: Web, make_config: Config, closed_port: int, no_proxy_settings: pytest.MonkeyPatch
) -> None:
    # The local server plays the proxy for a link to a closed port: only through the proxy
    # can the link work. (localhost comes from /etc/hosts: no name is looked up elsewhere.)
    web.route("/page", 200)
    no_proxy_settings.setenv("HTTP_PROXY", web.url(""))
    url = f"http://localhost:{closed_port}/page"
    assert check_urls([url], make_config())[url].status is LinkStatus.OK
    assert [hit.headers["Host"] for hit in web.hits] == [f"localhost:{closed_port}"]


def test_no_proxy_hosts_are_reached_directly(
    web: Web, make_config: Config, closed_port: int, no_proxy_settings: pytest.MonkeyPatch
) -> None:
    web.route("/page", 200)
    no_proxy_settings.setenv("http_proxy", f"http://127.0.0.1:{closed_port}")
    no_proxy_settings.setenv("no_proxy", "127.0.0.1")
    assert check_urls([web.url("/page")], make_config())[web.url("/page")].status is LinkStatus.OK
    no_proxy_settings.delenv("no_proxy")
    refused = check_urls([web.url("/page")], make_config(max_retries=0))[web.url("/page")]
    assert refused.status is LinkStatus.ERROR  # through the proxy that is not there
    assert len(web.hits) == 1


def test_per_host_headers_are_sent_to_that_host(web: Web, make_config: Config) -> None:
    web.route("/ok", 200)
    config = make_config(headers={"127.0.0.1": {"User-Agent": "Mozilla/5.0", "X-Token": "t"}})
    check_urls([web.url("/ok")], config)
    assert web.hits[0].headers["User-Agent"] == "Mozilla/5.0"
    assert web.hits[0].headers["X-Token"] == "t"


def test_headers_for_another_host_are_not_sent(web: Web, make_config: Config) -> None:
    web.route("/ok", 200)
    check_urls([web.url("/ok")], make_config(headers={"example.org": {"X-Token": "t"}}))
    assert "X-Token" not in web.hits[0].headers


def test_requests_to_one_host_are_spaced(web: Web, make_config: Config) -> None:
    for index in range(4):
        web.route(f"/p{index}", 200)
    urls = [web.url(f"/p{index}") for index in range(4)]
    check_urls(urls, make_config(min_host_interval=0.2))
    assert len(web.hits) == 4
    assert all(gap >= 0.2 - SLACK for gap in gaps([hit.at for hit in web.hits]))


def test_follow_ups_within_one_check_do_not_wait_for_a_new_turn(
    web: Web, make_config: Config
) -> None:
    # HEAD /moved -> 301 -> HEAD /page 404 (unreliable) -> GET /moved -> 301 -> GET /page 200:
    # four requests of one check. Had any waited a turn, the run would last 3 x 30 s.
    web.route("/moved", (301, {"Location": "/page"}))
    web.route("/page", 404, 200)
    start = time.monotonic()
    result = check_urls([web.url("/moved")], make_config(min_host_interval=30.0))
    assert result[web.url("/moved")].status is LinkStatus.REDIRECT
    assert [(hit.method, hit.path) for hit in web.hits] == [
        ("HEAD", "/moved"),
        ("HEAD", "/page"),
        ("GET", "/moved"),
        ("GET", "/page"),
    ]
    assert time.monotonic() - start < 30.0


def test_a_retry_waits_for_its_turn(web: Web, make_config: Config) -> None:
    web.route("/flaky", 503, 200)
    check_urls([web.url("/flaky")], make_config(min_host_interval=0.4, backoff_base=0.0))
    assert methods(web, "/flaky") == ["HEAD", "HEAD"]
    assert gaps([hit.at for hit in web.hits])[0] >= 0.4 - SLACK


class _KeepAliveHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive: HEAD and GET answer 200, GET with a small body."""

    protocol_version = "HTTP/1.1"
    server: _KeepAliveServer

    def _answer(self, body: bytes) -> None:
        self.server.log.append((self.command, self.client_address[1]))
        self.send_response(200 if self.path.startswith("/ok") else 404)
        self.send_header("Content-Length", "12")
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802 - the http.server protocol
        self._answer(b"")

    def do_GET(self) -> None:  # noqa: N802
        self._answer(b"hello, world")

    def log_message(self, *args: object) -> None:
        pass


class _KeepAliveServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        self.log: list[tuple[str, int]] = []  # (method, client port) per request


def test_connections_to_a_server_are_reused() -> None:
    server = _KeepAliveServer()
    # a 50 ms poll: shutdown() waits for the next poll, 0.5 s by default
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        # /missing: HEAD 404, then GET 404 with a body, which is read so the connection stays.
        urls = [f"{base}/ok/{index}" for index in range(5)] + [f"{base}/missing"]
        config = LinkCheckConfig(
            max_per_host=1, min_host_interval=0.0, max_retries=0, allow_private=True
        )
        results = check_urls(urls, config)
    finally:
        server.shutdown()
        server.server_close()
    assert [results[url].status for url in urls] == [LinkStatus.OK] * 5 + [LinkStatus.DEAD]
    assert len(server.log) == 7
    assert len({port for _, port in server.log}) == 1, server.log


def test_requests_in_flight_per_host_are_bounded(raw_server, make_config: Config) -> None:
    server: RawServer = raw_server(lambda index: (0.2, "200 OK"))
    urls = [server.url(f"/p{index}") for index in range(6)]
    results = check_urls(urls, make_config(max_per_host=2))
    assert all(result.status is LinkStatus.OK for result in results.values())
    assert len(server.times) == 6
    assert server.max_in_flight <= 2


def test_requests_in_flight_overall_are_bounded(raw_server, make_config: Config) -> None:
    servers = [raw_server(lambda index: (0.2, "200 OK")) for _ in range(3)]
    urls = [server.url(f"/p{index}") for server in servers for index in range(2)]
    check_urls(urls, make_config(max_concurrency=2, max_per_host=2))
    times = sorted(at for server in servers for at in server.times)
    assert len(times) == 6
    # Each request is held 0.2s; with two in flight, a third starts only after one finished.
    assert all(times[i + 2] - times[i] >= 0.2 - SLACK for i in range(len(times) - 2))


def test_progress_is_reported_up_to_the_total(web: Web, make_config: Config) -> None:
    web.route("/a", 200)
    web.route("/b", 404)
    calls: list[tuple[int, int]] = []
    urls = [web.url("/a"), web.url("/b"), web.url("/a#x"), "mailto:x@example.org"]
    check_urls(urls, make_config(), progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (1, 4)  # the mailto link needs no request
    assert calls[-1] == (4, 4)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert {total for _, total in calls} == {4}


def test_no_urls_is_an_empty_result(make_config: Config) -> None:
    calls: list[tuple[int, int]] = []
    assert check_urls([], make_config(), progress=lambda *call: calls.append(call)) == {}
    assert calls == [(0, 0)]
