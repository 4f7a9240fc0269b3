"""Where deliveries may go: https only, registered hosts only, public addresses only, no redirects."""

from __future__ import annotations

import ipaddress

import pytest
from pathfinder.devstack.webhook_receiver import running_receiver
from pathfinder.notifications.adapters.destination import address_allowed
from pathfinder.notifications.adapters.la_endpoints import EndpointSender
from pathfinder.notifications.settings import LaDeliverySettings

BODY = b"{}"


def sender(*, loopback: bool) -> EndpointSender:
    return EndpointSender(
        LaDeliverySettings(allow_loopback_http=loopback, request_timeout_seconds=1.0, connect_timeout_seconds=0.5)
    )


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("93.184.215.14", True),
        ("2a00:1450:4009:81f::200e", True),
        ("10.0.0.7", False),
        ("172.16.3.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("127.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("0.0.0.0", False),  # noqa: S104 - the address under test, not a bind
        ("100.64.0.1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_only_public_addresses_are_allowed(address: str, allowed: bool) -> None:
    assert address_allowed(ipaddress.ip_address(address), allow_loopback=False) is allowed


async def test_plain_http_is_refused_unless_the_development_setting_allows_loopback() -> None:
    with running_receiver() as receiver:
        refused = await sender(loopback=False).post(receiver.url, frozenset({"127.0.0.1"}), {}, BODY)
        assert refused.error is not None and refused.error.startswith("refused")
        assert receiver.attempts == 0
        allowed = await sender(loopback=True).post(receiver.url, frozenset({"127.0.0.1"}), {}, BODY)
        assert allowed.delivered
    outside = await sender(loopback=True).post("http://93.184.215.14/hook", frozenset({"93.184.215.14"}), {}, BODY)
    assert outside.error is not None and outside.error.startswith("refused")


async def test_private_and_unregistered_destinations_are_refused_before_connecting() -> None:
    private = await sender(loopback=True).post("https://10.0.0.7/hook", frozenset({"10.0.0.7"}), {}, BODY)
    assert private.error == "refused: the host resolves to an address that is not public"
    metadata = await sender(loopback=True).post("https://169.254.169.254/", frozenset({"169.254.169.254"}), {}, BODY)
    assert metadata.error == "refused: the host resolves to an address that is not public"
    unregistered = await sender(loopback=True).post("https://example.org/hook", frozenset({"la.example"}), {}, BODY)
    assert unregistered.error == "refused: the host is not registered for this subscription"
    resolved_loopback = await sender(loopback=False).post("https://localhost/hook", frozenset({"localhost"}), {}, BODY)
    assert resolved_loopback.error is not None and resolved_loopback.error.startswith("refused")


async def test_redirects_are_not_followed() -> None:
    with running_receiver() as target, running_receiver() as redirecting:
        redirecting.mode, redirecting.redirect_to = "redirect", target.url
        outcome = await sender(loopback=True).post(redirecting.url, frozenset({"127.0.0.1"}), {}, BODY)
        assert outcome.status == 302 and outcome.error == "redirect refused" and not outcome.delivered
        assert target.attempts == 0


async def test_a_slow_endpoint_times_out() -> None:
    with running_receiver() as receiver:
        receiver.mode, receiver.slow_seconds = "slow", 1.5
        outcome = await sender(loopback=True).post(receiver.url, frozenset({"127.0.0.1"}), {}, BODY)
        assert outcome.error == "timed out"
