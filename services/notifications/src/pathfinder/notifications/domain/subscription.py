"""An LA's subscription to the events about the children it is responsible for, and its delivery rules.

An LA chooses which catalogued event types it wants and one channel: its own Kafka topic, a signed HTTPS
webhook, or a FHIR rest-hook in the Subscriptions Backport shape. Whatever the channel, only events whose
responsible LA is the subscriber are ever delivered on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit
from uuid import UUID

from pathfinder.contracts.catalogue import current_event_classes

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret
MAX_ACTIVE_SECRETS = 2  # the old and the new one while a receiver rolls its secret over
MIN_HEARTBEAT_SECONDS = 60
_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]{32,}={0,2}$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_FORBIDDEN_HEADERS = frozenset({"host", "content-length", "content-type", "transfer-encoding", "connection"})


class Channel(StrEnum):
    KAFKA = "kafka"
    WEBHOOK = "webhook"
    FHIR_REST_HOOK = "fhir-rest-hook"


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # its deliveries ran out of retries: later events queue until the LA asks to resume


@dataclass(frozen=True)
class Sealed:
    """A webhook secret or header value as stored: sealed under key ``key_id``, opened only to send."""

    value: bytes = field(repr=False)
    key_id: str


class InvalidSubscription(ValueError):
    """The subscription breaks a rule; the message names the rule, never a secret."""


def deliverable_event_types() -> frozenset[str]:
    """Event types an LA may subscribe to: the current version of every event that may reach an LA."""
    return frozenset(cls.event_type for cls in current_event_classes() if cls.la_deliverable)


def la_topic(la_code: str) -> str:
    return f"pathfinder.la.{la_code}.events"


@dataclass
class LaSubscription:
    id: UUID
    la_code: str
    channel: Channel
    event_types: frozenset[str]
    created_at: datetime
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE
    endpoint: str | None = None
    allowed_hosts: frozenset[str] = frozenset()
    # Plaintext as given by the LA until stored; Sealed once read back.
    secrets: tuple[str | Sealed, ...] = ()
    headers: Mapping[str, str | Sealed] = field(default_factory=dict)
    heartbeat_seconds: int | None = None
    events_since_start: int = 0

    def __post_init__(self) -> None:
        check_event_types(self.event_types)
        if self.channel is Channel.KAFKA:
            if self.endpoint or self.secrets or self.headers or self.heartbeat_seconds:
                raise InvalidSubscription("a kafka subscription has no endpoint, secrets, headers or heartbeat")
            return
        if self.endpoint is None:
            raise InvalidSubscription(f"a {self.channel} subscription needs an endpoint")
        host = endpoint_host(self.endpoint)
        self.allowed_hosts = frozenset({host, *(check_host(name) for name in self.allowed_hosts)})
        if self.channel is Channel.WEBHOOK:
            check_secrets(self.secrets)
            if self.headers or self.heartbeat_seconds:
                raise InvalidSubscription("a webhook subscription has no custom headers or heartbeat")
        else:
            if self.secrets:
                raise InvalidSubscription("a fhir-rest-hook subscription carries headers, not signing secrets")
            check_headers(self.headers)
            if self.heartbeat_seconds is not None and self.heartbeat_seconds < MIN_HEARTBEAT_SECONDS:
                raise InvalidSubscription(f"heartbeat_seconds must be at least {MIN_HEARTBEAT_SECONDS}")

    def wants(self, event_type: str) -> bool:
        return event_type in self.event_types


def check_event_types(event_types: frozenset[str]) -> None:
    if not event_types:
        raise InvalidSubscription("subscribe to at least one event type")
    unknown = sorted(event_types - deliverable_event_types())
    if unknown:
        raise InvalidSubscription(f"not deliverable to an LA or not a current event type: {', '.join(unknown)}")


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def check_scheme(endpoint: str, *, allow_loopback_http: bool) -> None:
    """https only; plain http only to this machine, and only where a development setting allows it."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and allow_loopback_http and (parts.hostname or "") in LOOPBACK_HOSTS:
        return
    raise InvalidSubscription("the endpoint must be an https URL")


def endpoint_host(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidSubscription("the endpoint must be an absolute https URL")
    if parts.username or parts.password or parts.fragment:
        raise InvalidSubscription("the endpoint must not carry credentials or a fragment")
    return check_host(parts.hostname)


def check_host(host: str) -> str:
    name = host.lower().rstrip(".")
    if not _HOST.match(name):
        raise InvalidSubscription("a host must be a DNS name or an IP address")
    return name


def check_secrets(secrets: tuple[str | Sealed, ...]) -> None:
    if not 1 <= len(secrets) <= MAX_ACTIVE_SECRETS:
        raise InvalidSubscription(f"a webhook has one or {MAX_ACTIVE_SECRETS} active secrets")
    if not all(isinstance(secret, Sealed) or _SECRET.match(secret) for secret in secrets):
        raise InvalidSubscription("a secret is 'whsec_' followed by base64 of at least 24 random bytes")


def check_headers(headers: Mapping[str, str | Sealed]) -> None:
    for name, value in headers.items():
        if not _HEADER_NAME.match(name) or name.lower() in _FORBIDDEN_HEADERS:
            raise InvalidSubscription("a header name is not allowed")
        if isinstance(value, Sealed):
            continue  # checked before it was sealed
        if "\r" in value or "\n" in value or len(value) > 1024:
            raise InvalidSubscription("a header value is not allowed")
