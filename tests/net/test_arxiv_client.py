"""The arXiv client against a real HTTP server on 127.0.0.1 serving arXiv-shaped Atom feeds."""

from __future__ import annotations

import re
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from blogtool.arxiv_id import parse_arxiv_id
from blogtool.net.arxiv import (
    ENV_API_URL,
    USER_AGENT,
    ArxivBadId,
    ArxivClient,
    ArxivError,
    ArxivRateLimited,
    ArxivUnavailable,
    Paper,
)
from blogtool.net.cache import DiskCache

QUERY_PATH = "/api/query"

FEED_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query%3D%26id_list%3D{ids}" rel="self"
        type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=&amp;id_list={ids}&amp;start=0</title>
  <id>http://arxiv.org/api/Zx1Qv0dUm3kPq7Lr</id>
  <updated>2024-03-01T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
    >{total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
    >0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
    >{total}</opensearch:itemsPerPage>
"""

ENTRY_PREFERENCE = """  <entry>
    <id>http://arxiv.org/abs/2305.18290v2</id>
    <updated>2023-12-13T18:48:41Z</updated>
    <published>2023-05-29T17:57:46Z</published>
    <title>Steering Language Models with Pairwise Preferences:
  No Separate Reward Model Required</title>
    <summary>  We describe a way to fit a language model to pairwise human preferences
without training a separate reward model first.
The method reduces to a classification loss on preferred and rejected answers.
</summary>
    <author>
      <name>Ada Example</name>
    </author>
    <author>
      <name>Bruno Placeholder</name>
      <arxiv:affiliation xmlns:arxiv="http://arxiv.org/schemas/atom">Nowhere Lab</arxiv:affiliation>
    </author>
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">12 pages, 4 figures</arxiv:comment>
    <link href="http://arxiv.org/abs/2305.18290v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2305.18290v2" rel="related"
          type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG"
                            scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


def short_entry(versioned_id: str, title: str, published: str, category: str) -> str:
    """A plainer entry, as arXiv sends for a paper with one author and no comment."""
    return f"""  <entry>
    <id>http://arxiv.org/abs/{versioned_id}</id>
    <updated>{published}</updated>
    <published>{published}</published>
    <title>{title}</title>
    <summary>A short made-up abstract for a test feed.</summary>
    <author><name>Carla Sample</name></author>
    <link href="http://arxiv.org/abs/{versioned_id}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/{versioned_id}" rel="related"
          type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{category}"
                            scheme="http://arxiv.org/schemas/atom"/>
  </entry>
"""


ENTRY_ATTENTION = short_entry(
    "1706.03762v7",
    "A Sequence Model Built Only\n      from Attention",
    "2017-06-12T17:57:34Z",
    "cs.CL",
)
ENTRY_OLD_STYLE = short_entry(
    "math/0309136v1", "Knots Drawn on Imaginary Surfaces", "2003-09-08T12:00:00Z", "math.GT"
)


def error_entry(bad_id: str) -> str:
    return f"""  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}</id>
    <title>Error</title>
    <summary>incorrect id format for {bad_id}</summary>
    <updated>2024-03-01T00:00:00-05:00</updated>
    <link href="http://arxiv.org/api/errors#incorrect_id_format_for_{bad_id}" rel="alternate"
          type="text/html"/>
    <author><name>arXiv api core</name></author>
  </entry>
"""


def feed(*entries: str, ids: str = "") -> str:
    return FEED_HEAD.format(ids=ids, total=len(entries)) + "".join(entries) + "</feed>\n"


def atom(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=status, headers=headers, content_type="application/atom+xml")


@pytest.fixture
def server(web: Any) -> HTTPServer:
    """The shared 127.0.0.1 server of ``tests/net/conftest.py``, for its request log."""
    return web.server


@pytest.fixture
def api_url(web: Any) -> str:
    return web.url("/api")


def make_client(api_url: str, **kwargs: object) -> ArxivClient:
    kwargs.setdefault("min_interval", 0.01)
    kwargs.setdefault("timeout", 5.0)
    return ArxivClient(api_url, **kwargs)  # type: ignore[arg-type]


def requested_ids(server: HTTPServer) -> list[str]:
    return [request.args["id_list"] for request, _ in server.log]


def serve_in_turn(web: Any, *responses: Response) -> None:
    """Answer successive queries with ``responses``, repeating the last one."""
    web.route(QUERY_PATH, *(lambda _request, r=response: r for response in responses))


# --- happy path ----------------------------------------------------------------------------


def test_several_ids_are_fetched_in_one_request(server: HTTPServer, api_url: str) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(
        atom(feed(ENTRY_PREFERENCE, ENTRY_ATTENTION))
    )
    with make_client(api_url) as client:
        papers = client.fetch([parse_arxiv_id("2305.18290"), parse_arxiv_id("1706.03762")])

    assert requested_ids(server) == ["2305.18290,1706.03762"]
    ((request, _),) = server.log
    assert request.args["max_results"] == "2"
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("blogtool/") and "(paper section scaffolder)" in USER_AGENT

    assert list(papers) == ["2305.18290", "1706.03762"]
    paper = papers["2305.18290"]
    assert paper == Paper(
        arxiv_id="2305.18290",
        version=2,
        title="Steering Language Models with Pairwise Preferences: "
        "No Separate Reward Model Required",
        authors=("Ada Example", "Bruno Placeholder"),
        published=date(2023, 5, 29),
        updated=date(2023, 12, 13),
        abstract="We describe a way to fit a language model to pairwise human preferences "
        "without training a separate reward model first. The method reduces to a "
        "classification loss on preferred and rejected answers.",
        primary_category="cs.LG",
        abs_url="http://arxiv.org/abs/2305.18290v2",
        pdf_url="http://arxiv.org/pdf/2305.18290v2",
    )
    other = papers["1706.03762"]
    assert other is not None
    assert other.title == "A Sequence Model Built Only from Attention"
    assert other.published == date(2017, 6, 12)
    assert other.primary_category == "cs.CL"


def test_strings_are_parsed_and_results_keyed_as_requested(
    server: HTTPServer, api_url: str
) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(atom(feed(ENTRY_PREFERENCE)))
    with make_client(api_url) as client:
        papers = client.fetch(["https://arxiv.org/abs/2305.18290v2"])
    assert requested_ids(server) == ["2305.18290v2"]
    assert papers["2305.18290v2"] is not None
    assert papers["2305.18290v2"].version == 2


def test_versioned_request_gets_that_version_not_another(server: HTTPServer, api_url: str) -> None:
    # The feed answers v2 only, so a request for v1 found nothing.
    server.expect_request(QUERY_PATH).respond_with_response(atom(feed(ENTRY_PREFERENCE)))
    with make_client(api_url) as client:
        assert client.fetch(["2305.18290v1"]) == {"2305.18290v1": None}


def test_old_style_id_is_sent_in_canonical_form(server: HTTPServer, api_url: str) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(atom(feed(ENTRY_OLD_STYLE)))
    with make_client(api_url) as client:
        paper = client.fetch_one("math.GT/0309136")
    assert requested_ids(server) == ["math/0309136"]
    assert paper is not None
    assert (paper.arxiv_id, paper.version, paper.primary_category) == ("math/0309136", 1, "math.GT")


def test_api_url_comes_from_the_environment(
    server: HTTPServer, api_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_API_URL, api_url)
    server.expect_request(QUERY_PATH).respond_with_response(atom(feed(ENTRY_ATTENTION)))
    with ArxivClient(min_interval=0.01) as client:
        assert client.api_url == api_url
        assert client.fetch_one("1706.03762") is not None
    assert len(server.log) == 1


def test_default_api_url_is_arxiv_export(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_API_URL, raising=False)
    with ArxivClient() as client:
        assert client.api_url == "https://export.arxiv.org/api"


# --- unknown and malformed IDs -------------------------------------------------------------


def test_unknown_id_maps_to_none(server: HTTPServer, api_url: str) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(atom(feed(ENTRY_ATTENTION)))
    with make_client(api_url) as client:
        papers = client.fetch(["2401.99999", "1706.03762"])
    assert papers["2401.99999"] is None
    assert papers["1706.03762"] is not None


def test_empty_feed_means_unknown(server: HTTPServer, api_url: str) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(atom(feed()))
    with make_client(api_url) as client:
        assert client.fetch(["2401.99999"]) == {"2401.99999": None}


def test_http_400_error_feed_is_a_bad_id(server: HTTPServer, api_url: str) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(
        atom(feed(error_entry("2401.99999")), status=400)
    )
    with make_client(api_url) as client, pytest.raises(ArxivBadId) as caught:
        client.fetch(["1706.03762", "2401.99999"])
    assert caught.value.arxiv_id == "2401.99999"
    assert str(caught.value) == (
        "arXiv rejected the ID 2401.99999: incorrect id format for 2401.99999"
    )
    assert len(server.log) == 1  # a rejected ID is not worth a retry


def test_error_entry_in_a_200_feed_is_a_bad_id(server: HTTPServer, api_url: str) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(
        atom(feed(ENTRY_ATTENTION, error_entry("2401.99999")))
    )
    with make_client(api_url) as client, pytest.raises(ArxivBadId, match="2401.99999"):
        client.fetch(["1706.03762", "2401.99999"])


def test_paper_titled_error_is_still_a_paper(server: HTTPServer, api_url: str) -> None:
    entry = short_entry("1706.03762v7", "Error", "2017-06-12T17:57:34Z", "cs.CL")
    server.expect_request(QUERY_PATH).respond_with_response(atom(feed(entry)))
    with make_client(api_url) as client:
        paper = client.fetch_one("1706.03762")
    assert paper is not None and paper.title == "Error"


def test_body_that_is_not_xml_is_a_clear_error(server: HTTPServer, api_url: str) -> None:
    server.expect_request(QUERY_PATH).respond_with_data("<html>maintenance", status=200)
    with make_client(api_url) as client, pytest.raises(ArxivError, match="not XML"):
        client.fetch(["1706.03762"])


# --- throttling and spacing ----------------------------------------------------------------


def test_429_is_retried_then_succeeds(web: Any, server: HTTPServer, api_url: str) -> None:
    serve_in_turn(web, Response("", status=429), atom(feed(ENTRY_ATTENTION)))
    with make_client(api_url) as client:
        assert client.fetch_one("1706.03762") is not None
    assert requested_ids(server) == ["1706.03762", "1706.03762"]


def test_rate_exceeded_body_is_retried_then_succeeds(
    web: Any, server: HTTPServer, api_url: str
) -> None:
    throttled = Response("Rate exceeded.", status=503, content_type="text/plain")
    serve_in_turn(web, throttled, atom(feed(ENTRY_ATTENTION)))
    with make_client(api_url) as client:
        assert client.fetch_one("1706.03762") is not None
    assert len(server.log) == 2


def test_retry_after_is_honoured(web: Any, server: HTTPServer, api_url: str) -> None:
    throttled = Response("", status=429, headers={"Retry-After": "7"})
    serve_in_turn(web, throttled, atom(feed(ENTRY_ATTENTION)))
    waits: list[float] = []
    with make_client(api_url, sleep=waits.append) as client:
        assert client.fetch_one("1706.03762") is not None
    assert 7.0 in waits


def test_retry_after_as_http_date_in_the_past_means_now(web: Any, api_url: str) -> None:
    throttled = Response("", status=429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    serve_in_turn(web, throttled, atom(feed(ENTRY_ATTENTION)))
    waits: list[float] = []
    with make_client(api_url, min_interval=5.0, sleep=waits.append) as client:
        assert client.fetch_one("1706.03762") is not None
    assert waits[0] == 0.0


def test_backoff_grows_without_retry_after(web: Any, api_url: str) -> None:
    serve_in_turn(web, Response("", status=429))
    waits: list[float] = []
    client = make_client(api_url, min_interval=1.0, sleep=waits.append, max_retries=2)
    with client, pytest.raises(ArxivRateLimited):
        client.fetch(["1706.03762"])
    backoffs = [w for w in waits if w >= 2.0]
    assert backoffs == [2.0, 4.0]


def test_persistent_throttling_gives_up_after_max_retries(
    web: Any, server: HTTPServer, api_url: str
) -> None:
    serve_in_turn(web, Response("Rate exceeded.", status=200))
    with make_client(api_url, max_retries=2) as client:
        with pytest.raises(ArxivRateLimited, match="throttling .* gave up after 3 requests"):
            client.fetch(["1706.03762"])
    assert len(server.log) == 3


def test_too_long_retry_after_gives_up_at_once(web: Any, server: HTTPServer, api_url: str) -> None:
    serve_in_turn(web, Response("", status=429, headers={"Retry-After": "3600"}))
    waits: list[float] = []
    with make_client(api_url, sleep=waits.append) as client:
        with pytest.raises(ArxivRateLimited) as caught:
            client.fetch(["1706.03762"])
    message = str(caught.value)
    assert "asked to wait 3600 s, over the 120 s limit; gave up after 1 request" in message
    assert re.search(r"try again after \d{4}-\d\d-\d\d \d\d:\d\d UTC$", message)
    assert len(server.log) == 1 and 3600 not in waits


def test_requests_are_spaced_by_min_interval(web: Any, api_url: str) -> None:
    serve_in_turn(web, atom(feed(ENTRY_ATTENTION)))
    with make_client(api_url, min_interval=0.3) as client:
        for _ in range(3):
            client.fetch(["1706.03762"])  # no cache: every call asks
    arrivals = [hit.at for hit in web.hits_for(QUERY_PATH)]
    assert len(arrivals) == 3
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert all(gap >= 0.3 for gap in gaps), gaps


# --- cache ---------------------------------------------------------------------------------


def test_cache_hit_sends_no_request(server: HTTPServer, api_url: str, tmp_path: Path) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(
        atom(feed(ENTRY_PREFERENCE, ENTRY_ATTENTION))
    )
    with make_client(api_url, cache=DiskCache(tmp_path)) as client:
        first = client.fetch(["2305.18290", "1706.03762"])
    # A new client (a later run) with the same cache directory.
    with make_client(api_url, cache=DiskCache(tmp_path)) as client:
        again = client.fetch(["1706.03762", "2305.18290", "2305.18290v2"])
    assert len(server.log) == 1
    assert again["2305.18290"] == first["2305.18290"]
    assert again["1706.03762"] == first["1706.03762"]
    # The latest version's answer was also stored under its versioned ID.
    assert again["2305.18290v2"] == first["2305.18290"]


def test_only_missing_ids_are_requested(
    web: Any, server: HTTPServer, api_url: str, tmp_path: Path
) -> None:
    serve_in_turn(web, atom(feed(ENTRY_ATTENTION)), atom(feed(ENTRY_PREFERENCE)))
    with make_client(api_url, cache=DiskCache(tmp_path)) as client:
        client.fetch(["1706.03762"])
        client.fetch(["1706.03762", "2305.18290"])
    assert requested_ids(server) == ["1706.03762", "2305.18290"]


def test_stale_cache_entry_is_fetched_again(
    server: HTTPServer, api_url: str, tmp_path: Path
) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(atom(feed(ENTRY_ATTENTION)))
    now = [1_000_000.0]
    cache = DiskCache(tmp_path, clock=lambda: now[0])
    with make_client(api_url, cache=cache) as client:
        client.fetch(["1706.03762"])
        now[0] += 2 * 24 * 3600
        client.fetch(["1706.03762"])
    assert len(server.log) == 2


def test_unknown_ids_are_not_cached(server: HTTPServer, api_url: str, tmp_path: Path) -> None:
    server.expect_request(QUERY_PATH).respond_with_response(atom(feed()))
    with make_client(api_url, cache=DiskCache(tmp_path)) as client:
        client.fetch(["2401.99999"])
        client.fetch(["2401.99999"])
    assert len(server.log) == 2


# --- no network ----------------------------------------------------------------------------


def test_closed_port_is_unavailable_with_a_clear_message(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/api"
    with make_client(url) as client, pytest.raises(ArxivUnavailable) as caught:
        client.fetch(["1706.03762"])
    assert str(caught.value) == (
        f"cannot reach the arXiv API at {url}: could not connect (no network, or the host is down)"
    )
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_timeout_is_unavailable(server: HTTPServer, api_url: str) -> None:
    release = threading.Event()

    def slow(request: Request) -> Response:
        release.wait(5.0)
        return atom(feed(ENTRY_ATTENTION))

    server.expect_request(QUERY_PATH).respond_with_handler(slow)
    try:
        client = make_client(api_url, timeout=0.1)
        with client, pytest.raises(ArxivUnavailable) as caught:
            client.fetch(["1706.03762"])
    finally:
        release.set()
        # Let the server log the abandoned request now, not during the next test.
        deadline = time.monotonic() + 5.0
        while not server.log and time.monotonic() < deadline:
            time.sleep(0.01)
    assert "timed out" in str(caught.value)


@pytest.mark.parametrize("url", ["export.arxiv.org/api", "ftp://127.0.0.1/api"])
def test_api_url_without_http_scheme_is_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ArxivError, match="must start with http:// or https://"):
        ArxivClient(url)
    monkeypatch.setenv(ENV_API_URL, url)
    with pytest.raises(ArxivError, match=r"\$BLOGTOOL_ARXIV_API_URL"):
        ArxivClient()


def test_server_errors_are_retried_then_unavailable(
    web: Any, server: HTTPServer, api_url: str
) -> None:
    serve_in_turn(web, Response("oops", status=502))
    with make_client(api_url, max_retries=1) as client, pytest.raises(ArxivUnavailable) as caught:
        client.fetch(["1706.03762"])
    assert "HTTP 502" in str(caught.value)
    assert len(server.log) == 2
