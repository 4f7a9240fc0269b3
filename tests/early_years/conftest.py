"""One early-years notification's world on the real embedded broker and PostgreSQL, with the real identity
service: notifications built as production builds it and trusting identity's keys; identity publishing to the
same broker; the trust's and the LAs' systems taking their tokens from identity with signed client assertions;
and, for the journeys that go on to an EHC needs assessment, the real ehcp service on its own database, and the
real health-advice service on another, answering ehcp's requests for health advice.

Test modules are imported with ``--import-mode=importlib`` and cannot import from here: they get everything
through the ``early_years_world``, ``ehcp`` and ``health_advice`` fixtures (and import the types below under
``TYPE_CHECKING`` only)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, ClassVar
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from identity_kit import ISSUER, TEST_ENVIRONMENT, migrated_identity_database
from identity_kit.access import IdentityUnderTest, running_identity
from identity_kit.children import nhs_number
from notifications_kit.messages import wait_for
from pathfinder.auth import Scope
from pathfinder.auth.settings import AuthSettings
from pathfinder.contracts import ContractEvent
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.health_advice import HEALTH_ADVICE_TOPIC
from pathfinder.contracts.notifications import EarlyYearsNotificationAcknowledgedByLa, EarlyYearsNotificationReceived
from pathfinder.devstack.broker import EmbeddedBroker
from pathfinder.devstack.webhook_receiver import Received, WebhookReceiver, new_secret, running_receiver
from pathfinder.ehcp.bootstrap import EhcpService
from pathfinder.ehcp.bootstrap import bootstrap as bootstrap_ehcp
from pathfinder.ehcp.entrypoints.consumers import early_years_intake, health_advice_intake
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.health_advice.bootstrap import HealthAdviceService
from pathfinder.health_advice.bootstrap import bootstrap as bootstrap_health_advice
from pathfinder.health_advice.entrypoints.consumers import advice_intake
from pathfinder.health_advice.service_layer.routing_seed import seed_routing
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.messaging.broker import TopicAdmin, new_producer, topic_specs
from pathfinder.messaging.envelope import header_value
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.schema import outbox
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.workers import Worker
from pathfinder.notifications.adapters.identity_client import HttpIdentityClient
from pathfinder.notifications.adapters.webhook_signing import verify
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


def kafka_event(record: ConsumerRecord[bytes, bytes]) -> tuple[str, dict[str, Any]]:
    """A record from an LA's topic as (event type, data)."""
    data: dict[str, Any] = json.loads(record.value or b"")
    return header_value(record.headers, "ce_type") or "", data


@dataclass(frozen=True)
class OneChildsDelivery:
    """What one LA received about one child: its Kafka records, its webhook receiver (and what it accepted, with
    the secret that signs them) and its subscriptions' delivery logs."""

    person_id: str
    la: str
    records: Sequence[ConsumerRecord[bytes, bytes]]
    hook: WebhookReceiver
    accepted: Sequence[Received]
    secret: str
    logs: Sequence[Sequence[dict[str, Any]]]


@dataclass(frozen=True)
class LaSubscriptions:
    """LAs each subscribed on its Kafka topic and by signed webhook to a receiver of its own."""

    secrets: dict[str, str]  # LA code -> the secret its webhook deliveries are signed with
    hooks: dict[str, WebhookReceiver]  # LA code -> its receiver
    subscriptions: dict[str, list[dict[str, Any]]]  # LA code -> [on Kafka, by webhook]


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

    @property
    def kafka(self) -> KafkaSettings:
        return KafkaSettings(bootstrap_servers=self.broker.bootstrap_servers, profile="embedded", topic_partitions=3)

    async def subscribe(self, la_code: str, **terms: Any) -> dict[str, Any]:
        """A subscription of ``la_code`` on ``terms``; to the notification's Received and Acknowledged unless the
        terms name their own ``event_types``."""
        terms.setdefault("event_types", [self.RECEIVED, self.ACKNOWLEDGED])
        made = await self.api.post("/subscriptions", json=terms, headers=self.headers[la_code])
        assert made.status_code == 201, made.text
        answer: dict[str, Any] = made.json()
        return answer

    @asynccontextmanager
    async def subscribed_both_ways(self, *la_codes: str, **terms: Any) -> AsyncIterator[LaSubscriptions]:
        """Each LA subscribed on its Kafka topic, then by webhook to a receiver of its own signed with a secret of
        its own, each on ``terms`` (as :meth:`subscribe` takes them); the receivers stop on the way out."""
        secrets = {la_code: new_secret() for la_code in la_codes}
        with ExitStack() as stack:
            hooks = {la_code: stack.enter_context(running_receiver(key)) for la_code, key in secrets.items()}
            subscriptions: dict[str, list[dict[str, Any]]] = {}
            for la_code in la_codes:
                on_kafka = await self.subscribe(la_code, channel="kafka", **terms)
                by_webhook = await self.subscribe(
                    la_code, channel="webhook", endpoint=hooks[la_code].url, secrets=[secrets[la_code]], **terms
                )
                subscriptions[la_code] = [on_kafka, by_webhook]
            yield LaSubscriptions(secrets, hooks, subscriptions)

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

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        """The topics exist, as they do on a platform whose every service has run before."""
        admin = TopicAdmin(self.kafka, client_id="test-topics")
        try:
            await admin.ensure(topic_specs(self.kafka, topics))
        finally:
            await admin.close()

    async def publish_as(self, service: str, event: ContractEvent) -> None:
        """``event`` on the broker in the envelope ``service``'s relay gives it, for a service not in this world."""
        record = message_for_event(event, source=f"/pathfinder/{service}")
        await self.ensure_topics([record.topic])
        producer = new_producer(self.kafka, client_id=f"test-{service}")
        await producer.start()
        try:
            await producer.send_and_wait(
                record.topic, value=record.payload, key=record.key.encode(), headers=list(record.headers)
            )
        finally:
            await producer.stop()

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

    def assert_delivered_alike(
        self, *, alerts: Iterable[str], details: list[bytes], **delivered: Any
    ) -> list[tuple[str, dict[str, Any]]]:
        """One LA's Kafka records and signed webhooks for one child: the same events in the same order on both, each
        alert at most once, every one about the child, keyed and headed for the LA, thin, signed once and logged as
        delivered. Returns the events (type, data) in order, for the test's own checks of the steps. ``delivered``
        are the fields of :class:`OneChildsDelivery` (test modules cannot import it)."""
        delivery, alerts = OneChildsDelivery(**delivered), frozenset(alerts)
        kafka_events = [kafka_event(record) for record in delivery.records]
        hooked_events = [(item.body["type"], item.body["data"]) for item in delivery.accepted]
        for channel, events in (("kafka", kafka_events), ("webhook", hooked_events)):
            announced = [(kind, json.dumps(data, sort_keys=True)) for kind, data in events if kind in alerts]
            assert len(announced) == len(set(announced)), f"an alert announced twice on {channel}: {announced}"
            assert all(
                data["person_id"] == delivery.person_id and data["responsible_la"] == delivery.la for _, data in events
            )
        assert hooked_events == kafka_events, "the same events, in the same order, on both channels"
        for record in delivery.records:
            assert (record.key or b"").decode() == delivery.person_id == header_value(record.headers, "ce_subject")
            assert header_value(record.headers, "ce_lacode") == delivery.la
            self.assert_thin(f"kafka {header_value(record.headers, 'ce_type')}", self.kafka_bytes(record), details)
        assert delivery.hook.bad_signatures == 0 and delivery.hook.duplicates == 0
        for item in delivery.accepted:
            verify(delivery.secret, item.headers, item.raw, now=int(time.time()))
            assert item.body["subject"] == delivery.person_id and item.body["lacode"] == delivery.la
            self.assert_thin(f"webhook {item.body['type']}", self.webhook_bytes(item), details)
        for log in delivery.logs:
            assert [entry["state"] for entry in log] == ["delivered"] * len(kafka_events), log
        return kafka_events

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


@dataclass
class EhcpUnderTest:
    """The ehcp service as its API and worker processes build it, trusting identity's keys, on its own database and
    the world's broker; each LA's case-management system with its own client of identity (``cases:manage``,
    ``cases:read``). Its workers run beside notifications': ``world.running(*ehcp.service.workers())``."""

    service: EhcpService
    api: httpx.AsyncClient
    headers: dict[str, dict[str, str]]  # LA code -> Authorization header for ehcp

    async def step(self, path: str, body: dict[str, Any], la_code: str = EarlyYearsWorld.RESPONSIBLE_LA) -> Any:
        """A command of the LA's, under a key of its own; the case as it now stands."""
        headers = {**self.headers[la_code], "Idempotency-Key": str(uuid4())}
        answer = await self.api.post(path, json=body, headers=headers)
        assert answer.status_code in (200, 201), f"POST {path}: {answer.status_code} {answer.text}"
        return answer.json()

    async def read(self, path: str, la_code: str = EarlyYearsWorld.RESPONSIBLE_LA) -> httpx.Response:
        return await self.api.get(path, headers=self.headers[la_code])

    async def child_noticed(
        self, world: EarlyYearsWorld, child: ChildDemographics, la_code: str = EarlyYearsWorld.RESPONSIBLE_LA
    ) -> tuple[str, str]:
        """A trust's early-years notification brings ``child`` to ``la_code``'s notice: identity names the child
        and ehcp records the notice on the child's case (the workers running). (notification id, person id)."""
        submitted = await world.submit(child, la_code)
        assert submitted.status_code == 202, submitted.text
        notification_id: str = submitted.json()["id"]

        async def named() -> bool:
            return any(kind == world.RECEIVED for _, kind in await world.events_about(notification_id))

        await wait_for(named, world.DEADLINE, what="the child named by identity")
        person = await world.matcher.match_child(child, responsible_la=la_code, request_id=f"noticed-{uuid4()}")
        assert person.person_id is not None
        person_id = str(person.person_id)

        async def noticed() -> bool:
            case = await self.read(f"/children/{person_id}", la_code)
            return case.status_code == 200 and [
                notice["notification_id"] for notice in case.json()["early_years_notices"]
            ] == [notification_id]

        await wait_for(noticed, world.DEADLINE, what="the notice on the child's case in ehcp")
        return notification_id, person_id

    async def deciding_to_assess(
        self, person_id: str, notification_id: str, *, received_on: date, notified_on: date, decided_on: date,
        la_reference: str, la_code: str = EarlyYearsWorld.RESPONSIBLE_LA,
    ) -> str:  # fmt: skip
        """The LA requests the child's assessment (brought to its attention by the notice), notifies its
        consideration and decides to assess; the assessment's path."""
        assessment = await self.step(
            "/assessments",
            {"person_id": person_id, "requested_by": "brought-to-attention", "received_on": received_on.isoformat(),
             "la_reference": la_reference, "early_years_notification_id": notification_id},
            la_code,
        )  # fmt: skip
        at = f"/assessments/{assessment['assessment_id']}"
        await self.step(
            f"{at}/consideration-notices",
            {"notified_on": notified_on.isoformat(),
             "notified": ["responsible-commissioning-body", "social-care", "school-or-setting"]},
            la_code,
        )  # fmt: skip
        await self.step(f"{at}/decision", {"decision": "assess", "decided_on": decided_on.isoformat()}, la_code)
        return at


@pytest.fixture
async def ehcp(
    early_years_world: EarlyYearsWorld, fresh_database: Callable[[str], Awaitable[str]]
) -> AsyncIterator[EhcpUnderTest]:
    """ehcp on its own fresh database, on the world's broker; the topics it reads exist from the start, so its
    consumers need not wait to discover them. Its workers are not yet running."""
    world = early_years_world
    tokens = {
        la_code: await world.identity.client_credentials(la_code, Scope.CASES_MANAGE, Scope.CASES_READ)
        for la_code in (world.RESPONSIBLE_LA, world.OTHER_LA)
    }
    headers = {la_code: {"Authorization": f"Bearer {await got.access_token()}"} for la_code, got in tokens.items()}
    jwks = await world.identity.http.get("/.well-known/jwks.json")
    assert jwks.status_code == 200, jwks.text
    database_url = await fresh_database("ey_journey_ehcp")
    await upgrade_to_head("pathfinder.ehcp:migrations", database_url)
    await world.ensure_topics([*early_years_intake().topics(), *health_advice_intake().topics()])
    service = bootstrap_ehcp(
        EhcpSettings(database_url=database_url, timer_interval_seconds=0.2, risk_watch_interval_seconds=0.5),
        world.kafka,
        OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5, lease_seconds=2),
        ConsumerSettings(session_timeout_ms=6000, backoff_initial_seconds=0.05),
        auth=AuthSettings(issuer=ISSUER, jwks_json=jwks.text),
    )
    try:
        transport = httpx.ASGITransport(app=service.app())
        async with httpx.AsyncClient(transport=transport, base_url="http://ehcp") as api:
            yield EhcpUnderTest(service, api, headers)
    finally:
        await service.engine.dispose()


@dataclass
class HealthAdviceUnderTest:
    """The health-advice service as its API and worker processes build it, trusting identity's keys, on its own
    database and the world's broker, with the seeded routing (ICB QHM routes 841's requests to its community
    paediatrics team); the ICB's system with its own client of identity (``advice:read``, ``advice:submit``),
    taking each step through the FHIR API. Its workers run beside the others': ``health_advice.service.workers()``."""

    ICB: ClassVar[str] = "QHM"  # NHS North East and North Cumbria ICB, Darlington's and Hartlepool's
    FHIR: ClassVar[dict[str, str]] = {"Content-Type": "application/fhir+json"}

    service: HealthAdviceService
    api: httpx.AsyncClient
    headers: dict[str, str]  # the ICB's Authorization header for health-advice

    async def task(self, advice_request_id: str) -> httpx.Response:
        return await self.api.get(f"/fhir/Task/{advice_request_id}", headers=self.headers)

    async def opened(self, advice_request_id: str) -> bool:
        return (await self.task(advice_request_id)).status_code == 200

    async def update_task(self, advice_request_id: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """The Task read, changed by ``change`` and put back under the version read; the Task as it now stands."""
        read = await self.task(advice_request_id)
        assert read.status_code == 200, read.text
        task: dict[str, Any] = read.json()
        change(task)
        headers = {**self.headers, **self.FHIR, "If-Match": read.headers["ETag"]}
        answer = await self.api.put(f"/fhir/Task/{advice_request_id}", json=task, headers=headers)
        assert answer.status_code == 200, f"PUT Task {advice_request_id}: {answer.status_code} {answer.text}"
        updated: dict[str, Any] = answer.json()
        return updated

    async def submit_advice(self, advice_request_id: str, advice: dict[str, Any]) -> dict[str, Any]:
        answer = await self.api.post(
            f"/fhir/Task/{advice_request_id}/$submit-advice", json=advice, headers={**self.headers, **self.FHIR}
        )
        assert answer.status_code == 200, f"$submit-advice {advice_request_id}: {answer.status_code} {answer.text}"
        completed: dict[str, Any] = answer.json()
        return completed


@pytest.fixture
async def health_advice(
    early_years_world: EarlyYearsWorld, fresh_database: Callable[[str], Awaitable[str]]
) -> AsyncIterator[HealthAdviceUnderTest]:
    """health-advice on its own fresh database with its routing seeded, on the world's broker; the topics it reads
    and writes exist from the start, so that its consumer, ehcp's and notifications' la-delivery need not wait
    to discover them. Its workers are not yet running."""
    world = early_years_world
    icb = HealthAdviceUnderTest.ICB
    tokens = await world.identity.client_credentials(icb, Scope.ADVICE_READ, Scope.ADVICE_SUBMIT)
    headers = {"Authorization": f"Bearer {await tokens.access_token()}"}
    jwks = await world.identity.http.get("/.well-known/jwks.json")
    assert jwks.status_code == 200, jwks.text
    database_url = await fresh_database("ey_journey_health_advice")
    await upgrade_to_head("pathfinder.health_advice:migrations", database_url)
    await world.ensure_topics([*advice_intake().topics(), HEALTH_ADVICE_TOPIC])
    service = bootstrap_health_advice(
        HealthAdviceSettings(database_url=database_url, alert_interval_seconds=0.2, open_gauge_interval_seconds=5),
        world.kafka,
        OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5, lease_seconds=2),
        ConsumerSettings(session_timeout_ms=6000, backoff_initial_seconds=0.05),
        auth=AuthSettings(issuer=ISSUER, jwks_json=jwks.text),
    )
    try:
        await seed_routing(unit_of_work=service.unit_of_work)
        transport = httpx.ASGITransport(app=service.app())
        async with httpx.AsyncClient(transport=transport, base_url="http://health-advice") as api:
            yield HealthAdviceUnderTest(service, api, headers)
    finally:
        await service.engine.dispose()
