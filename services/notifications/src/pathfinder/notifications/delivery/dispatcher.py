"""The dispatcher: sends pending webhook and rest-hook deliveries, one child's events in order.

Each dispatcher lane claims the oldest due delivery whose child has nothing earlier pending
(``FOR UPDATE SKIP LOCKED``, so workers share the work), sends it, and records the outcome in the same
transaction. A failure is retried with exponential backoff and full jitter; when the retry budget is spent
the delivery is parked and its subscription paused, so the LA's later events wait in order until it asks for
them again. Rest-hook subscriptions also get heartbeats at their period.

A subscription's webhook secrets and rest-hook header values are opened here, for the request being sent, and
nowhere else. Secrets sealed under another key than this process's fail the delivery attempt with an error
saying so (and the dispatcher says so when it starts), rather than sending unsigned or garbled requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pathfinder.contracts import read_event
from pathfinder.contracts.fhir.subscription_notification import NotificationType
from pathfinder.messaging.envelope import EventEnvelope, header_value
from pathfinder.messaging.outbox import decode_headers
from pathfinder.notifications.adapters.subscription_repository import SubscriptionRepository, SubscriptionSecrets
from pathfinder.notifications.adapters.subscription_tables import la_subscription
from pathfinder.notifications.delivery.http_sender import EndpointSender, SendOutcome
from pathfinder.notifications.delivery.la_delivery import report_delivery
from pathfinder.notifications.delivery.rest_hook import rest_hook_bundle
from pathfinder.notifications.delivery.settings import LaDeliverySettings
from pathfinder.notifications.delivery.signing import webhook_headers
from pathfinder.notifications.domain.subscription import Channel, LaSubscription
from pathfinder.notifications.domain.subscription_delivery import (
    DATAREF_EXTENSION,
    STRUCTURED_CONTENT_TYPE,
    DeliveryState,
    RetryPolicy,
    structured_event,
)
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork
from pathfinder.persistence.sealing import SealingError
from sqlalchemy import Row, func, select

log = logging.getLogger(__name__)


class DeliveryDispatcher:
    def __init__(
        self,
        *,
        uow_factory: Callable[[], NotificationsUnitOfWork],
        settings: LaDeliverySettings,
        sender: EndpointSender | None = None,
        secrets: SubscriptionSecrets | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._settings = settings
        self._sender = sender or EndpointSender(settings)
        self._secrets = secrets or SubscriptionSecrets.from_settings(settings)
        self._policy = RetryPolicy(settings.retry_initial_seconds, settings.retry_max_seconds, settings.retry_budget)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.check_secrets_key()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("checking the key of LA subscriptions' secrets failed")
        lanes = [self._lane(stop) for _ in range(self._settings.dispatchers)]
        await asyncio.gather(*lanes, self._heartbeats(stop))

    async def _lane(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                sent = await self.dispatch_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery dispatch failed; retrying")
                sent = False
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._settings.poll_interval_seconds)

    async def check_secrets_key(self) -> int:
        """How many subscriptions have secrets sealed under another key than this process's; logged as an
        error, since their deliveries fail until the key is set right."""
        async with self._uow_factory() as uow:
            query = select(la_subscription.c.secrets_key_id, func.count()).where(
                la_subscription.c.secrets_key_id.is_not(None),
                la_subscription.c.secrets_key_id != self._secrets.key_id,
            )
            others = (await uow.session.execute(query.group_by(la_subscription.c.secrets_key_id))).all()
        count = sum(int(row[1]) for row in others)
        if count:
            log.error(
                "%d LA subscriptions have secrets sealed under key(s) %s, but PATHFINDER_LA_DELIVERY_SECRETS_KEY "
                "gives key %s: their deliveries fail until it is set to the key they were sealed with",
                count,
                ", ".join(sorted(row[0] for row in others)),
                self._secrets.key_id,
            )
        return count

    async def dispatch_once(self, now: datetime | None = None) -> bool:
        """Send one due delivery, if there is one; True when one was attempted."""
        async with self._uow_factory() as uow:
            subscriptions = SubscriptionRepository(uow.session)
            row = await subscriptions.claim_due(now or datetime.now(UTC))
            if row is None:
                return False
            subscription = await subscriptions.get(row.subscription_id)
            assert subscription is not None and subscription.endpoint is not None
            try:
                headers, body = self._request(subscription, row)
            except SealingError as error:
                log.error("delivery not sent: %s", error, extra={"subscription_id": str(subscription.id)})
                outcome = SendOutcome(None, f"not sent: {error}")
            else:
                outcome = await self._sender.post(subscription.endpoint, subscription.allowed_hosts, headers, body)
            await self._record(uow, subscriptions, subscription, row, outcome)
            await uow.commit()
        return True

    def _request(self, subscription: LaSubscription, row: Row[Any]) -> tuple[dict[str, str], bytes]:
        stored = decode_headers(row.headers)
        envelope = EventEnvelope.from_record(stored, row.payload)
        link = header_value(stored, f"ce_{DATAREF_EXTENSION}") or ""
        now = datetime.now(UTC)
        if subscription.channel is Channel.FHIR_REST_HOOK:
            bundle = rest_hook_bundle(
                subscription, NotificationType.EVENT_NOTIFICATION, [(row, link)], self._settings.api_base_url, now
            )
            return {**self._secrets.open_headers(subscription), "Content-Type": "application/fhir+json"}, bundle
        assert envelope.la_code is not None
        body = structured_event(
            event_id=envelope.id,
            source=envelope.source,
            event_type=envelope.type,
            time=envelope.time,
            subject=envelope.subject,
            la_code=envelope.la_code,
            correlation_id=envelope.correlation_id,
            data=envelope.data,
            link=link,
        )
        # webhook-id is the event id on every attempt and redelivery: receivers deduplicate on it.
        secrets = self._secrets.open_secrets(subscription)
        signed = webhook_headers(secrets, str(envelope.id), int(now.timestamp()), body)
        return {**signed, "Content-Type": STRUCTURED_CONTENT_TYPE}, body

    async def _record(
        self,
        uow: NotificationsUnitOfWork,
        subscriptions: SubscriptionRepository,
        subscription: LaSubscription,
        row: Row[Any],
        outcome: SendOutcome,
    ) -> None:
        now = datetime.now(UTC)
        attempts = row.attempts + 1
        if outcome.delivered:
            await subscriptions.record_attempt(
                row.id,
                state=DeliveryState.DELIVERED.value,
                delivered_at=now,
                last_attempt_at=now,
                response_status=outcome.status,
                last_error=None,
            )
            await subscriptions.mark_sent(subscription.id, now)
            event = read_event(row.event_type, row.payload)
            await report_delivery(event, subscription, subscriptions, uow, now)
            return
        parked = self._policy.exhausted(attempts)
        await subscriptions.record_attempt(
            row.id,
            state=(DeliveryState.PARKED if parked else DeliveryState.PENDING).value,
            last_attempt_at=now,
            next_attempt_at=now + timedelta(seconds=self._policy.delay_after(attempts)),
            response_status=outcome.status,
            last_error=outcome.error,
        )
        if parked:
            log.warning("delivery parked; subscription paused", extra={"subscription_id": str(subscription.id)})
            await subscriptions.pause(subscription.id, now)

    async def _heartbeats(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.send_heartbeats()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("heartbeats failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(1.0, self._settings.poll_interval_seconds))

    async def send_heartbeats(self, now: datetime | None = None) -> int:
        """A heartbeat to every rest-hook subscription that has sent nothing for its period; returns how many."""
        now = now or datetime.now(UTC)
        sent = 0
        async with self._uow_factory() as uow:
            subscriptions = SubscriptionRepository(uow.session)
            for subscription in await subscriptions.due_heartbeats(now):
                assert subscription.endpoint is not None
                # A missed heartbeat is not retried: the next one, or the next event, follows at the period.
                await subscriptions.mark_sent(subscription.id, now)
                try:
                    opened = self._secrets.open_headers(subscription)
                except SealingError as error:
                    log.error("heartbeat not sent: %s", error, extra={"subscription_id": str(subscription.id)})
                    continue
                body = rest_hook_bundle(subscription, NotificationType.HEARTBEAT, [], self._settings.api_base_url, now)
                headers = {**opened, "Content-Type": "application/fhir+json"}
                outcome = await self._sender.post(subscription.endpoint, subscription.allowed_hosts, headers, body)
                sent += outcome.delivered
            await uow.commit()
        return sent
