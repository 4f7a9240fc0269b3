"""The rules an LA subscription's terms must meet, one function each: the event types it may ask for, the
endpoint it may name (an https URL of a DNS name or address, or the LA's MESH mailbox), webhook secrets and
rest-hook headers. Each raises :class:`InvalidSubscription` naming the rule, never a secret."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from pathfinder.contracts.catalogue import current_event_classes
from pathfinder.notifications.domain.mesh_mailbox import InvalidMailbox, mailbox_id
from pathfinder.notifications.domain.sealed import Sealed

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret
MAX_ACTIVE_SECRETS = 2  # the old and the new one while a receiver rolls its secret over
MIN_HEARTBEAT_SECONDS = 60
MAX_HEARTBEAT_SECONDS = 86_400
MAX_ENDPOINT_LENGTH = 2048
EVERY_EVENT_TYPE = "*"
"""Stored as the only event type: every type an LA may receive, including those catalogued later."""
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]{32,}={0,2}$")
_HOST = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_FORBIDDEN_HEADERS = frozenset({"host", "content-length", "content-type", "transfer-encoding", "connection"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")


class InvalidSubscription(ValueError):
    """The subscription breaks a rule; the message names the rule, never a secret."""


def deliverable_event_types() -> frozenset[str]:
    """Event types an LA may subscribe to: the current version of every event that may reach an LA."""
    return frozenset(cls.event_type for cls in current_event_classes() if cls.la_deliverable)


def check_event_types(event_types: frozenset[str]) -> None:
    if not event_types:
        raise InvalidSubscription("subscribe to at least one event type, or leave event_types out for every one")
    if EVERY_EVENT_TYPE in event_types:
        if len(event_types) > 1:
            raise InvalidSubscription(f"'{EVERY_EVENT_TYPE}' (every event type) stands alone")
        return
    unknown = sorted(event_types - deliverable_event_types())
    if unknown:
        raise InvalidSubscription(f"not deliverable to an LA or not a current event type: {', '.join(unknown)}")


def check_scheme(endpoint: str, *, allow_loopback_http: bool) -> None:
    """https only; plain http only to this machine, and only where a development setting allows it."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and allow_loopback_http and (parts.hostname or "") in LOOPBACK_HOSTS:
        return
    raise InvalidSubscription("the endpoint must be an https URL")


def endpoint_host(endpoint: str) -> str:
    if len(endpoint) > MAX_ENDPOINT_LENGTH:
        raise InvalidSubscription(f"the endpoint must be at most {MAX_ENDPOINT_LENGTH} characters")
    if _CONTROL_OR_SPACE.search(endpoint):
        raise InvalidSubscription("the endpoint must not contain spaces or control characters (percent-encode them)")
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        raise InvalidSubscription("the endpoint is not a valid URL") from None
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


def mesh_endpoint(endpoint: str) -> str:
    """A MESH subscription's endpoint: the LA's mailbox id, as MESH compares them."""
    try:
        return mailbox_id(endpoint)
    except InvalidMailbox as error:
        raise InvalidSubscription(f"a mesh subscription's endpoint is the LA's MESH mailbox id: {error}") from None


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
        if _CONTROL.search(value) or len(value) > 1024:
            raise InvalidSubscription("a header value is not allowed")
