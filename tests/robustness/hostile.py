"""Servers that misbehave on purpose, and a guard for runs that must end.

Every server listens on 127.0.0.1 only. A :class:`HostileServer` reads each request head and
hands the connection to a *script*: send a head one byte at a time, drip a body, stream
without end, send a decompression bomb. The scripts stop as soon as the server is closed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

# A failure guard, not a speed limit: a run that is bounded ends in seconds, a run that is
# not would go on for minutes or forever.
GUARD = float(os.environ.get("BLOGTOOL_TEST_GUARD", "120"))

# A script gets the connection, the request head it sent and an event set on shutdown.
Script = Callable[[socket.socket, bytes, threading.Event], None]


class HostileServer:
    """A TCP server on 127.0.0.1 that runs ``script`` on each connection once its request
    head has arrived; ``heads`` holds the request heads, in order of arrival.

    Subclasses replace :meth:`handle` to act on the connection's index instead.
    """

    def __init__(self, script: Script | None = None) -> None:
        self.script = script
        self.heads: list[bytes] = []
        self.stopped = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def handle(self, connection: socket.socket, request: bytes, index: int) -> None:
        assert self.script is not None
        self.script(connection, request, self.stopped)

    def _accept(self) -> None:
        index = 0
        while not self.stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(connection, index), daemon=True)
            index += 1
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket, index: int) -> None:
        with connection:
            connection.settimeout(5)
            head = b""
            try:
                while b"\r\n\r\n" not in head:
                    chunk = connection.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                self.heads.append(head)
                self.handle(connection, head, index)
            except OSError:
                return

    def close(self) -> None:
        self.stopped.set()
        self._listener.close()
        self._acceptor.join(timeout=2)
        for thread in self._threads:
            thread.join(timeout=2)


@contextlib.contextmanager
def hostile_server(script: Script) -> Iterator[HostileServer]:
    server = HostileServer(script)
    try:
        yield server
    finally:
        server.close()


def drip(data: bytes, interval: float = 0.05) -> Script:
    """Send ``data`` one byte every ``interval`` seconds."""

    def script(connection: socket.socket, request: bytes, stopped: threading.Event) -> None:
        for byte in data:
            if stopped.wait(interval):
                return
            connection.sendall(bytes([byte]))
        stopped.wait()

    return script


def send(head: str, body: bytes = b"") -> Script:
    """Send one answer and close."""

    def script(connection: socket.socket, request: bytes, stopped: threading.Event) -> None:
        connection.sendall(head.encode("latin-1") + body)

    return script


def endless(head: str, chunk: bytes = b"<entry>" * 1024) -> Script:
    """Send ``head`` and then a chunked body that never ends."""
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"

    def script(connection: socket.socket, request: bytes, stopped: threading.Event) -> None:
        connection.sendall(head.encode("latin-1"))
        while not stopped.is_set():
            connection.sendall(frame)

    return script


def gzip_bomb(decompressed: int) -> bytes:
    """A gzip stream of ``decompressed`` zero bytes, built a megabyte at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(decompressed >> 20)]
    parts.append(compressor.flush())
    return b"".join(parts)


def answer_head(status: str = "200 OK", length: int | None = None, **headers: str) -> str:
    lines = [f"HTTP/1.1 {status}"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return "\r\n".join(lines) + "\r\n\r\n"


def for_get(script: Script) -> Script:
    """Answer HEAD with 405 (so a link checker asks again with GET) and GET with ``script``."""
    refuse = send(answer_head("405 Method Not Allowed", 0, Connection="close"))

    def chosen(connection: socket.socket, request: bytes, stopped: threading.Event) -> None:
        (refuse if request.startswith(b"HEAD") else script)(connection, request, stopped)

    return chosen


def run_cli(args: Sequence[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``blogtool ARGS`` in a process of its own, killed (and the test failed) past GUARD."""
    environ = {**os.environ, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1", **env}
    environ.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "blogtool.cli", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=GUARD,
        check=False,
    )


def finishes(function: Callable[[], object]) -> object:
    """``function()``'s result or exception (returned, not raised), or a failed test when it
    is still running after GUARD seconds."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(function())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(GUARD)
    assert not thread.is_alive(), f"still running after {GUARD:g} s"
    return outcome[0]
