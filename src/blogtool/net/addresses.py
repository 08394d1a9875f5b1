"""Addresses a run may reach: which are private, loopback or link-local, and the error for a
connection refused on that ground.

Its own module because both layers of the network code ask: the socket backend
(:mod:`blogtool.net.aio`) checks the address it resolved and reached, and the pools and the
link checker (:mod:`blogtool.net.http`, :mod:`blogtool.net.linkcheck`) check IP literals
before a request. Neither layer has to import the other for it.
"""

from __future__ import annotations

import ipaddress


class PrivateAddress(OSError):
    """A connection refused before it was made: the host is on a private, loopback or
    link-local network, and the caller did not allow those."""

    def __init__(self, host: str, address: str) -> None:
        shown = host if host == address else f"{host} ({address})"
        super().__init__(f"{shown} is a private, loopback or link-local address")
        self.host = host
        self.address = address


def is_private(address: str) -> bool:
    """Whether an IP address is anything but a public unicast one: private, loopback,
    link-local (169.254.169.254, where clouds serve credentials), unspecified, multicast,
    reserved or shared. Anything that is not an address at all counts as private."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def private_host(host: str) -> str | None:
    """The private address a host name stands for without a lookup (an IP literal, or
    ``localhost``), else None. Names that need DNS are checked when connecting."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return "127.0.0.1"
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return None
    return name if is_private(name) else None
