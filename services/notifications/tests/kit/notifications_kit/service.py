"""The notifications service for server-tier tests: built by its own composition root on a migrated database,
its API driven over HTTP in-process (ASGI) with access tokens for any principal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.contracts import ContractEvent, EarlyYearsNotificationReceived
from pathfinder.messaging.delivery import read_record
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.records import KafkaRecord
from pathfinder.messaging.schema import outbox
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications.adapters.postcode_directory import PostcodeDirectory
from pathfinder.notifications.bootstrap import NotificationsService, bootstrap
from pathfinder.notifications.domain.early_years_notification import DeliveryChannel, EarlyYearsNotification
from pathfinder.notifications.service_layer.child_identification import ask_identity_again
from pathfinder.notifications.service_layer.la_delivery import deliver_to_la, send_heartbeats, send_next_delivery
from pathfinder.notifications.service_layer.submissions import Submission, submit_early_years_notification
from pathfinder.notifications.settings import LaDeliverySettings, NotificationsSettings
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import select

from notifications_kit.fakes import FakeIdentity, FakePostcodes
from notifications_kit.messages import FHIR, submission

RECEIVED = EarlyYearsNotificationReceived.event_type
MIGRATIONS = "pathfinder.notifications:migrations"
NOBODY_LISTENS = "127.0.0.1:9"  # the broker is down throughout: the API must not need it


async def migrated(url: str) -> str:
    await upgrade_to_head(MIGRATIONS, url)
    return url


@dataclass
class Api:
    service: NotificationsService
    http: httpx.AsyncClient
    mint: TokenMint
    identity: FakeIdentity

    def trust(self, ods: str = "RR8", *scopes: Scope) -> dict[str, str]:
        given = scopes or (Scope.NOTIFICATIONS_SUBMIT, Scope.NOTIFICATIONS_READ)
        return {**FHIR, **self.mint.headers_for(principal(OrganisationRole.NHS_TRUST, ods, *given))}

    def la(self, code: str, *scopes: Scope) -> dict[str, str]:
        given = scopes or (Scope.NOTIFICATIONS_READ, Scope.NOTIFICATIONS_ACKNOWLEDGE)
        return self.mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, code, *given))

    async def submit(self, document: Any, headers: dict[str, str] | None = None, **extra: str) -> httpx.Response:
        """The trust's POST, then the worker's step its commit wakes (identity asked about the waiting child)."""
        response = await self.http.post(
            "/fhir/$process-message", json=document, headers={**(headers or self.trust()), **extra}
        )
        await self.identify()
        return response

    async def identify(self) -> int:
        """One step of the worker's child identification, as the notice of a waiting notification wakes it."""
        postcodes = PostcodeDirectory(self.service.engine)
        return await ask_identity_again(uow=self.service.unit_of_work(), identity=self.identity, postcodes=postcodes)

    async def status_of(self, accepted: httpx.Response, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """The status view of a submitted notification now (the 202 said how it stood when accepted)."""
        found = await self.http.get(accepted.headers["Location"], headers=headers or self.trust())
        assert found.status_code == 200, found.text
        status: dict[str, Any] = found.json()
        return status

    async def events_of(self, event_type: str) -> list[dict[str, Any]]:
        query = select(outbox.c.payload).where(outbox.c.event_type == event_type).order_by(outbox.c.position)
        async with self.service.engine.connect() as connection:
            return [json.loads(payload) for payload in (await connection.execute(query)).scalars()]

    async def received_events(self) -> list[dict[str, Any]]:
        return await self.events_of(RECEIVED)


async def api_for(url: str, identity: FakeIdentity, **settings: Any) -> AsyncIterator[Api]:
    mint = token_mint()
    service = bootstrap(
        NotificationsSettings(database_url=url, **settings),
        KafkaSettings(bootstrap_servers=NOBODY_LISTENS),
        auth=mint.auth_settings(),
        identity=identity,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://n") as http:
        yield Api(service, http, mint, identity)
    await service.engine.dispose()


@dataclass
class LaDeliveryUnderTest:
    """The service with LA delivery switched on: the API in-process, the dispatcher driven by the test, events
    put through the la-delivery use case as its consumer would."""

    service: NotificationsService
    api: httpx.AsyncClient
    mint: TokenMint

    def headers(self, la_code: str, *scopes: str) -> dict[str, str]:
        granted = scopes or (Scope.SUBSCRIPTIONS_MANAGE, Scope.NOTIFICATIONS_READ, Scope.NOTIFICATIONS_ACKNOWLEDGE)
        return self.mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, la_code, *granted))

    async def subscribe(self, la_code: str, **terms: Any) -> dict[str, Any]:
        response = await self.api.post("/subscriptions", json=terms, headers=self.headers(la_code))
        assert response.status_code == 201, response.text
        made: dict[str, Any] = response.json()
        return made

    async def publish(self, *events: ContractEvent, together: bool = False) -> None:
        """Each event through the la-delivery use case in its own transaction, as read off the broker; or,
        ``together``, all in one transaction, as the consumer applies a batch."""
        for batch in [events] if together else [[event] for event in events]:
            async with self.service.unit_of_work() as uow:
                for event in batch:
                    delivery = read_record(KafkaRecord.of(message_for_event(event, source=self.service.source)))
                    assert delivery.event is not None and delivery.envelope is not None, delivery.problem
                    await deliver_to_la(
                        delivery.event, delivery.envelope, uow=uow, public_urls=self.service.delivery.public_urls
                    )
                await uow.commit()

    async def dispatch_once(self) -> bool:
        return await send_next_delivery(
            unit_of_work=self.service.unit_of_work,
            endpoints=self.service.la_endpoints(),
            policy=self.service.retry_policy,
            lease=self.service.delivery_lease,
            per_la=self.service.delivery.in_flight_per_la,
        )

    async def send_heartbeats(self, now: datetime) -> int:
        return await send_heartbeats(
            unit_of_work=self.service.unit_of_work, endpoints=self.service.la_endpoints(), now=lambda: now
        )


@asynccontextmanager
async def la_delivery_service(url: str, delivery: LaDeliverySettings) -> AsyncIterator[LaDeliveryUnderTest]:
    await migrated(url)
    mint = token_mint()
    service = bootstrap(
        NotificationsSettings(database_url=url),
        KafkaSettings(bootstrap_servers=NOBODY_LISTENS),
        auth=mint.auth_settings(),
        delivery=delivery,
        identity=FakeIdentity(),
    )
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://n") as api:
            yield LaDeliveryUnderTest(service, api, mint)
    finally:
        await service.engine.dispose()


async def record_delivery(
    service: NotificationsService,
    notification_id: UUID,
    channel: DeliveryChannel,
    at: datetime,
    subscription_id: UUID | None = None,
) -> bool:
    """As a delivery on a subscription does: True on the notification's first delivery, False after (or for an
    unknown notification)."""
    async with service.unit_of_work() as uow:
        notification = await uow.notifications.get(notification_id, lock=True)
        if notification is None:
            return False
        first = notification.delivered_at is None
        notification.delivered(subscription_id or uuid4(), channel, at)
        await uow.notifications.save(notification)
        await uow.commit()
    return first


async def notify(service: NotificationsService, **changes: Any) -> EarlyYearsNotification:
    """An s23 notification from a trust, through the submission use case with the service's identity (the
    JSON shortcut of old is gone: this is the one way in)."""
    sent = submission(**changes)
    result = await submit_early_years_notification(
        Submission(
            notification=sent,
            body_hash=uuid4().hex,
            keys=(f"message:{sent.notifying_organisation}:{sent.message_id}",),
            submission_format="fhir-message",
        ),
        uow=service.unit_of_work(),
        postcodes=FakePostcodes(),
    )
    assert result.accepted, result.notification.reasons
    await ask_identity_again(uow=service.unit_of_work(), identity=service.identity_client(), postcodes=FakePostcodes())
    async with service.unit_of_work() as uow:
        named = await uow.notifications.get(result.notification.id)
    assert named is not None
    return named
