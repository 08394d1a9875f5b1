"""One place that builds HTTP connection pools, so every network feature identifies itself and
finds its proxy the same way."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from blogtool import __version__

if TYPE_CHECKING:
    import httpx

DEFAULT_USER_AGENT = f"blogtool/{__version__}"


def build_async_transport(
    *,
    max_connections: int,
    verify: ssl.SSLContext | bool | None = True,
    proxy: str | None = None,
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
        network_backend=AsyncioBackend(),
    )
    return PoolTransport(pool)


def environment_proxy(scheme: str, host: str) -> str | None:
    """The proxy URL the environment names for ``scheme://host``, as httpx's client reads it:
    ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` (either case), with ``NO_PROXY`` honoured."""
    import urllib.request

    proxies = urllib.request.getproxies_environment()
    url = proxies.get(scheme.lower()) or proxies.get("all")
    if not url or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    return url
