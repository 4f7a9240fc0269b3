"""One early-years notification's world on the real embedded broker and PostgreSQL, with the real identity
service: notifications built as production builds it and trusting identity's keys; identity publishing to the
same broker; the trust's and the LAs' systems taking their tokens from identity with signed client assertions.

Test modules are imported with ``--import-mode=importlib`` and cannot import from here: they get everything
through the ``early_years_world`` fixture (and import the types below under ``TYPE_CHECKING`` only)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from identity_kit import ISSUER, TEST_ENVIRONMENT, migrated_identity_database
from identity_kit.access import IdentityUnderTest, running_identity
from identity_kit.children import nhs_number
from pathfinder.auth import Scope
from pathfinder.auth.settings import AuthSettings
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.notifications import EarlyYearsNotificationAcknowledgedByLa, EarlyYearsNotificationReceived
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.devstack.webhook_receiver import Received, WebhookReceiver
from pathfinder.messaging.broker import TopicAdmin
from pathfinder.messaging.envelope import header_value
from pathfinder.messaging.schema import outbox
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.workers import Worker
from pathfinder.notifications.adapters.identity_client import HttpIdentityClient
from pathfinder.notifications.bootstrap import NotificationsService, bootstrap
from pathfinder.notifications.domain.la_subscription import la_topic
from pathfinder.notifications.settings import LaDeliverySettings, NotificationsSettings
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.platform.demo_setup import message
from sqlalchemy import select

# Identity's relay and anything else it builds from the environment: the test's broker, quick to poll.
IDENTITY_KAFKA_ENV = {
    "PATHFINDER_KAFKA_PROFILE": "embedded",
    "PATHFINDER_KAFKA_TOPIC_PARTITIONS": "3",
    "PATHFINDER_OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
    "PATHFINDER_OUTBOX_BROKER_CHECK_INTERVAL_SECONDS": "0.5",
    "PATHFINDER_OUTBOX_LEASE_SECONDS": "2",
}


@pytest.fixture
async def identity(
    fresh_broker: EmbeddedBroker, fresh_database: Callable[[str], Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[IdentityUnderTest]:
    """The real identity app in-process; its workers (outbox relay) publish to the test's broker if run."""
    environment = {**TEST_ENVIRONMENT, **IDENTITY_KAFKA_ENV}
    environment["PATHFINDER_KAFKA_BOOTSTRAP_SERVERS"] = fresh_broker.bootstrap_servers
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    url = await migrated_identity_database(await fresh_database("ey_journey_identity"))
    # Real time, not the kit's stopped clock: assertions are signed and checked as the journey runs.
    async with running_identity(url, real_time=True) as running:
        yield running


@dataclass
class LaTopicReader:
    """An LA's own system reading its delivery topic in its own consumer group, from the start of the topic."""

    topic: str
    consumer: AIOKafkaConsumer
    records: list[ConsumerRecord[bytes, bytes]] = field(default_factory=list)

    async def read(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for batch in (await self.consumer.getmany(timeout_ms=200)).values():
                self.records.extend(batch)

    async def caught_up(self) -> bool:
        """Its group has given it the topic's partitions and it has read each to the end: the topic holds nothing
        it has not seen."""
        assigned = list(self.consumer.assignment())
        if not assigned:
            return False
        ends = await self.consumer.end_offsets(assigned)
        positions = {partition: await self.consumer.position(partition) for partition in ends}
        return all(positions[partition] >= end for partition, end in ends.items())

    def of_type(self, event_type: str) -> list[ConsumerRecord[bytes, bytes]]:
        return [record for record in self.records if header_value(record.headers, "ce_type") == event_type]


@dataclass
class EarlyYearsWorld:
    """Notifications as the API and worker processes build it, trusting identity's signing keys and asking
    identity's $match with a platform client of its own; the cast and the checks every journey shares."""

    TRUST: ClassVar[str] = "RH8"
    RESPONSIBLE_LA: ClassVar[str] = "841"
    OTHER_LA: ClassVar[str] = "805"
    RECEIVED: ClassVar[str] = EarlyYearsNotificationReceived.event_type
    ACKNOWLEDGED: ClassVar[str] = EarlyYearsNotificationAcknowledgedByLa.event_type
    FHIR: ClassVar[dict[str, str]] = {"Content-Type": "application/fhir+json"}
    DEADLINE: ClassVar[float] = 60.0  # the embedded broker takes seconds for a consumer group to join

    broker: EmbeddedBroker
    identity: IdentityUnderTest
    service: NotificationsService
    api: httpx.AsyncClient
    headers: dict[str, dict[str, str]]  # organisation -> Authorization header from identity's token endpoint
    matcher: HttpIdentityClient  # notifications' own client of identity's $match

    async def subscribe(self, la_code: str, **terms: Any) -> dict[str, Any]:
        terms["event_types"] = [self.RECEIVED, self.ACKNOWLEDGED]
        made = await self.api.post("/subscriptions", json=terms, headers=self.headers[la_code])
        assert made.status_code == 201, made.text
        answer: dict[str, Any] = made.json()
        return answer

    async def submit(self, child: ChildDemographics, la_code: str = RESPONSIBLE_LA) -> httpx.Response:
        """The trust posts a FHIR message Bundle for a child of ``la_code``."""
        bundle = message(self.TRUST, la_code, child)
        return await self.api.post("/fhir/$process-message", json=bundle, headers={**self.FHIR, **self.trust})

    @property
    def trust(self) -> dict[str, str]:
        return self.headers[self.TRUST]

    async def status(self, notification_id: str, organisation: str = TRUST) -> httpx.Response:
        return await self.api.get(
            f"/fhir/early-years-notifications/{notification_id}", headers=self.headers[organisation]
        )

    async def status_is(self, notification_id: str, *wanted: str) -> bool:
        answer = await self.status(notification_id)
        assert answer.status_code == 200, answer.text
        return bool(answer.json()["status"] in wanted)

    async def acknowledge(self, notification_id: str, la_code: str, reference: str) -> httpx.Response:
        return await self.api.post(
            f"/early-years-notifications/{notification_id}/acknowledgement",
            json={"la_reference": reference},
            headers=self.headers[la_code],
        )

    async def deliveries(self, subscription: dict[str, Any]) -> list[dict[str, Any]]:
        la_code = subscription["la_code"]
        log = await self.api.get(f"/subscriptions/{subscription['id']}/deliveries", headers=self.headers[la_code])
        assert log.status_code == 200, log.text
        found: list[dict[str, Any]] = log.json()
        return found

    async def delivered(self, subscription: dict[str, Any], expected: int) -> bool:
        """The subscription's log holds ``expected`` deliveries, each delivered: the la-delivery consumer has
        handled that many events for it."""
        log = await self.deliveries(subscription)
        return len(log) == expected and all(entry["state"] == "delivered" for entry in log)

    async def topic_exists(self, topic: str) -> bool:
        admin = TopicAdmin(KafkaSettings(bootstrap_servers=self.broker.bootstrap_servers), client_id="test-topic-check")
        try:
            return topic in await admin.existing_topics()
        finally:
            await admin.close()

    async def events_about(self, notification_id: str) -> list[tuple[str, str]]:
        """(topic, event type) of every event notifications ever put in its outbox about the notification."""
        query = select(outbox.c.topic, outbox.c.event_type, outbox.c.payload).order_by(outbox.c.position)
        async with self.service.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [
            (r.topic, r.event_type) for r in rows if json.loads(r.payload).get("notification_id") == notification_id
        ]

    @asynccontextmanager
    async def running(self, *also: Worker) -> AsyncIterator[None]:
        """All of notifications' workers (and ``also``) as asyncio tasks, stopped and awaited on the way out."""
        stop = asyncio.Event()
        workers: Sequence[Worker] = [*self.service.workers(), *also]
        tasks = [asyncio.create_task(worker(stop)) for worker in workers]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    @asynccontextmanager
    async def reading(self, la_code: str) -> AsyncIterator[LaTopicReader]:
        consumer = AIOKafkaConsumer(
            la_topic(la_code),
            bootstrap_servers=self.broker.bootstrap_servers,
            group_id=f"la-{la_code}.case-management",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        reader, stop = LaTopicReader(la_topic(la_code), consumer), asyncio.Event()
        task = asyncio.create_task(reader.read(stop))
        try:
            yield reader
        finally:
            stop.set()
            await task
            await consumer.stop()

    @staticmethod
    def child(**changes: Any) -> ChildDemographics:
        two_years_ago = date.today() - timedelta(days=2 * 365 + 40)
        details: dict[str, Any] = {
            "nhs_number": nhs_number(),
            "nhs_number_verification": "01",
            "given_names": ["Philippa"],
            "family_name": "Wetheringsett",
            "birth_date": two_years_ago,
            "sex": "female",
            "postcode": "DL1 4AB",
        }
        return ChildDemographics.model_validate({**details, **changes})

    @staticmethod
    def personal_details(of: ChildDemographics) -> list[bytes]:
        assert of.family_name is not None and of.postcode is not None
        return [
            *([of.nhs_number.encode()] if of.nhs_number is not None else []),
            of.family_name.encode(),
            *(name.encode() for name in of.given_names),
            of.birth_date.isoformat().encode(),
            of.postcode.encode(),
            of.postcode.replace(" ", "").encode(),
        ]

    @staticmethod
    def assert_thin(what: str, raw: Iterable[bytes], details: list[bytes]) -> None:
        everything = b"\n".join(raw)
        leaked = [detail.decode() for detail in details if detail in everything]
        assert not leaked, f"{what} carries personal details: {leaked}"

    @staticmethod
    def kafka_bytes(record: ConsumerRecord[bytes, bytes]) -> list[bytes]:
        return [record.key or b"", record.value or b"", *(n.encode() + b"=" + value for n, value in record.headers)]

    @staticmethod
    def webhook_bytes(item: Received) -> list[bytes]:
        return [item.raw, *(f"{name}={value}".encode() for name, value in item.headers.items())]

    @staticmethod
    def hook_events(receiver: WebhookReceiver, event_type: str) -> list[Received]:
        return [item for item in receiver.accepted if item.body["type"] == event_type]


@pytest.fixture
async def early_years_world(
    identity: IdentityUnderTest, fresh_broker: EmbeddedBroker, fresh_database: Callable[[str], Awaitable[str]]
) -> AsyncIterator[EarlyYearsWorld]:
    """Notifications on its own fresh database, with a client of identity for the trust and for each LA; its
    workers are not yet running (``world.running()``)."""
    trust, responsible, other = EarlyYearsWorld.TRUST, EarlyYearsWorld.RESPONSIBLE_LA, EarlyYearsWorld.OTHER_LA
    tokens = {
        trust: await identity.client_credentials(trust, Scope.NOTIFICATIONS_SUBMIT, Scope.NOTIFICATIONS_READ),
        **{
            la_code: await identity.client_credentials(
                la_code, Scope.SUBSCRIPTIONS_MANAGE, Scope.NOTIFICATIONS_READ, Scope.NOTIFICATIONS_ACKNOWLEDGE
            )
            for la_code in (responsible, other)
        },
    }
    headers = {org: {"Authorization": f"Bearer {await got.access_token()}"} for org, got in tokens.items()}
    jwks = await identity.http.get("/.well-known/jwks.json")
    assert jwks.status_code == 200, jwks.text
    database_url = await fresh_database("ey_journey_notifications")
    await upgrade_to_head("pathfinder.notifications:migrations", database_url)
    platform = await identity.client_credentials("pathfinder", Scope.PERSONS_MATCH)
    matcher = HttpIdentityClient(ISSUER, platform, identity.http)
    service = bootstrap(
        NotificationsSettings(database_url=database_url),
        KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3),
        OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5, lease_seconds=2),
        auth=AuthSettings(issuer=ISSUER, jwks_json=jwks.text),
        consumer=ConsumerSettings(session_timeout_ms=6000, backoff_initial_seconds=0.05),
        delivery=LaDeliverySettings(
            allow_loopback_http=True,
            retry_initial_seconds=0.05,
            poll_interval_seconds=0.05,
            topic_check_interval_seconds=0.2,
        ),
        identity=matcher,
    )
    try:
        transport = httpx.ASGITransport(app=service.app())
        async with httpx.AsyncClient(transport=transport, base_url="http://notifications") as api:
            yield EarlyYearsWorld(fresh_broker, identity, service, api, headers, matcher)
    finally:
        await service.engine.dispose()
