# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""ehcp's requests for health advice, read from the broker by health-advice's worker (group ``advice-intake``):
a request asking health opens one advice request for the ICB, routed by its rules, announced once even when the
record comes twice or ehcp sends the request again; advice of another kind is not health's."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from uuid import uuid4

import pytest
from health_advice_kit.builders import configure, dco
from pathfinder.contracts.assessment import AdviceRequested
from pathfinder.contracts.health_advice import HealthAdviceRequested
from pathfinder.contracts.vocabulary import AdviceKind
from pathfinder.health_advice.bootstrap import bootstrap
from pathfinder.health_advice.service_layer.advice_requests import AdviceRequestNotFound, read_request
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.messaging.broker import TopicAdmin, new_producer, topic_specs
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.schema import inbox, outbox
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import func, select


def _asked(kind: AdviceKind, advisor: str | None, advice_request_id=None) -> AdviceRequested:
    requested_on = date.today() - timedelta(days=3)
    return AdviceRequested(
        person_id=uuid4(), responsible_la="805", assessment_id=uuid4(), advice_request_id=advice_request_id or uuid4(),
        advice_kind=kind, advisor_organisation=advisor, requested_on=requested_on,
        advice_due_on=requested_on + timedelta(days=42),
    )  # fmt: skip


async def test_a_request_for_health_advice_on_the_broker_opens_one_advice_request(fresh_broker, fresh_database) -> None:
    url = await fresh_database("health_advice_intake")
    await upgrade_to_head("pathfinder.health_advice:migrations", url)
    kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3)
    service = bootstrap(
        HealthAdviceSettings(database_url=url),
        kafka,
        OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5, lease_seconds=2),
        ConsumerSettings(session_timeout_ms=6000, backoff_initial_seconds=0.05),
    )
    await configure(service.unit_of_work())
    health = _asked(AdviceKind.HEALTH, "QHM")
    education = _asked(AdviceKind.EDUCATION, None)
    # The second record of the same request is another event (ehcp asking again): the same advice request id.
    records = [message_for_event(event, source="/pathfinder/ehcp") for event in (health, health, education)]
    admin = TopicAdmin(kafka, client_id="test-ehcp-topic")
    await admin.ensure(topic_specs(kafka, [records[0].topic]))
    await admin.close()
    producer = new_producer(kafka, client_id="test-ehcp")
    await producer.start()
    try:
        for record in (records[0], records[0], records[1], records[2]):  # the first published twice
            await producer.send_and_wait(
                record.topic, value=record.payload, key=record.key.encode(), headers=list(record.headers)
            )
    finally:
        await producer.stop()

    async def published() -> int:
        async with service.engine.connect() as connection:
            return (
                await connection.execute(
                    select(func.count())
                    .select_from(outbox)
                    .where(outbox.c.event_type == HealthAdviceRequested.event_type, outbox.c.published_at.isnot(None))
                )
            ).scalar_one()

    stop = asyncio.Event()
    tasks = [asyncio.create_task(worker(stop)) for worker in service.workers()]
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while not await published():
            assert asyncio.get_running_loop().time() < deadline, "no HealthAdviceRequested published within 60 s"
            await asyncio.sleep(0.2)
        async with service.engine.connect() as connection:
            while (await connection.execute(select(func.count()).select_from(inbox))).scalar_one() < 3:
                assert asyncio.get_running_loop().time() < deadline, "the consumer did not read every record"
                await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # a second opening would show by now
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    try:
        assert await published() == 1
        seen = await read_request(health.advice_request_id, principal=dco("QHM"), uow=service.unit_of_work())
        request = seen.request
        assert (request.icb, request.requesting_la, request.team_id, request.received_on) == (
            "QHM", "805", "qhm-805-paeds", health.requested_on,
        )  # fmt: skip
        with pytest.raises(AdviceRequestNotFound):  # advice of another kind is not health's
            await read_request(education.advice_request_id, principal=dco("QHM"), uow=service.unit_of_work())
    finally:
        await service.engine.dispose()
