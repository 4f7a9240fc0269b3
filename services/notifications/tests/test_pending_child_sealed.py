# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The details of a child whose notification waits for identity are stored sealed: a copy of the database gives
no name, NHS number or postcode away, the identity retry still names the child, sealed details do not open on
another notification nor under another key, and migration 0010 seals what was stored in plaintext before."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from alembic import command
from notifications_kit.fakes import FakeIdentity, FakePostcodes
from notifications_kit.messages import child
from notifications_kit.service import NOBODY_LISTENS, migrated, notify
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications.adapters.notification_repository import SqlEarlyYearsNotifications
from pathfinder.notifications.adapters.pending_child_sealing import PendingChildSealing
from pathfinder.notifications.adapters.tables import early_years_notification
from pathfinder.notifications.bootstrap import NotificationsService, bootstrap
from pathfinder.notifications.domain.early_years_notification import NotificationStatus
from pathfinder.notifications.service_layer.child_identification import CLAIM_LEASE, ask_identity_again
from pathfinder.notifications.service_layer.ports import ChildIdentity, ChildToIdentify
from pathfinder.notifications.service_layer.unit_of_work import ChildDetailsUnreadable
from pathfinder.notifications.settings import LaDeliverySettings, NotificationsSettings
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config, upgrade_to_head
from pathfinder.persistence.sealing import new_key_text
from pydantic import SecretStr
from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

SCRIPTS = "pathfinder.notifications:migrations"
KEY_ENV = "PATHFINDER_LA_DELIVERY_SECRETS_KEY"
THE_CHILD = child(nhs_number="9990000026", given_names=("Zebedee",), family_name="Quorncastle", postcode="DL1 4AB")
PLAINTEXT = ("9990000026", "Zebedee", "Quorncastle", "DL1 4AB", "DL14AB", "2024-04-12")


@dataclass
class RecordingIdentity(FakeIdentity):
    """Identity's ``$match-batch``, noting the children it was asked about each time."""

    children: list[ChildDemographics] = field(default_factory=list)

    async def match_children(self, children: Sequence[ChildToIdentify]) -> list[ChildIdentity | None]:
        self.children.extend(asked.child for asked in children)
        return await super().match_children(children)


@asynccontextmanager
async def running(url: str, identity: FakeIdentity, key: str) -> AsyncIterator[NotificationsService]:
    service = bootstrap(
        NotificationsSettings(database_url=url),
        KafkaSettings(bootstrap_servers=NOBODY_LISTENS),
        delivery=LaDeliverySettings(secrets_key=SecretStr(key)),
        identity=identity,
    )
    try:
        yield service
    finally:
        await service.engine.dispose()


async def raw_rows(service: NotificationsService) -> str:
    async with service.engine.connect() as connection:
        return "\n".join(await connection.scalars(text("SELECT n::text FROM early_years_notification n")))


async def status_of(service: NotificationsService, notification_id: UUID):
    async with service.unit_of_work() as uow:
        found = await uow.notifications.get(notification_id)
    assert found is not None
    return found


async def test_a_waiting_childs_details_are_stored_sealed_and_the_retry_still_names_the_child(fresh_database) -> None:
    identity = RecordingIdentity(answer="down")
    async with running(await migrated(await fresh_database("pending_child")), identity, new_key_text()) as service:
        waiting = await notify(service, child=THE_CHILD)
        assert waiting.status is NotificationStatus.AWAITING_IDENTITY
        dump = await raw_rows(service)
        for plaintext in PLAINTEXT:
            assert plaintext not in dump, f"{plaintext} is readable in a copy of the database"
        async with service.engine.connect() as connection:
            stored = (await connection.execute(select(early_years_notification))).one()
        assert stored.sealed_pending_child and stored.pending_child_key_id == service.pending_children.key_id

        identity.answer = "match"
        later = datetime.now(UTC) + timedelta(hours=1)
        assert (
            await ask_identity_again(
                uow=service.unit_of_work(), identity=identity, postcodes=FakePostcodes(), now=lambda: later
            )
            == 1
        )
        named = await status_of(service, waiting.id)
        assert (named.status, named.person_id) == (NotificationStatus.RECEIVED, identity.person_id)
        assert identity.children == [THE_CHILD, THE_CHILD], "identity was asked about the child as sent, twice"
        async with service.engine.connect() as connection:
            cleared = (await connection.execute(select(early_years_notification))).one()
        assert (cleared.sealed_pending_child, cleared.pending_child_key_id) == (None, None), "gone once named"


async def test_sealed_details_open_on_no_other_notification_nor_under_another_key(fresh_database) -> None:
    url = await migrated(await fresh_database("pending_child_moved"))
    async with running(url, FakeIdentity(answer="down"), new_key_text()) as service:
        first = await notify(service, child=THE_CHILD)
        second = await notify(service, child=child(nhs_number="9990000034"))
        async with service.engine.begin() as connection:
            moved = select(early_years_notification.c.sealed_pending_child).where(
                early_years_notification.c.id == first.id
            )
            await connection.execute(
                update(early_years_notification)
                .where(early_years_notification.c.id == second.id)
                .values(sealed_pending_child=moved.scalar_subquery())
            )
        async with service.unit_of_work() as uow:
            own, other = await uow.notifications.get(first.id), await uow.notifications.get(second.id)
            assert own is not None and other is not None
            assert uow.notifications.child_of(own) == THE_CHILD
            with pytest.raises(ChildDetailsUnreadable, match=f"early_years_notification:{second.id}:pending-child"):
                uow.notifications.child_of(other)
    async with running(url, FakeIdentity(), new_key_text()) as elsewhere, elsewhere.unit_of_work() as uow:
        own = await uow.notifications.get(first.id)
        assert own is not None
        with pytest.raises(ChildDetailsUnreadable, match=KEY_ENV):
            uow.notifications.child_of(own)


async def test_one_childs_details_that_do_not_open_hold_up_no_other_notification(fresh_database, caplog) -> None:
    identity = RecordingIdentity(answer="down")
    url = await migrated(await fresh_database("pending_child_unreadable"))
    async with running(url, identity, new_key_text()) as service:
        readable = await notify(service, child=THE_CHILD)
        altered = await notify(service, child=child(nhs_number="9990000034"))
        async with service.engine.begin() as connection:
            await connection.execute(
                update(early_years_notification)
                .where(early_years_notification.c.id == altered.id)
                .values(sealed_pending_child=b"\x00" * 64)
            )
        identity.answer, identity.children = "match", []
        later = datetime.now(UTC) + timedelta(hours=1)

        claimed = await ask_identity_again(
            uow=service.unit_of_work(), identity=identity, postcodes=FakePostcodes(), now=lambda: later
        )

        assert claimed == 2
        assert identity.children == [THE_CHILD], "identity was asked about the child whose details opened"
        assert (await status_of(service, readable.id)).status is NotificationStatus.RECEIVED
        waiting = await status_of(service, altered.id)
        assert waiting.status is NotificationStatus.AWAITING_IDENTITY, "kept, to be asked once it opens"
        assert waiting.next_identity_attempt_at == later + CLAIM_LEASE
        assert f"early_years_notification:{altered.id}:pending-child" in caplog.text


def _migrate(connection: Connection, revision: str, down: bool = False) -> None:
    config = alembic_config(SCRIPTS)
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def _plaintext_children(engine) -> dict[UUID, object]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, pending_child FROM early_years_notification"))
        return {row.id: row.pending_child for row in rows}


async def test_0010_seals_the_details_stored_before_it_and_the_retry_names_the_child(
    fresh_database, monkeypatch
) -> None:
    url = await fresh_database("pending_child_migration")
    engine = create_engine(url, pool_size=1)
    waiting, named, person = uuid4(), uuid4(), uuid4()
    details = THE_CHILD.model_dump(mode="json")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate, "0009")
            insert = text(
                "INSERT INTO early_years_notification (id, notifying_organisation, message_id, submission_format,"
                " status, opinion_formed_on, received_at, responsible_la, named_la, person_id, pending_child,"
                " next_identity_attempt_at) VALUES (:id, 'RR8', :message, 'fhir-message', :status, '2026-11-02',"
                " now(), '841', '841', :person, CAST(:child AS jsonb), :next)"
            )
            at = datetime.now(UTC)
            await connection.execute(
                insert,
                {
                    "id": waiting,
                    "message": "m-1",
                    "status": "awaiting-identity",
                    "person": None,
                    "child": json.dumps(details),
                    "next": at,
                },
            )
            await connection.execute(
                insert,
                {"id": named, "message": "m-2", "status": "received", "person": person, "child": None, "next": None},
            )
        monkeypatch.delenv(KEY_ENV, raising=False)
        with pytest.raises(RuntimeError, match=KEY_ENV):
            await upgrade_to_head(SCRIPTS, url)

        key = new_key_text()
        monkeypatch.setenv(KEY_ENV, key)
        await upgrade_to_head(SCRIPTS, url)
        async with engine.connect() as connection:
            dump = "\n".join(await connection.scalars(text("SELECT n::text FROM early_years_notification n")))
        for plaintext in PLAINTEXT:
            assert plaintext not in dump
        async with AsyncSession(engine) as session:
            notifications = SqlEarlyYearsNotifications(session, PendingChildSealing.from_key(SecretStr(key)))
            carried, untouched = await notifications.get(waiting), await notifications.get(named)
            assert carried is not None and untouched is not None
            assert notifications.child_of(carried) == THE_CHILD
            assert (untouched.child, untouched.person_id) == (None, person)

        async with engine.begin() as connection:
            await connection.run_sync(_migrate, "0009", True)
        assert await _plaintext_children(engine) == {waiting: details, named: None}, "opened again on downgrade"

        await upgrade_to_head(SCRIPTS, url)
        identity = RecordingIdentity()
        async with running(url, identity, key) as service:
            later = datetime.now(UTC) + timedelta(hours=1)
            assert (
                await ask_identity_again(
                    uow=service.unit_of_work(), identity=identity, postcodes=FakePostcodes(), now=lambda: later
                )
                == 1
            )
            assert (await status_of(service, waiting)).status is NotificationStatus.RECEIVED
        assert identity.children == [THE_CHILD]
    finally:
        await engine.dispose()
