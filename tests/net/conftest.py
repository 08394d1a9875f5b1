"""Local servers for the network tests. Everything listens on 127.0.0.1; nothing leaves it."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from blogtool.net.linkcheck import LinkCheckConfig
from robustness.hostile import HostileServer


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it, stamped with ``time.monotonic()`` on arrival."""

    method: str
    path: str
    at: float
    headers: dict[str, str]


class Web:
    """A real HTTP server on 127.0.0.1 that logs every request with its arrival time.

    ``route(path, *responses)`` answers successive requests to ``path`` with the given
    responses, repeating the last one; a response is a status code, a
    ``(status, headers)`` pair, or a callable taking the request.
    """

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.hits: list[Hit] = []
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.port}{path}"

    def route(self, path: str, *responses: object) -> None:
        remaining = list(responses)

        def handle(request: Request) -> Response:
            with self._lock:
                self.hits.append(
                    Hit(request.method, request.path, time.monotonic(), dict(request.headers))
                )
                answer = remaining.pop(0) if len(remaining) > 1 else remaining[0]
            if callable(answer):
                return answer(request)
            status, headers = answer if isinstance(answer, tuple) else (answer, {})
            return Response(b"", status=status, headers=headers)

        self.server.expect_request(path).respond_with_handler(handle)

    def hits_for(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]


# One server for the session: stopping one waits out its 0.5 s poll; ``web`` clears it per test.
@pytest.fixture(scope="session")
def _web_server() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def web(_web_server: HTTPServer) -> Iterator[Web]:
    _web_server.clear()
    yield Web(_web_server)
    _web_server.clear()


# What a RawServer does with one request: wait ``delay`` seconds (``None``: until the server
# stops), then send an empty response with ``status`` (``None``: hang up without a word).
Action = tuple[float | None, str | None]


class RawServer(HostileServer):
    """A bare TCP server on 127.0.0.1 for what HTTP servers will not do: stall, hang up.

    ``behaviour(index)`` is asked what to do with the ``index``-th connection (from 0) once its
    request head has arrived. ``times`` holds those arrival times, ``max_in_flight`` the
    largest number of requests it held at once. With ``keep_alive`` an answer does not say
    ``Connection: close``, and the server hangs up 50 ms after it anyway, as servers do when
    a kept-alive connection expires.
    """

    def __init__(self, behaviour: Callable[[int], Action], keep_alive: bool = False) -> None:
        self.behaviour = behaviour
        self.keep_alive = keep_alive
        self.times: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        super().__init__()

    def handle(self, connection: socket.socket, request: bytes, index: int) -> None:
        with self._lock:
            self.times.append(time.monotonic())
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        delay, status = self.behaviour(index)
        self.stopped.wait(delay)
        with self._lock:
            self.in_flight -= 1
        if status is not None and not self.stopped.is_set():
            close = "" if self.keep_alive else "Connection: close\r\n"
            head = f"HTTP/1.1 {status}\r\nContent-Length: 0\r\n{close}\r\n"
            with contextlib.suppress(OSError):
                connection.sendall(head.encode())
            if self.keep_alive:
                self.stopped.wait(0.05)


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    servers: list[RawServer] = []

    def start(behaviour: Callable[[int], Action], keep_alive: bool = False) -> RawServer:
        server = RawServer(behaviour, keep_alive)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoNetworkTransport(httpx.AsyncBaseTransport):
    """Fails like a machine without network, except for hosts in ``reachable``.

    The failure is raised before any lookup happens, so no DNS query leaves the machine.
    """

    def __init__(self, failure: OSError, reachable: tuple[str, ...] = ()) -> None:
        self.failure = failure
        self.reachable = reachable
        self.requested: list[str] = []
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requested.append(str(request.url))
        if request.url.host in self.reachable:
            return await self._real.handle_async_request(request)
        try:
            raise self.failure
        except OSError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc

    async def aclose(self) -> None:
        await self._real.aclose()


_FAILURES = {
    "dns": lambda: socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
    "no-route": lambda: OSError(errno.ENETUNREACH, "Network is unreachable"),
}


@pytest.fixture
def no_network() -> Callable[..., NoNetworkTransport]:
    """``no_network("dns" | "no-route", reachable=(...))`` builds a failing transport."""

    def build(kind: str = "dns", reachable: tuple[str, ...] = ()) -> NoNetworkTransport:
        return NoNetworkTransport(_FAILURES[kind](), reachable)

    return build


@pytest.fixture
def make_config() -> Callable[..., LinkCheckConfig]:
    """A config with small waits, so retries cost milliseconds; keyword arguments override."""

    def build(**changes: object) -> LinkCheckConfig:
        base = LinkCheckConfig(
            timeout=3.0,
            min_host_interval=0.0,
            backoff_base=0.01,
            max_retry_wait=3.0,
            max_retries=2,
            allow_private=True,  # every server of these tests is on 127.0.0.1
        )
        return dataclasses.replace(base, **changes)

    return build
