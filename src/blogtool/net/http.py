"""One place that builds HTTP clients, so every network feature identifies itself the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from blogtool import __version__

if TYPE_CHECKING:
    import httpx

DEFAULT_USER_AGENT = f"blogtool/{__version__}"


def build_async_client(
    *,
    timeout: float,
    user_agent: str = DEFAULT_USER_AGENT,
    max_connections: int = 100,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An async client that never follows redirects on its own.

    Callers follow redirects themselves: they need to see every hop to spot permanent moves,
    loops and jumps to schemes other than HTTP(S). ``transport`` exists so tests and embedders
    can put something between the client and the network.
    """
    import httpx

    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": user_agent},
        follow_redirects=False,
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
        transport=transport,
    )
