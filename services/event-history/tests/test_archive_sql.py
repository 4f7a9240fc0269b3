"""The archive on PostgreSQL: the migrations build what the adapters describe and come down to nothing; the role
the service runs as may only add to the audit; an event is kept once per topic; the SQL archive pages a slice as
the fake does; retention prunes only the configured topic's old records, a chunk at a time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import asyncpg
import pytest
from alembic import command
from event_history_kit.builders import DECIDED, LIFECYCLE, REQUESTED, T0, kept
from event_history_kit.fakes import FakeHistoryStore
from event_history_kit.service import MIGRATIONS, archive_service, archived_rows
from pathfinder.event_history.adapters.tables import metadata
from pathfinder.event_history.domain.archived_event import ArchivedEvent
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.retention import RetentionPolicy
from pathfinder.event_history.migrate import SCHEMA
from pathfinder.event_history.service_layer.retention import prune_expired
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork
from pathfinder.persistence.database import asyncpg_dsn, create_engine, with_login
from pathfinder.persistence.migrations import alembic_config, prepare_database, schema_differences, upgrade_to_head
from sqlalchemy import text
from sqlalchemy.engine import Connection

Databases = Callable[[str], Awaitable[str]]


def _down_to_nothing(connection: Connection) -> None:
    config = alembic_config(MIGRATIONS)
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def test_the_migrations_match_the_tables_and_come_down(fresh_database: Databases) -> None:
    url = await fresh_database("event_history_migration")
    await upgrade_to_head(MIGRATIONS, url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences, metadata) == []
        async with engine.begin() as connection:
            await connection.run_sync(_down_to_nothing)
        async with engine.connect() as connection:
            left = await connection.execute(text("SELECT to_regclass('archived_event'), to_regclass('event_audit')"))
            assert left.one() == (None, None)
    finally:
        await engine.dispose()


async def test_the_service_may_add_to_its_audit_and_never_change_it(
    fresh_database: Databases, fresh_role: Callable[[str], str]
) -> None:
    owner_url = await fresh_database("event_history_roles")
    runtime_url = with_login(owner_url, fresh_role("event_history_runtime"), "runtime-secret")
    await prepare_database(SCHEMA, owner_url=owner_url, runtime_url=runtime_url)
    service = await archive_service(runtime_url)
    try:
        async with service.unit_of_work() as uow:
            await uow.archive.add([kept()])
            await uow.commit()
        connection = await asyncpg.connect(asyncpg_dsn(runtime_url))
        try:
            await connection.execute(
                "INSERT INTO event_audit (at, subject, organisation, role, action, slice, outcome) "
                "VALUES (now(), 's', 'pathfinder', 'platform', 'events.find', '{}', 'allowed')"
            )
            for change in ("UPDATE event_audit SET outcome = 'x'", "DELETE FROM event_audit"):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(change)
            assert await connection.fetchval("DELETE FROM archived_event RETURNING 1") == 1, "retention prunes"
        finally:
            await connection.close()
    finally:
        await service.engine.dispose()


async def _archive(unit_of_work: Callable[[], EventHistoryUnitOfWork], events: list[ArchivedEvent]) -> int:
    async with unit_of_work() as uow:
        added = await uow.archive.add(events)
        await uow.commit()
    return added


async def test_an_event_is_kept_once_per_topic_and_found_as_the_fake_finds_it(fresh_database: Databases) -> None:
    service = await archive_service(await fresh_database("event_history_find"))
    fake = FakeHistoryStore()
    person = uuid4()
    events = [
        kept(la=la, person=person if n % 3 == 0 else None, event_type=REQUESTED if n % 2 else DECIDED,
             correlation=f"c-{n % 4}", at=T0 + timedelta(minutes=n), offset=n)
        for n, la in enumerate(["841", "805", "878"] * 7)
    ]  # fmt: skip
    try:
        assert await _archive(service.unit_of_work, events) == len(events)
        letter = kept(event_id=events[0].event_id, topic="tests.intake.dead-letter")
        assert await _archive(service.unit_of_work, [*events[:5], letter]) == 1, "the dead letter alone is new"
        await _archive(fake.unit_of_work, events)
        await _archive(fake.unit_of_work, [letter])
        slices = [
            EventSlice(), EventSlice(la_code="805"), EventSlice(person_id=person), EventSlice(correlation_id="c-1"),
            EventSlice(event_types=(DECIDED,), la_code="841"), EventSlice(topic="tests.intake.dead-letter"),
            EventSlice(since=T0 + timedelta(minutes=3), until=T0 + timedelta(minutes=11)),
        ]  # fmt: skip
        for wanted in slices:
            for after, limit in ((None, 1000), (None, 3), (4, 5)):
                async with service.unit_of_work() as sql, fake.unit_of_work() as memory:
                    found = await sql.archive.find(wanted, after=after, limit=limit)
                    expected = await memory.archive.find(wanted, after=after, limit=limit)
                # A skipped insert still takes a number of the sequence: positions differ, their order does not.
                assert [replace(one, position=0) for one in found] == [replace(o, position=0) for o in expected]
        async with service.unit_of_work() as uow:
            [original, letter] = await uow.archive.copies(events[0].event_id)
        assert original.headers == events[0].headers and original.payload == events[0].payload
        assert (original.topic, letter.topic) == (LIFECYCLE, "tests.intake.dead-letter")
    finally:
        await service.engine.dispose()


async def test_a_replay_batch_reads_each_record_as_it_was_kept(fresh_database: Databases) -> None:
    """The batch a replay sends is the record as it came: every header, in order, its bytes exactly (a header
    that is not UTF-8 is stored as base64 and read back as its bytes), the key and the value."""
    service = await archive_service(await fresh_database("event_history_batch"))
    plain = kept(at=T0, offset=0)
    odd = replace(kept(at=T0 + timedelta(minutes=1), offset=1),
                  headers=(*kept().headers, ("x-raw", b"\xff\xfe not utf-8"), ("x-empty", b"")))  # fmt: skip
    try:
        await _archive(service.unit_of_work, [plain, odd])
        async with service.unit_of_work() as uow:
            batch = await uow.archive.batch(EventSlice(), after=0, up_to=await uow.archive.end(), limit=10)
        assert [(list(one.headers), one.key, one.payload) for one in batch] == [
            (list(plain.headers), plain.key, plain.payload), (list(odd.headers), odd.key, odd.payload),
        ]  # fmt: skip
    finally:
        await service.engine.dispose()


async def test_retention_prunes_only_the_configured_topics_old_records(fresh_database: Databases) -> None:
    service = await archive_service(await fresh_database("event_history_retention"))
    old = [kept(topic=LIFECYCLE, at=T0 - timedelta(days=31, minutes=n)) for n in range(7)]
    young = [kept(topic=LIFECYCLE, at=T0 - timedelta(days=29))]
    elsewhere = [kept(topic="pathfinder.identity.persons", at=T0 - timedelta(days=400))]
    try:
        await _archive(service.unit_of_work, [*old, *young, *elsewhere])
        policy = RetentionPolicy({LIFECYCLE: 30})
        pruned = [await prune_expired(policy, now=T0, chunk=3, unit_of_work=service.unit_of_work) for _ in range(4)]
        assert pruned == [3, 3, 1, 0]
        left = {row.event_id for row in await archived_rows(service)}
        assert left == {young[0].event_id, elsewhere[0].event_id}
    finally:
        await service.engine.dispose()
