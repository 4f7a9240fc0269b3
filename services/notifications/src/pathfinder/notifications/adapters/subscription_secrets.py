"""Sealing an LA subscription's webhook secrets and rest-hook header values for storage, and opening them to
send: AES-256-GCM under ``PATHFINDER_LA_DELIVERY_SECRETS_KEY``, so a copy of the database gives none away."""

from __future__ import annotations

import base64
import functools
import logging
from typing import Any
from uuid import UUID

from pathfinder.notifications.domain.la_subscription import LaSubscription
from pathfinder.notifications.domain.sealed import Sealed
from pathfinder.persistence.sealing import SealingError, SecretSealer
from pydantic import SecretStr

log = logging.getLogger(__name__)

# Part of every stored secrets_key_id (migration 0006 spells it out too): changing it orphans stored secrets.
KEY_ID_PREFIX = "pathfinder-la-delivery-secrets:"


class SubscriptionSecrets:
    """Seals a subscription's webhook secrets and rest-hook header values for storage, and opens them to send.

    The associated data names the subscription and what the value is, so a sealed value moved to another
    subscription, or from one header to another, does not open.
    """

    def __init__(self, sealer: SecretSealer) -> None:
        self._sealer = sealer

    @classmethod
    def from_key(cls, key: SecretStr | None) -> SubscriptionSecrets:
        return cls(service_sealer(key))

    @property
    def key_id(self) -> str:
        return self._sealer.key_id

    def seal_secret(self, subscription_id: UUID, secret: str) -> Sealed:
        return Sealed(self._sealer.seal(secret_purpose(subscription_id), secret.encode()), self.key_id)

    def seal_header(self, subscription_id: UUID, name: str, value: str) -> Sealed:
        return Sealed(self._sealer.seal(header_purpose(subscription_id, name), value.encode()), self.key_id)

    def open_secrets(self, subscription: LaSubscription) -> tuple[str, ...]:
        return tuple(
            self._open(subscription.id, secret_purpose(subscription.id), secret) for secret in subscription.secrets
        )

    def open_headers(self, subscription: LaSubscription) -> dict[str, str]:
        return {
            name: self._open(subscription.id, header_purpose(subscription.id, name), value)
            for name, value in subscription.headers.items()
        }

    def _open(self, subscription_id: UUID, purpose: str, value: str | Sealed) -> str:
        if isinstance(value, str):
            return value
        if value.key_id != self.key_id:
            raise SealingError(
                f"subscription {subscription_id} has secrets sealed under key {value.key_id}, but this process "
                f"has key {self.key_id}: set PATHFINDER_LA_DELIVERY_SECRETS_KEY to the key they were sealed with"
            )
        return self._sealer.open(purpose, value.value).decode()


def secret_purpose(subscription_id: UUID) -> str:
    return f"la_subscription:{subscription_id}:webhook-secret"


def header_purpose(subscription_id: UUID, name: str) -> str:
    return f"la_subscription:{subscription_id}:header:{name}"


def service_sealer(key: SecretStr | None) -> SecretSealer:
    """The service's one sealer, under ``PATHFINDER_LA_DELIVERY_SECRETS_KEY``: it seals subscriptions' secrets
    and the details of children waiting for identity."""
    return _sealer(key.get_secret_value() if key is not None else None)


@functools.cache
def _sealer(key_text: str | None) -> SecretSealer:
    # One throwaway key per process, so the API and the dispatcher of one process agree.
    if key_text is not None:
        return SecretSealer.from_text(key_text, key_id_prefix=KEY_ID_PREFIX)
    log.warning(
        "PATHFINDER_LA_DELIVERY_SECRETS_KEY is not set: using a throwaway key, so LA subscriptions' webhook "
        "secrets and rest-hook headers, and the details of children waiting for identity, stored now cannot be "
        "opened by another process (the worker that sends webhooks and asks identity) or after a restart. Give "
        "the API and the worker the same key: 32 random bytes, base64url."
    )
    return SecretSealer.generate(key_id_prefix=KEY_ID_PREFIX)


def sealed_values(subscription: LaSubscription, secrets: SubscriptionSecrets | None) -> dict[str, Any]:
    """The sealed columns: values already sealed are kept as they are, new plaintext is sealed."""
    values: list[str | Sealed] = [*subscription.secrets, *subscription.headers.values()]
    key_ids = {value.key_id for value in values if isinstance(value, Sealed)}
    if any(isinstance(value, str) for value in values):
        if secrets is None:
            raise RuntimeError("storing a subscription's new secrets needs its SubscriptionSecrets")
        key_ids.add(secrets.key_id)
    if len(key_ids) > 1:
        raise SealingError(
            f"subscription {subscription.id} keeps secrets sealed under another key than this process's: "
            "set PATHFINDER_LA_DELIVERY_SECRETS_KEY to the key they were sealed with"
        )

    def secret(value: str | Sealed) -> bytes:
        if isinstance(value, Sealed):
            return value.value
        assert secrets is not None
        return secrets.seal_secret(subscription.id, value).value

    def header(name: str, value: str | Sealed) -> str:
        if not isinstance(value, Sealed):
            assert secrets is not None
            value = secrets.seal_header(subscription.id, name, value)
        return base64.b64encode(value.value).decode()

    return {
        "sealed_secrets": [secret(value) for value in subscription.secrets],
        "sealed_headers": {name: header(name, value) for name, value in subscription.headers.items()},
        "secrets_key_id": key_ids.pop() if key_ids else None,
    }
