"""Where a webhook or rest-hook may be sent, decided before connecting (protection against SSRF).

The host must be one the subscription registered; every address it resolves to must be public (no private,
link-local, loopback, multicast, reserved or unspecified address, including IPv4-mapped ones); and the
connection goes to the address checked here, so a second DNS answer cannot swap in another (no TOCTOU).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from pathfinder.notifications.domain.la_subscription import InvalidSubscription, check_scheme

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedDestination(Exception):
    """The destination may not be reached; the reason names the rule, not the address."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str
    port: int
    target: str  # path and query
    address: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def address_allowed(address: Address, *, allow_loopback: bool) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return allow_loopback
    return address.is_global and not (
        address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def resolve(endpoint: str, allowed_hosts: frozenset[str], *, allow_loopback: bool) -> Destination:
    try:
        check_scheme(endpoint, allow_loopback_http=allow_loopback)
    except InvalidSubscription as refusal:
        raise RefusedDestination(str(refusal)) from None
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower().rstrip(".")
    if host not in allowed_hosts:
        raise RefusedDestination("the host is not registered for this subscription")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise RefusedDestination("the host does not resolve") from None
    addresses = [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]
    if not addresses or not all(address_allowed(address, allow_loopback=allow_loopback) for address in addresses):
        raise RefusedDestination("the host resolves to an address that is not public")
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return Destination(parts.scheme, host, port, target, str(addresses[0]))
