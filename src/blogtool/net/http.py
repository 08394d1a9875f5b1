"""What every network feature shares: connection pools that identify themselves and find their
proxy the same way, and the limits every exchange keeps.

No answer may cost unbounded time or memory: callers put a deadline on the whole exchange
(connect, headers and body) and read bodies through :func:`read_limited` or :func:`drain`,
which stop at a byte limit, decompressed bytes included. Waits a server asks for go through
one ``Retry-After`` parser and are capped by the caller. Pools built with
``allow_private=False`` refuse to connect to private, loopback and link-local addresses.
"""

from __future__ import annotations

import email.utils
import math
import os
import re
import ssl
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from blogtool import __version__
from blogtool.net.addresses import PrivateAddress as PrivateAddress  # re-exported
from blogtool.net.addresses import is_private as is_private  # re-exported
from blogtool.net.addresses import private_host as private_host  # re-exported

if TYPE_CHECKING:
    import httpx

DEFAULT_USER_AGENT = f"blogtool/{__version__}"
# Set (to 1) for a run that must not use the network: ``lint --offline`` sets it, so every
# stage (worker processes too) sees it; a user may set it for a whole shell or CI job.
OFFLINE_ENV = "BLOGTOOL_OFFLINE"


def offline(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment forbids network connections (:data:`OFFLINE_ENV`)."""
    value = (os.environ if environ is None else environ).get(OFFLINE_ENV, "")
    return value.strip().lower() not in ("", "0", "false", "no")


def build_async_transport(
    *,
    max_connections: int,
    verify: ssl.SSLContext | bool | None = True,
    proxy: str | None = None,
    allow_private: bool = True,
) -> httpx.AsyncBaseTransport:
    """An httpx connection pool of at most ``max_connections`` connections, all kept alive.

    Callers that send many small requests use the transport without an ``httpx.AsyncClient``
    around it: the client's cookie jar, URL merging and redirect machinery cost more CPU per
    request than the pool itself, and a link checker follows redirects by hand anyway.
    ``verify`` takes an SSL context to share between pools: building one loads the CA bundle,
    tens of milliseconds each time; ``None`` says the pool serves plain ``http`` only, and
    builds none.

    A direct pool talks to its sockets through asyncio (:mod:`blogtool.net.aio`); a pool
    behind ``proxy`` is httpx's own transport, which knows every kind of proxy.

    With ``allow_private=False`` a direct pool refuses (with :class:`PrivateAddress`) to
    connect to a host that resolves to a private, loopback or link-local address. A proxy
    resolves names itself, so behind one only IP literals can be checked, by the caller
    (:func:`private_host`).
    """
    import httpx

    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=None)
    if proxy is not None:
        tls = True if verify is None else verify
        return httpx.AsyncHTTPTransport(verify=tls, limits=limits, proxy=proxy)

    import httpcore

    from blogtool.net.aio import AsyncioBackend, PoolTransport

    # None: no context now. Should an https request come after all, httpcore verifies it
    # with a default context of its own.
    context = httpx.create_ssl_context(verify=verify) if isinstance(verify, bool) else verify
    pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=AsyncioBackend(allow_private=allow_private),
    )
    return PoolTransport(pool)


def http_url_problem(url: str) -> str:
    """Why ``url`` cannot be the address of a server to ask, or an empty string: it must be
    http(s), name a host the name lookup can encode (not ``a..b``) and a valid port."""
    from urllib.parse import urlsplit

    if not url.startswith(("http://", "https://")):
        return "it must start with http:// or https://"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        return str(exc)
    host = parts.hostname
    if not host:
        return "it names no host"
    try:
        host.encode("idna")
    except UnicodeError as exc:
        return f"host name {host!r}: {exc}"
    return ""


def environment_proxy(scheme: str, host: str) -> str | None:
    """The proxy URL the environment names for ``scheme://host``, as httpx's client reads it:
    ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` (either case), with ``NO_PROXY`` honoured."""
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    url = proxies.get(scheme.lower()) or proxies.get("all")
    if not url or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    return url


# --- limits every exchange keeps ---------------------------------------------------------------

# httpcore refuses a status line and headers larger than this (h11's incomplete event limit),
# so only a body can grow without bound; every caller bounds it with its own byte limit.
HEADER_BYTES_LIMIT = 100 * 1024
# What a server may ask us to wait: a longer Retry-After is reported, not obeyed.
DEFAULT_MAX_WAIT = 120.0
# A Retry-After delay with more digits than this is longer than any wait anyone will make.
_LONGEST_DELAY_DIGITS = 12
_DELAY = re.compile(r"[0-9]+")  # RFC 9110: delay-seconds = 1*DIGIT


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay seconds or an HTTP-date).

    ``now`` is the current time in seconds since the epoch. ``None`` when absent or
    unreadable; ``math.inf`` for a delay too long to write down. A date without a zone is
    read as GMT (HTTP-dates are in GMT); a date in the past means now. The one parser for
    every client, so they all agree on what a header asks.
    """
    if value is None:
        return None
    text = value.strip()
    delay = _DELAY.fullmatch(text)
    if delay is not None:
        if len(text.lstrip("0")) > _LONGEST_DELAY_DIGITS:
            return math.inf
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, when.timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError, OSError):
        return None


def retry_hint(wait: float, now: float) -> str:
    """When to try again after a refused wait of ``wait`` seconds: a time, in UTC."""
    if not math.isfinite(wait) or wait > 10 * 365 * 86400:
        return "try again later"
    when = datetime.fromtimestamp(now + wait, UTC)
    return f"try again after {when:%Y-%m-%d %H:%M} UTC"


class ResponseTooLarge(Exception):
    """A body longer than the caller's byte limit (after decompression); it was not kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer is larger than {limit:,} bytes")
        self.limit = limit


class UnsupportedEncoding(Exception):
    """A ``Content-Encoding`` the bounded reader cannot undo (only gzip and deflate)."""


class _Inflater:
    """One gzip or deflate layer, never producing more than it is given room for.

    zlib's ``max_length`` stops the output at the room left, so a few kilobytes of a
    decompression bomb cost at most the byte limit, not gigabytes.
    """

    def __init__(self) -> None:
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 32)  # a gzip or a zlib header
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            out = self._zlib.decompress(data, room)
        except zlib.error:
            if self._started:
                raise
            # "deflate" without the zlib header, as some servers send it.
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, room)
        self._started = True
        if self._zlib.unconsumed_tail:
            raise ResponseTooLarge(0)  # more output waits beyond the room: over the limit
        return out


def _decoders(content_encoding: str) -> list[_Inflater]:
    layers = []
    # Listed in the order they were applied, so undone from the last.
    for coding in reversed([c.strip().lower() for c in content_encoding.split(",")]):
        if coding in ("", "identity"):
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise UnsupportedEncoding(f"unsupported Content-Encoding {coding!r}")
        layers.append(_Inflater())
    return layers


async def read_limited(response: httpx.Response, limit: int) -> bytes:
    """The body of ``response``, decompressed, or :class:`ResponseTooLarge` past ``limit``
    bytes (counted both as sent and as decompressed); nothing past the limit is kept."""
    layers = _decoders(response.headers.get("Content-Encoding", ""))
    body = bytearray()
    sent = 0
    try:
        async for chunk in response.aiter_raw():
            sent += len(chunk)
            if sent > limit:
                raise ResponseTooLarge(limit)
            for layer in layers:
                chunk = layer.feed(chunk, limit - len(body) + 1)
            body += chunk
            if len(body) > limit:
                raise ResponseTooLarge(limit)
    except ResponseTooLarge:
        raise ResponseTooLarge(limit) from None
    return bytes(body)


async def drain(response: httpx.Response, limit: int) -> bool:
    """Read and drop up to ``limit`` bytes of body; whether the whole body was read."""
    seen = 0
    async for chunk in response.aiter_raw():
        seen += len(chunk)
        if seen > limit:
            return False
    return True
