"""httpcore connections over plain asyncio streams, and an httpx transport around their pool.

httpx's own transport reaches sockets through anyio. Its per-call machinery (a cancel scope
around every read and write, a dictionary of socket attributes built each time the pool asks
whether an idle connection is still open) cost about a quarter of the CPU of checking a
thousand links. httpcore lets a pool take another network backend; this one uses asyncio's
streams and ``asyncio.timeout`` directly. The HTTP itself (h11, the pool, keep-alive) is
still httpcore's, and callers still see httpx requests, responses and exceptions.

Proxies are not handled here: :func:`blogtool.net.http.build_async_transport` gives a proxied
server httpx's own transport.
"""

from __future__ import annotations

import asyncio
import re
import select
import socket
import ssl
import sys
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import httpx
from httpcore import AsyncNetworkBackend, AsyncNetworkStream

# RFC 8305's recommended wait before trying the next address of a host (anyio waits the same).
_HAPPY_EYEBALLS_DELAY = 0.25
# When every address of a host fails, Python 3.12+ can raise each address's error (in an
# ExceptionGroup); 3.11 joins them into one message, "Multiple exceptions: [Errno 111] ...,
# [Errno 101] ...", whose errno is None. The link checker needs the errors themselves to tell
# "refused" and "no route" (offline) apart.
_ALL_ERRORS = {"all_errors": True} if sys.version_info >= (3, 12) else {}
_JOINED_ERRNO = re.compile(r"\[Errno (\d+)\] ([^,\[]*)")


class AsyncioStream(AsyncNetworkStream):
    """One connection: asyncio's reader and writer, with httpcore's exceptions."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError as exc:
            raise httpcore.ReadTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ReadError(str(exc)) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError as exc:
            raise httpcore.WriteTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.WriteError(str(exc)) from exc

    async def aclose(self) -> None:
        transport = self._writer.transport
        if transport.get_extra_info("ssl_object") is not None:
            # No TLS close_notify exchange: a server that never answers it would hold the
            # socket open for asyncio's 30 s shutdown timeout (anyio's httpcore stream does
            # not wait for it either).
            transport.abort()
        else:
            transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError as exc:
            self._writer.transport.abort()
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:  # ssl.SSLError is an OSError
            self._writer.transport.abort()
            raise httpcore.ConnectError(str(exc)) from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of an idle kept-alive connection: readable means the server closed it
            # (or sent something unasked), so the pool must not reuse it. asyncio reads the
            # socket as data arrives, so look at what it has read before asking the kernel.
            return (
                self._reader.at_eof()
                or self._writer.transport.is_closing()
                or _readable(self._writer.get_extra_info("socket"))
            )
        names = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername"}
        if info in names:
            return self._writer.get_extra_info(names[info])
        if info == "socket":
            return self._writer.get_extra_info("socket")
        return None


def _readable(sock: Any) -> bool:
    """Whether the kernel holds unread bytes (or an end of stream) for ``sock``; a socket
    without a descriptor counts as readable, so its connection is dropped, not reused."""
    fd = sock.fileno() if sock is not None else -1
    if fd < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def _each_error(exc: BaseException) -> BaseException:
    """``exc``, or for Python 3.11's joined message an ExceptionGroup of the errors it names
    (rebuilt from their errno and text: the originals are gone)."""
    message = str(exc)
    if not isinstance(exc, OSError) or exc.errno is not None:
        return exc
    if not message.startswith("Multiple exceptions: "):
        return exc
    errors = [OSError(int(code), text.strip()) for code, text in _JOINED_ERRNO.findall(message)]
    return ExceptionGroup(message, errors) if errors else exc


class AsyncioBackend(AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections for an ``httpcore.AsyncConnectionPool``.

    With ``allow_private=False`` a host is looked up first and refused when any of its
    addresses is private, loopback or link-local; the address actually reached is checked
    again once connected, before a byte is sent, so a name that resolves differently the
    second time (DNS rebinding) gains nothing.
    """

    def __init__(self, allow_private: bool = True) -> None:
        self.allow_private = allow_private

    async def _refuse_private(self, host: str, port: int) -> None:
        from blogtool.net.addresses import PrivateAddress, is_private

        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            return  # the connection attempt reports the lookup failure
        for *_, sockaddr in infos:
            if is_private(str(sockaddr[0])):
                raise PrivateAddress(host, str(sockaddr[0]))

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                if not self.allow_private:
                    await self._refuse_private(host, port)
                reader, writer = await asyncio.open_connection(
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                    happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY,
                    **_ALL_ERRORS,
                )
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, ExceptionGroup) as exc:  # refused, unreachable, DNS (socket.gaierror)
            errors = _each_error(exc)
            if errors is exc:
                raise httpcore.ConnectError(str(exc)) from exc
            # httpcore's pool re-raises "from None", which drops a cause but keeps the
            # context: raised while handling the group, the error keeps it as its context.
            try:
                raise errors from exc
            except ExceptionGroup:
                raise httpcore.ConnectError(str(exc)) from errors
        if not self.allow_private:
            self._check_peer(host, writer)
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    @staticmethod
    def _check_peer(host: str, writer: asyncio.StreamWriter) -> None:
        from blogtool.net.addresses import PrivateAddress, is_private

        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if peer else ""
        if is_private(address):
            writer.transport.abort()
            error = PrivateAddress(host, address)
            raise httpcore.ConnectError(str(error)) from error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class PoolTransport(httpx.AsyncBaseTransport):
    """An httpx transport that hands requests to an httpcore pool and maps the answers back."""

    def __init__(self, pool: httpcore.AsyncConnectionPool) -> None:
        self._pool = pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            answer = await self._pool.handle_async_request(core_request)
        except Exception as exc:
            twin = _httpx_twin(exc)
            if twin is None:
                raise
            raise twin from exc
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


class _Body(httpx.AsyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            twin = _httpx_twin(exc)
            if twin is None:
                raise
            raise twin from exc

    async def aclose(self) -> None:
        await self._stream.aclose()


def _httpx_twin(exc: Exception) -> Exception | None:
    """httpx's exception of the same name as httpcore's ``exc`` (``ReadTimeout`` for
    ``ReadTimeout``; the two libraries keep parallel hierarchies and callers catch httpx's),
    or None for an exception that is not httpcore's."""
    for cls in type(exc).__mro__:
        twin = getattr(httpx, cls.__name__, None)
        if cls.__module__.startswith("httpcore") and isinstance(twin, type):
            return twin(str(exc))
    return None
