"""Keeps a Kafka topic for every LA that subscribes on Kafka, so the outbox relay can always write to it.

Checked at an interval rather than on subscription: the API need not reach the broker, and a broker that
lost its topics (the embedded one, when it restarts) gets them back like the relay's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from pathfinder.messaging.broker import TopicAdmin, topic_specs
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications.adapters.subscription_repository import SubscriptionRepository
from pathfinder.notifications.domain.subscription import la_topic
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork

log = logging.getLogger(__name__)


class LaTopics:
    def __init__(
        self,
        *,
        uow_factory: Callable[[], NotificationsUnitOfWork],
        kafka: KafkaSettings,
        interval_seconds: float,
    ) -> None:
        self._uow_factory = uow_factory
        self._kafka = kafka
        self._interval = interval_seconds

    async def run(self, stop: asyncio.Event) -> None:
        admin = TopicAdmin(self._kafka, client_id="notifications-la-topics")
        try:
            while not stop.is_set():
                try:
                    await self.ensure(admin)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("could not check LA topics; retrying")
                    await admin.close()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._interval)
        finally:
            await admin.close()

    async def ensure(self, admin: TopicAdmin) -> list[str]:
        """Create the missing LA topics; returns those created."""
        async with self._uow_factory() as uow:
            la_codes = await SubscriptionRepository(uow.session).kafka_la_codes()
        if not la_codes:
            return []
        return await admin.ensure(topic_specs(self._kafka, [la_topic(code) for code in la_codes]))
