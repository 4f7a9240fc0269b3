# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Migration 0007 folds a notification's facts into its one row: what was kept before it (a JSON notification,
an FHIR one acknowledged and delivered on two subscriptions) is there after it, and comes back on downgrade."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from uuid import uuid4

from alembic import command
from pathfinder.notifications.adapters.notification_repository import SqlEarlyYearsNotifications
from pathfinder.notifications.domain.early_years_notification import NotificationStatus
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

SCRIPTS = "pathfinder.notifications:migrations"
RECEIVED_V2 = "pathfinder.notifications.early-years-notification-received.v2"
AT = datetime(2026, 11, 20, 9, tzinfo=UTC)


def _migrate(connection: Connection, revision: str, down: bool = False) -> None:
    config = alembic_config(SCRIPTS)
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def test_0007_carries_every_notification_fact_across_and_back(fresh_database) -> None:
    url = await fresh_database("notifications_0007")
    engine = create_engine(url, pool_size=1)
    json_only, fhir, child, hook, rest = uuid4(), uuid4(), uuid4(), uuid4(), uuid4()
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate, "0006")
            # A JSON notification whose status row is missing (the endpoint wrote both; be safe anyway).
            await connection.execute(
                text(
                    "INSERT INTO early_years_notification VALUES (:id, :child, '841', 'RR8', '2026-11-02', true, true,"
                    " :at, 'received')"
                ),
                {"id": json_only, "child": uuid4(), "at": AT},
            )
            await connection.execute(
                text(
                    "INSERT INTO inbound_notification (id, notifying_organisation, message_id, submission_format,"
                    " status, opinion_formed_on, received_at, responsible_la, person_id, delivered_at,"
                    " delivery_channel) VALUES (:id, 'RR8', 'm-1', 'fhir-message', 'delivered', '2026-11-02', :at,"
                    " '841', :child, :at, 'webhook')"
                ),
                {"id": fhir, "child": child, "at": AT},
            )
            for subscription, channel in ((hook, "webhook"), (rest, "kafka")):
                await connection.execute(
                    text(
                        "INSERT INTO la_subscription (id, la_code, channel, event_types, status, created_at)"
                        " VALUES (:id, '841', :channel, ARRAY[:type], 'active', :at)"
                    ),
                    {"id": subscription, "channel": channel, "type": RECEIVED_V2, "at": AT},
                )
                await connection.execute(
                    text(
                        "INSERT INTO la_delivery (subscription_id, event_id, event_type, subject, event_time,"
                        " headers, payload, state) VALUES (:subscription, :event, :type, :subject, :at, '[]',"
                        " :payload, 'delivered')"
                    ),
                    {
                        "subscription": subscription,
                        "event": uuid4(),
                        "type": RECEIVED_V2,
                        "subject": str(child),
                        "at": AT,
                        "payload": json.dumps({"notification_id": str(fhir)}).encode(),
                    },
                )
                await connection.execute(
                    text("INSERT INTO la_delivery_receipt VALUES (:notification, :subscription, :at)"),
                    {"notification": fhir, "subscription": subscription, "at": AT},
                )
            await connection.execute(
                text("INSERT INTO la_acknowledgement VALUES (:id, '841', 'DAR-EY-1', :at)"), {"id": fhir, "at": AT}
            )
            await connection.run_sync(_migrate, "head")

        async with AsyncSession(engine) as session:
            notifications = SqlEarlyYearsNotifications(session)
            carried, from_json = await notifications.get(fhir), await notifications.get(json_only)
        assert carried is not None and from_json is not None
        assert (carried.status, carried.acknowledged_at, carried.la_reference) == (
            NotificationStatus.ACKNOWLEDGED,
            AT,
            "DAR-EY-1",
        )
        assert carried.delivered_on == frozenset({hook, rest})
        assert carried.timeliness is None, "never recorded before"
        assert (from_json.submission_format, from_json.status, from_json.opinion_formed_on) == (
            "json",
            NotificationStatus.RECEIVED,
            date(2026, 11, 2),
        )
        async with engine.connect() as connection:
            reported = set((await connection.execute(text("SELECT notification_id FROM la_delivery"))).scalars())
        assert reported == {fhir}

        async with engine.begin() as connection:
            await connection.run_sync(_migrate, "0006", True)
        async with engine.connect() as connection:
            receipts = (await connection.execute(text("SELECT count(*) FROM la_delivery_receipt"))).scalar_one()
            acknowledged = (await connection.execute(text("SELECT la_reference FROM la_acknowledgement"))).all()
            named = (await connection.execute(text("SELECT count(*) FROM early_years_notification"))).scalar_one()
        assert (receipts, [tuple(row) for row in acknowledged], named) == (2, [("DAR-EY-1",)], 2)
    finally:
        await engine.dispose()
