"""What notifications reads from other services (and itself), declared for the consumer-driven contract tests
(see :mod:`pathfinder.contracts.consumers`)."""

from __future__ import annotations

from pathfinder.contracts.consumers import ConsumerContract
from pathfinder.notifications.entrypoints.consumers import identity_reviews, la_delivery
from pathfinder.notifications.settings import SERVICE, LaDeliverySettings

CONSUMER_CONTRACTS: tuple[ConsumerContract, ...] = (
    la_delivery(LaDeliverySettings().public_urls).contract(SERVICE),
    identity_reviews().contract(SERVICE),
)
