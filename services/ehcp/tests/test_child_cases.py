# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""ehcp's cases on PostgreSQL: the migrations build exactly what the adapters describe and come down to nothing;
a case moves with a notice naming another LA, the move is kept, and only the LA now responsible reads it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import httpx
from alembic import command
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.ehcp.adapters.tables import metadata
from pathfinder.ehcp.bootstrap import bootstrap
from pathfinder.ehcp.service_layer.child_cases import record_early_years_notice
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config, schema_differences, upgrade_to_head
from sqlalchemy import text
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
    assert before.status_code == 403, "the LA no longer responsible reads nothing"
