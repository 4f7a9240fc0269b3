"""Where a webhook or rest-hook may be sent, decided before connecting (protection against SSRF).

The host must be one the subscription registered and not a cloud metadata service's name; every address it
resolves to must be public (no private, shared (100.64/10), link-local (169.254/16, the metadata address),
loopback, multicast, reserved or unspecified address, including IPv4-mapped ones); and the connection goes to
the address checked here, so a second DNS answer cannot swap in another (no TOCTOU).

The same rule refuses an endpoint when an LA registers it (:class:`RegistrationDestinations`), so the LA hears
why at once rather than from parked deliveries; a name that does not resolve yet is accepted then and judged
again at every delivery.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from pathfinder.notifications.domain.la_subscription import InvalidSubscription, check_scheme

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
METADATA_HOSTS = frozenset(
    {"metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"}
)
NOT_PUBLIC = "the host resolves to an address that is not public"


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


def named_refusal(host: str, *, allow_loopback: bool) -> str | None:
    """Why ``host`` may never be reached, judged from the name alone (no DNS); None if the name is no bar."""
    if host in METADATA_HOSTS:
        return "the host is a cloud metadata service"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return None if address_allowed(address, allow_loopback=allow_loopback) else NOT_PUBLIC


async def _addresses(host: str, port: int) -> list[Address]:
    answers = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(answer[4][0]).split("%")[0]) for answer in answers]


@dataclass(frozen=True)
class RegistrationDestinations:
    """Whether an endpoint an LA registers could ever be delivered to (the ``DestinationCheck`` port)."""

    allow_loopback: bool
    dns_timeout_seconds: float = 2.0

    async def refusal(self, endpoint: str, allowed_hosts: frozenset[str]) -> str | None:
        parts = urlsplit(endpoint)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        for host in sorted(allowed_hosts):
            reason = named_refusal(host, allow_loopback=self.allow_loopback)
            if reason is not None:
                return f"{host}: {reason}"
            try:
                addresses = await asyncio.wait_for(_addresses(host, port), self.dns_timeout_seconds)
            except (OSError, TimeoutError):
                continue  # not resolvable now: judged again at every delivery
            if not all(address_allowed(address, allow_loopback=self.allow_loopback) for address in addresses):
                return f"{host}: {NOT_PUBLIC}"
        return None


async def resolve(endpoint: str, allowed_hosts: frozenset[str], *, allow_loopback: bool) -> Destination:
    try:
        check_scheme(endpoint, allow_loopback_http=allow_loopback)
    except InvalidSubscription as refusal:
        raise RefusedDestination(str(refusal)) from None
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower().rstrip(".")
    if host not in allowed_hosts:
        raise RefusedDestination("the host is not registered for this subscription")
    named = named_refusal(host, allow_loopback=allow_loopback)
    if named is not None:
        raise RefusedDestination(named)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = await _addresses(host, port)
    except OSError:
        raise RefusedDestination("the host does not resolve") from None
    if not addresses or not all(address_allowed(address, allow_loopback=allow_loopback) for address in addresses):
        raise RefusedDestination(NOT_PUBLIC)
    target = parts.path or "/"
    if parts.query:
        target = f"{target}?{parts.query}"
    return Destination(parts.scheme, host, port, target, str(addresses[0]))
