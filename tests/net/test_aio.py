"""The asyncio network layer under the link checker (blogtool.net.aio), against real servers
on 127.0.0.1: TLS with a certificate from a test CA, a kept-alive connection the server
closes while it is idle, and httpcore's errors reaching the checker as httpx's."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpcore
import httpx
import pytest
import trustme

from blogtool.net.http import build_async_transport
from blogtool.net.linkcheck import LinkCheckConfig, LinkStatus, check_urls


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_HEAD(self) -> None:  # noqa: N802 - the http.server protocol
        self.send_response(200 if self.path.startswith("/ok") else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@contextlib.contextmanager
def tls_server(ca: trustme.CA) -> Iterator[int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    # a 50 ms poll: shutdown() waits for the next poll, 0.5 s by default
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _config(**changes: object) -> LinkCheckConfig:
    settings: dict = {
        "min_host_interval": 0.0,
        "max_retries": 1,
        "backoff_base": 0.01,
        "allow_private": True,
    }
    return LinkCheckConfig(**{**settings, **changes})


def test_https_link_is_checked_over_tls(
    ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))  # the link checker trusts the test CA
    with tls_server(ca) as port:
        urls = [f"https://127.0.0.1:{port}/ok", f"https://127.0.0.1:{port}/gone"]
        results = check_urls(urls, _config())
    assert [results[url].status for url in urls] == [LinkStatus.OK, LinkStatus.DEAD]
    assert results[urls[0]].code == 200


def test_untrusted_certificate_is_a_tls_error_and_not_retried(
    ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with tls_server(ca) as port:
        url = f"https://127.0.0.1:{port}/ok"
        result = check_urls([url], _config())[url]
    assert result.status is LinkStatus.ERROR
    assert result.message.startswith("TLS error: "), result.message
    assert "CERTIFICATE_VERIFY_FAILED" in result.message
    assert result.attempts == 1


def test_a_connection_the_server_closed_while_idle_is_not_reused(raw_server) -> None:
    server = raw_server(lambda index: (0, "200 OK"), keep_alive=True)
    urls = [server.url("/a"), server.url("/b")]
    # One connection at a time; the second check starts 0.3 s after the first, when the
    # server has closed the connection the first one left idle.
    results = check_urls(urls, _config(max_per_host=1, min_host_interval=0.3))
    assert [results[url].status for url in urls] == [LinkStatus.OK, LinkStatus.OK]
    # Sent on the dead connection, the second request would have failed and been retried.
    assert [results[url].attempts for url in urls] == [1, 1]
    assert len(server.times) == 2


def test_httpcore_errors_reach_the_caller_as_httpx_errors(closed_port: int) -> None:
    async def request() -> None:
        transport = build_async_transport(max_connections=1)
        try:
            await transport.handle_async_request(
                httpx.Request("HEAD", f"http://127.0.0.1:{closed_port}/")
            )
        finally:
            await transport.aclose()

    with pytest.raises(httpx.ConnectError) as caught:
        asyncio.run(request())
    # httpcore's pool re-raises "from None", so the socket's error is the context, where the
    # link checker looks for it to say "connection refused".
    core = caught.value.__cause__
    assert isinstance(core, httpcore.ConnectError)
    assert isinstance(core.__context__, ConnectionRefusedError)


def test_plain_http_links_load_no_ca_bundle(
    ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    built: list[object] = []
    real = httpx.create_ssl_context
    monkeypatch.setattr(httpx, "create_ssl_context", lambda *a, **k: built.append(1) or real())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    # a 50 ms poll: shutdown() waits for the next poll, 0.5 s by default
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        plain = f"http://127.0.0.1:{server.server_address[1]}/ok"
        assert check_urls([plain], _config())[plain].status is LinkStatus.OK
        assert built == []  # loading the CA bundle costs tens of milliseconds
        with tls_server(ca) as port:
            secure = f"https://127.0.0.1:{port}/ok"
            results = check_urls([plain, secure, secure + "?again"], _config())
        assert {result.status for result in results.values()} == {LinkStatus.OK}
        assert built == [1]  # one context, shared by the https pools
    finally:
        server.shutdown()
        server.server_close()


def test_a_host_whose_every_address_refuses_is_refused(
    closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No name server may be asked here, so the resolver is the one stand-in: it gives the
    # name two loopback addresses, and the connections to both are real (and refused).
    # Python 3.11 reports such a failure as one joined message without an errno.
    real = asyncio.base_events.BaseEventLoop.getaddrinfo

    async def resolve(self, host, port, *args, **kwargs):  # noqa: ANN001, ANN202
        if host != "twice.test":
            return await real(self, host, port, *args, **kwargs)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in ("127.0.0.1", "127.0.0.2")
        ]

    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "getaddrinfo", resolve)
    url = f"http://twice.test:{closed_port}/"
    result = check_urls([url], _config())[url]
    assert (result.status, result.message) == (LinkStatus.ERROR, "connection refused")


def test_no_route_on_one_address_and_refused_on_another_is_not_offline() -> None:
    from blogtool.net.linkcheck import _describe_connect_error

    unreachable = OSError(errno.ENETUNREACH, "Network is unreachable")
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    for errors in ([unreachable, refused], [refused, unreachable]):
        try:
            raise httpx.ConnectError("all failed") from ExceptionGroup("both", errors)
        except httpx.ConnectError as exc:
            failure = _describe_connect_error(exc)
        assert (failure.message, failure.unreachable) == ("connection refused", False)
    try:
        raise httpx.ConnectError("all failed") from ExceptionGroup("both", [unreachable])
    except httpx.ConnectError as exc:
        assert _describe_connect_error(exc).unreachable
