"""Sealing the details of a child whose notification waits for identity (identity was away, or a person is to
decide a possible match), and opening them only to ask identity again: AES-256-GCM under the service's key
(``PATHFINDER_LA_DELIVERY_SECRETS_KEY``), so a copy of the database gives no child's name or NHS number away."""

from __future__ import annotations

from uuid import UUID

from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.notifications.adapters.subscription_secrets import service_sealer
from pathfinder.notifications.domain.sealed import Sealed
from pathfinder.persistence.sealing import SealingError, SecretSealer
from pydantic import SecretStr


class PendingChildSealing:
    """The associated data names the notification and the role of the value, so details moved to another
    notification's row do not open."""

    def __init__(self, sealer: SecretSealer) -> None:
        self._sealer = sealer

    @classmethod
    def from_key(cls, key: SecretStr | None) -> PendingChildSealing:
        return cls(service_sealer(key))

    @property
    def key_id(self) -> str:
        return self._sealer.key_id

    def seal(self, notification_id: UUID, child: ChildDemographics) -> Sealed:
        return Sealed(
            self._sealer.seal(pending_child_purpose(notification_id), child.model_dump_json().encode()), self.key_id
        )

    def open(self, notification_id: UUID, child: ChildDemographics | Sealed) -> ChildDemographics:
        if isinstance(child, ChildDemographics):
            return child
        if child.key_id != self.key_id:
            raise SealingError(
                f"notification {notification_id} has its child's details sealed under key {child.key_id}, but this "
                f"process has key {self.key_id}: set PATHFINDER_LA_DELIVERY_SECRETS_KEY to the key they were sealed "
                "with"
            )
        opened = self._sealer.open(pending_child_purpose(notification_id), child.value)
        return ChildDemographics.model_validate_json(opened)


def pending_child_purpose(notification_id: UUID) -> str:
    """Migration 0010 spells this out too: changing it orphans the details stored."""
    return f"early_years_notification:{notification_id}:pending-child"
