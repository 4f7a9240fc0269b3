# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""health-advice on PostgreSQL: the migrations build exactly what the adapters describe and come down to nothing;
the SQL read model answers as the fake does on the same data; due alerts are claimed with SKIP LOCKED and each
raised once into the outbox; the routing command line writes what it says."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date

import pytest
from alembic import command
from health_advice_kit import dataset
from health_advice_kit.builders import at, clock, configure, dco, la, opened, trust
from health_advice_kit.fakes import FakeAdviceStore
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal
from pathfinder.contracts.health_advice import HealthAdviceDueSoon, HealthAdviceOverdue
from pathfinder.health_advice import cli
from pathfinder.health_advice.adapters.tables import metadata
from pathfinder.health_advice.bootstrap import HealthAdviceService, bootstrap
from pathfinder.health_advice.service_layer import dashboard
from pathfinder.health_advice.service_layer.advice_requests import read_request
from pathfinder.health_advice.service_layer.dashboard import Viewer
from pathfinder.health_advice.service_layer.due_alerts import fire_due_alerts
from pathfinder.health_advice.service_layer.views import CsvFilters
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.messaging.schema import outbox
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config, schema_differences, upgrade_to_head
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

SCRIPTS = "pathfinder.health_advice:migrations"


def _down_to_nothing(connection: Connection) -> None:
    config = alembic_config(SCRIPTS)
    config.attributes["connection"] = connection
    command.downgrade(config, "base")


async def _service(fresh_database, name: str) -> HealthAdviceService:
    url = await fresh_database(name)
    await upgrade_to_head(SCRIPTS, url)
    return bootstrap(HealthAdviceSettings(database_url=url), KafkaSettings(bootstrap_servers="127.0.0.1:9"))


async def test_the_migrations_match_the_tables_and_come_down(fresh_database) -> None:
    url = await fresh_database("health_advice_migration")
    await upgrade_to_head(SCRIPTS, url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences, metadata) == []
        async with engine.begin() as connection:
            await connection.run_sync(_down_to_nothing)
        async with engine.connect() as connection:
            left = await connection.execute(
                text("SELECT to_regclass('advice_request'), to_regclass('provider_team'), to_regclass('routing_rule')")
            )
            assert left.one() == (None, None, None)
    finally:
        await engine.dispose()


async def test_the_sql_read_model_answers_as_the_fake_on_the_same_data(fresh_database) -> None:
    service = await _service(fresh_database, "health_advice_views")
    fake = FakeAdviceStore()
    try:
        await dataset.build(service.unit_of_work)
        await dataset.build(fake.unit_of_work)
        lead = principal(OrganisationRole.NHS_TRUST, "RX3", Scope.ADVICE_READ, kind="person", subject="lead-1")
        viewers = [Viewer(dco("QHM")), Viewer(dco("QHL")), Viewer(trust("RVW")), Viewer(la("805")),
                   Viewer(lead, frozenset({"qhm-805-paeds"})), Viewer(principal(OrganisationRole.PLATFORM,
                   "pathfinder", Scope.ADVICE_READ))]  # fmt: skip
        for viewer in viewers:
            for day in (dataset.TODAY, date(2026, 2, 26), date(2026, 4, 10)):
                sql = await dashboard.open_requests(viewer, day, uow=service.unit_of_work())
                assert sql == await dashboard.open_requests(viewer, day, uow=fake.unit_of_work()), (viewer, day)
                sql = await dashboard.overdue(viewer, day, uow=service.unit_of_work(), limit=2)
                assert sql == await dashboard.overdue(viewer, day, uow=fake.unit_of_work(), limit=2)
            for since in (date(2025, 1, 1), date(2026, 1, 1)):
                sql_buckets = await dashboard.turnaround_distribution(viewer, since, uow=service.unit_of_work())
                assert sql_buckets == await dashboard.turnaround_distribution(viewer, since, uow=fake.unit_of_work())
            for by in ("team", "la", "month"):
                for start in (None, date(2026, 1, 1)):
                    sql_share = await dashboard.share_within_limit(viewer, by, since=start, uow=service.unit_of_work())
                    fake_share = await dashboard.share_within_limit(viewer, by, since=start, uow=fake.unit_of_work())
                    assert sql_share == fake_share, (viewer, by, start)
            for filters in (CsvFilters(), CsvFilters(requesting_la="805", received_from=date(2026, 1, 5))):
                sql_lines = dashboard.csv_lines(viewer, filters, today=dataset.TODAY, uow=service.unit_of_work())
                fake_lines = dashboard.csv_lines(viewer, filters, today=dataset.TODAY, uow=fake.unit_of_work())
                assert [line async for chunk in sql_lines for line in chunk] == [
                    line async for chunk in fake_lines for line in chunk
                ], (viewer, filters)
        shown = await dashboard.open_requests(Viewer(dco("QHM")), dataset.TODAY, uow=service.unit_of_work())
        assert [line.advice_request_id for line in shown] == [dataset.request_id(x) for x in "DGFE"]
        sql_timeline = await dashboard.timeline(
            Viewer(dco("QHM")), dataset.request_id("C"), today=dataset.TODAY, uow=service.unit_of_work()
        )
        fake_timeline = await dashboard.timeline(
            Viewer(dco("QHM")), dataset.request_id("C"), today=dataset.TODAY, uow=fake.unit_of_work()
        )
        assert dataclasses.replace(sql_timeline, steps=()) == dataclasses.replace(fake_timeline, steps=())
        assert [(s.step, s.on) for s in sql_timeline.steps] == [(s.step, s.on) for s in fake_timeline.steps]
        async with service.unit_of_work() as uow, fake.unit_of_work() as in_memory:
            assert await uow.views.open_by_rag(dataset.TODAY) == await in_memory.views.open_by_rag(dataset.TODAY)
    finally:
        await service.engine.dispose()


async def _alerts_in_outbox(service: HealthAdviceService) -> list[str]:
    async with service.engine.connect() as connection:
        rows = await connection.execute(
            select(outbox.c.event_type).where(outbox.c.event_type.like("%due-soon%") | outbox.c.event_type.like(
                "%overdue%")).order_by(outbox.c.position)
        )  # fmt: skip
        return list(rows.scalars())


async def test_due_alerts_are_claimed_with_skip_locked_and_raised_once(fresh_database) -> None:
    service = await _service(fresh_database, "health_advice_alerts")
    try:
        await configure(service.unit_of_work())
        received = date(2026, 1, 5)
        first = await opened(service.unit_of_work(), received)
        await opened(service.unit_of_work(), received)
        day = date(2026, 2, 3)  # both owe their due-soon alert
        async with service.unit_of_work() as holder:
            assert len(await holder.requests.claim_alerts_due(at(day), 1)) == 1
            # Meanwhile another worker skips the held request and raises the other's alert.
            assert await fire_due_alerts(uow=service.unit_of_work(), now=clock(day)) == 1
        # The holder let go without raising: three workers at once raise its alert once.
        results = await asyncio.gather(*(fire_due_alerts(uow=service.unit_of_work(), now=clock(day)) for _ in range(3)))
        assert sorted(results) == [0, 0, 1]
        assert await fire_due_alerts(uow=service.unit_of_work(), now=clock(day)) == 0
        assert await _alerts_in_outbox(service) == [HealthAdviceDueSoon.event_type] * 2
        assert await fire_due_alerts(uow=service.unit_of_work(), now=clock(date(2026, 2, 17))) == 2
        assert await fire_due_alerts(uow=service.unit_of_work(), now=clock(date(2026, 2, 18))) == 0
        assert (
            await _alerts_in_outbox(service)
            == [HealthAdviceDueSoon.event_type] * 2 + [HealthAdviceOverdue.event_type] * 2
        )
        seen = await read_request(first, principal=dco("QHM"), uow=service.unit_of_work())
        assert (seen.request.due_soon_raised_for, seen.request.overdue_raised_for) == (date(2026, 2, 16),) * 2
    finally:
        await service.engine.dispose()


async def test_the_routing_command_line(fresh_database, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    url = await fresh_database("health_advice_cli")
    await upgrade_to_head(SCRIPTS, url)
    monkeypatch.setenv("PATHFINDER_HEALTH_ADVICE_DATABASE_URL", url)

    def run(*argv: str) -> int:
        return cli.main(list(argv))

    assert await asyncio.to_thread(run, "seed") == 0
    assert await asyncio.to_thread(run, "seed") == 0
    assert await asyncio.to_thread(
        run, "team", "add", "--id", "qhm-continence", "--icb", "QHM", "--name", "Children's continence",
        "--kind", "continence", "--kind-name", "Continence", "--provider", "RXP",
    ) == 0  # fmt: skip
    assert await asyncio.to_thread(run, "route", "add", "--icb", "QHM", "--la", "841", "--team", "qhm-continence",
                                   "--priority", "50") == 0  # fmt: skip
    assert await asyncio.to_thread(run, "lead", "add", "--team", "qhm-continence", "--subject", "lead-9") == 0
    assert await asyncio.to_thread(run, "route", "add", "--icb", "QHM", "--team", "qhl-camhs") == 2
    capsys.readouterr()
    assert await asyncio.to_thread(run, "list", "--icb", "QHM") == 0
    listed = capsys.readouterr().out
    assert "qhm-continence  QHM  continence  RXP  Children's continence" in listed
    assert "QHM  841  priority 50  -> qhm-continence" in listed
    assert "qhm-continence  lead-9" in listed and "qhl-" not in listed
    service = bootstrap(HealthAdviceSettings(database_url=url), KafkaSettings(bootstrap_servers="127.0.0.1:9"))
    try:
        routed = await opened(service.unit_of_work(), date(2026, 1, 5), la_code="841")
        defaulted = await opened(service.unit_of_work(), date(2026, 1, 5), la_code="805")
        teams = [
            (await read_request(one, principal=dco("QHM"), uow=service.unit_of_work())).request.team_id
            for one in (routed, defaulted)
        ]
        assert teams == ["qhm-continence", "qhm-805-community-paediatrics"]
    finally:
        await service.engine.dispose()
