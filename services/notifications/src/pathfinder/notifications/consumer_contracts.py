"""What notifications reads from other services (and itself), declared for the consumer-driven contract tests
(see :mod:`pathfinder.contracts.consumers`)."""

from __future__ import annotations

from pathfinder.contracts.consumers import ConsumerContract
from pathfinder.notifications.delivery.la_delivery import la_delivery_subscription
from pathfinder.notifications.delivery.settings import LaDeliverySettings
from pathfinder.notifications.identity_reviews import IDENTITY_REVIEWS
from pathfinder.notifications.settings import SERVICE

CONSUMER_CONTRACTS: tuple[ConsumerContract, ...] = (
    la_delivery_subscription(LaDeliverySettings.model_fields["api_base_url"].get_default()).contract(SERVICE),
    IDENTITY_REVIEWS.contract(SERVICE),
)
