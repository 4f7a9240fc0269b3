# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""ehcp's cases on PostgreSQL: the migrations build exactly what the adapters describe and come down to nothing;
a case moves with a notice naming another LA, the move is kept, and only the LA now responsible reads it; and
identity's transfer of a child, read from the broker by ehcp's worker, moves the case once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from uuid import uuid4

import httpx
from alembic import command
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.contracts.identity import ResponsibleLaChanged
from pathfinder.ehcp.adapters.tables import metadata
from pathfinder.ehcp.bootstrap import bootstrap
from pathfinder.ehcp.service_layer.child_cases import child_case, record_early_years_notice
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.messaging.broker import TopicAdmin, new_producer, topic_specs
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.schema import inbox
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config, schema_differences, upgrade_to_head
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

SCRIPTS = "pathfinder.ehcp:migrations"


def _down_to_nothing(connection: Connection) -> None:
    config = alembic_config(SCRIPTS)
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_the_migrations_match_the_tables_and_come_down(fresh_database) -> None:
    url = await fresh_database("ehcp_migration")
    await upgrade_to_head(SCRIPTS, url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences, metadata) == []
        async with engine.begin() as connection:
            await connection.run_sync(_down_to_nothing)
        async with engine.connect() as connection:
            left = await connection.execute(
                text("SELECT to_regclass('child_case'), to_regclass('responsible_la_change')")
            )
            assert left.one() == (None, None)
    finally:
        await engine.dispose()


async def test_a_moved_case_is_read_by_the_la_now_responsible_with_its_move(fresh_database) -> None:
    url = await fresh_database("ehcp_cases")
    await upgrade_to_head(SCRIPTS, url)
    mint = token_mint()
    service = bootstrap(
        EhcpSettings(database_url=url), KafkaSettings(bootstrap_servers="127.0.0.1:9"), auth=mint.auth_settings()
    )
    person_id, moved_by = uuid4(), uuid4()
    for la_code, notification_id in (("841", uuid4()), ("805", moved_by)):
        async with service.unit_of_work() as uow:
            await record_early_years_notice(
                person_id=person_id,
                responsible_la=la_code,
                notification_id=notification_id,
                notifying_organisation="RH8",
                opinion_formed_on=date(2026, 11, 2),
                received_at=datetime.now(UTC),
                uow=uow,
            )
            await uow.commit()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://e") as api:

            def as_la(code: str) -> dict[str, str]:
                return mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, code, Scope.CASES_READ))

            now_responsible = await api.get(f"/children/{person_id}", headers=as_la("805"))
            before = await api.get(f"/children/{person_id}", headers=as_la("841"))
    finally:
        await service.engine.dispose()
    assert now_responsible.status_code == 200, now_responsible.text
    case = now_responsible.json()
    assert case["responsible_la"] == "805" and len(case["early_years_notices"]) == 2
    [change] = case["responsible_la_changes"]
    assert (change["from_la"], change["to_la"], change["notification_id"]) == ("841", "805", str(moved_by))
    assert before.status_code == 404, "the LA no longer responsible reads nothing: for it there is no case"


async def test_identitys_transfer_read_from_the_broker_moves_the_case_once(fresh_broker, fresh_database) -> None:
    url = await fresh_database("ehcp_transfer")
    await upgrade_to_head(SCRIPTS, url)
    mint = token_mint()
    kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3)
    service = bootstrap(
        EhcpSettings(database_url=url),
        kafka,
        OutboxSettings(poll_interval_seconds=0.2, broker_check_interval_seconds=0.5, lease_seconds=2),
        ConsumerSettings(session_timeout_ms=6000, backoff_initial_seconds=0.05),
        auth=mint.auth_settings(),
    )
    person_id, sent_at = uuid4(), datetime(2026, 11, 3, tzinfo=UTC)
    notices = [(uuid4(), sent_at), (uuid4(), datetime(2026, 11, 10, tzinfo=UTC))]  # the second read late
    async with service.unit_of_work() as uow:
        await record_early_years_notice(
            person_id=person_id,
            responsible_la="805",
            notification_id=notices[0][0],
            notifying_organisation="RH8",
            opinion_formed_on=date(2026, 11, 2),
            received_at=sent_at,
            uow=uow,
        )
        await uow.commit()
    changed_at = datetime(2026, 12, 4, 10, tzinfo=UTC)
    transfer = ResponsibleLaChanged(person_id=person_id, responsible_la="841", previous_la="805", changed_at=changed_at)
    record = message_for_event(transfer, source="/pathfinder/identity")
    admin = TopicAdmin(kafka, client_id="test-identity-topic")
    await admin.ensure(topic_specs(kafka, [record.topic]))
    await admin.close()
    producer = new_producer(kafka, client_id="test-identity")
    await producer.start()
    try:
        for _ in range(2):  # identity's relay publishing it again after a crash
            await producer.send_and_wait(
                record.topic, value=record.payload, key=record.key.encode(), headers=list(record.headers)
            )
    finally:
        await producer.stop()

    async def moved() -> bool:
        case = await child_case(person_id, uow=service.unit_of_work())
        return case is not None and case.responsible_la == "841"

    stop = asyncio.Event()
    tasks = [asyncio.create_task(worker(stop)) for worker in service.workers()]
    try:
        deadline = asyncio.get_running_loop().time() + 60
        while not await moved():
            assert asyncio.get_running_loop().time() < deadline, "the transfer was not applied within 60 s"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # a second application would show by now
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    async with service.unit_of_work() as uow:  # a notice sent before the transfer, read after it
        await record_early_years_notice(
            person_id=person_id,
            responsible_la="805",
            notification_id=notices[1][0],
            notifying_organisation="RH8",
            opinion_formed_on=date(2026, 11, 2),
            received_at=notices[1][1],
            uow=uow,
        )
        await uow.commit()
    try:
        async with service.engine.connect() as connection:
            handled = (await connection.execute(select(func.count()).select_from(inbox))).scalar_one()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://e") as api:

            def as_la(code: str) -> dict[str, str]:
                return mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, code, Scope.CASES_READ))

            now_responsible = await api.get(f"/children/{person_id}", headers=as_la("841"))
            before = await api.get(f"/children/{person_id}", headers=as_la("805"))
    finally:
        await service.engine.dispose()
    assert handled == 1, "the record published twice was applied once"
    assert now_responsible.status_code == 200, now_responsible.text
    case = now_responsible.json()
    assert case["responsible_la"] == "841", "the late notice did not take the case back"
    assert [notice["notification_id"] for notice in case["early_years_notices"]] == [str(n) for n, _ in notices]
    [change] = case["responsible_la_changes"]
    assert (change["from_la"], change["to_la"], change["cause"], change["notification_id"]) == (
        "805",
        "841",
        "transfer",
        None,
    )
    assert before.status_code != 200, "the LA the child was transferred from reads nothing"
