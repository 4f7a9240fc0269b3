# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""LA subscriptions' webhook secrets and rest-hook header values are stored sealed: a copy of the database gives
none away, a sealed value does not open on another subscription, a wrong key fails clearly, and migration 0006
seals what was stored in plaintext before."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest
from alembic import command
from notifications_kit.fakes import FakeIdentity
from notifications_kit.messages import received_event
from notifications_kit.service import LaDeliveryUnderTest, la_delivery_service
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.devstack.webhook_receiver import new_secret, running_receiver
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications.adapters.subscription_repository import SqlLaSubscriptions
from pathfinder.notifications.adapters.subscription_secrets import SubscriptionSecrets
from pathfinder.notifications.adapters.tables import la_delivery, la_subscription
from pathfinder.notifications.bootstrap import bootstrap
from pathfinder.notifications.service_layer.la_delivery import send_next_delivery
from pathfinder.notifications.settings import LaDeliverySettings, NotificationsSettings
from pathfinder.persistence.database import create_engine
from pathfinder.persistence.migrations import alembic_config, upgrade_to_head
from pathfinder.persistence.sealing import SealingError, new_key_text
from pydantic import SecretStr
from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

RECEIVED = EarlyYearsNotificationReceived.event_type
SCRIPTS = "pathfinder.notifications:migrations"
KEY_ENV = "PATHFINDER_LA_DELIVERY_SECRETS_KEY"


def settings(**overrides) -> LaDeliverySettings:
    return LaDeliverySettings(allow_loopback_http=True, request_timeout_seconds=2.0, **overrides)


@pytest.fixture
async def world(fresh_database) -> AsyncIterator[LaDeliveryUnderTest]:
    async with la_delivery_service(await fresh_database("subscription_secrets"), settings()) as running:
        yield running


async def raw_rows(world: LaDeliveryUnderTest) -> str:
    async with world.service.engine.connect() as connection:
        return "\n".join(await connection.scalars(text("SELECT s::text FROM la_subscription s")))


async def stored(world: LaDeliveryUnderTest, subscription_id: str):
    async with world.service.unit_of_work() as uow:
        found = await uow.subscriptions.get(UUID(subscription_id))
    assert found is not None
    return found


async def test_a_copy_of_the_database_gives_away_no_secret_and_deliveries_are_still_signed(world) -> None:
    secret = new_secret()
    with running_receiver(secret) as signed, running_receiver() as plain:
        hook = await world.subscribe(
            "841", channel="webhook", event_types=[RECEIVED], endpoint=signed.url, secrets=[secret]
        )
        rest = await world.subscribe(
            "805",
            channel="fhir-rest-hook",
            event_types=[RECEIVED],
            endpoint=plain.url,
            headers={"Authorization": "Bearer la-805-token"},
        )
        dump = await raw_rows(world)
        key_bytes = base64.b64decode(secret.removeprefix("whsec_"))
        for given in (secret, secret.removeprefix("whsec_"), key_bytes.hex(), "la-805-token"):
            assert given not in dump
        assert "Authorization" in dump, "header names stay readable; only their values are sealed"
        assert (await stored(world, hook["id"])).secrets[0] != secret

        await world.publish(received_event(la_code="841"), received_event(la_code="805"))
        while await world.dispatch_once():
            pass
    assert signed.bad_signatures == 0 and len(signed.accepted) == 1, "the receiver verified the signature"
    assert signed.accepted[0].headers["webhook-signature"].startswith("v1,")
    assert [item.headers["authorization"] for item in plain.accepted] == ["Bearer la-805-token"]
    assert rest["header_names"] == ["Authorization"]


async def test_a_sealed_value_does_not_open_on_another_subscription_or_header(world) -> None:
    first = await world.subscribe(
        "841",
        channel="webhook",
        event_types=[RECEIVED],
        endpoint="https://a.la841.example/hook",
        secrets=[new_secret()],
    )
    second = await world.subscribe(
        "841",
        channel="webhook",
        event_types=[RECEIVED],
        endpoint="https://b.la841.example/hook",
        secrets=[new_secret()],
    )
    rest = await world.subscribe(
        "805",
        channel="fhir-rest-hook",
        event_types=[RECEIVED],
        endpoint="https://c.la805.example/hook",
        headers={"Authorization": "Bearer t", "X-Api-Key": "k"},
    )
    secrets = SubscriptionSecrets.from_key(world.service.delivery.secrets_key)
    assert secrets.open_secrets(await stored(world, first["id"]))
    async with world.service.engine.begin() as connection:
        moved = select(la_subscription.c.sealed_secrets).where(la_subscription.c.id == UUID(first["id"]))
        await connection.execute(
            update(la_subscription)
            .where(la_subscription.c.id == UUID(second["id"]))
            .values(sealed_secrets=moved.scalar_subquery())
        )
        headers = (
            await connection.execute(
                select(la_subscription.c.sealed_headers).where(la_subscription.c.id == UUID(rest["id"]))
            )
        ).scalar_one()
        swapped = {"Authorization": headers["X-Api-Key"], "X-Api-Key": headers["Authorization"]}
        await connection.execute(
            update(la_subscription).where(la_subscription.c.id == UUID(rest["id"])).values(sealed_headers=swapped)
        )
    with pytest.raises(SealingError, match=f"la_subscription:{second['id']}:webhook-secret"):
        secrets.open_secrets(await stored(world, second["id"]))
    with pytest.raises(SealingError, match="header:"):
        secrets.open_headers(await stored(world, rest["id"]))


async def test_under_a_wrong_key_deliveries_fail_clearly_and_nothing_is_sent(world) -> None:
    secret = new_secret()
    with running_receiver(secret) as receiver:
        await world.subscribe("841", channel="webhook", event_types=[RECEIVED], endpoint=receiver.url, secrets=[secret])
        await world.publish(received_event(la_code="841"))
        wrong = bootstrap(
            NotificationsSettings(database_url=world.service.settings.database_url),
            KafkaSettings(bootstrap_servers="127.0.0.1:9"),
            delivery=settings(secrets_key=SecretStr(new_key_text())),
            identity=FakeIdentity(),
        )
        try:
            assert await wrong.check_secrets_key() == 1
            assert await world.service.check_secrets_key() == 0
            assert await send_next_delivery(
                unit_of_work=wrong.unit_of_work,
                endpoints=wrong.la_endpoints(),
                policy=wrong.retry_policy,
                lease=wrong.delivery_lease,
                per_la=wrong.delivery.in_flight_per_la,
            )
        finally:
            await wrong.engine.dispose()
        async with world.service.engine.connect() as connection:
            attempt = (await connection.execute(select(la_delivery.c.state, la_delivery.c.last_error))).one()
        assert attempt.state == "pending"
        assert "sealed under key" in attempt.last_error and KEY_ENV in attempt.last_error
        assert receiver.attempts == 0


def _migrate(connection: Connection, revision: str, down: bool = False) -> None:
    config = alembic_config(SCRIPTS)
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def test_the_migration_seals_plaintext_secrets_stored_before_it(fresh_database, monkeypatch) -> None:
    url = await fresh_database("notifications_seal_migration")
    engine = create_engine(url, pool_size=1)
    hook_id, rest_id, secret = uuid4(), uuid4(), new_secret()
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate, "0005")
            insert = text(
                "INSERT INTO la_subscription (id, la_code, channel, event_types, status, endpoint, secrets, headers,"
                " created_at) VALUES (:id, '841', :channel, :types, 'active', 'https://la841.example/hook',"
                " :secrets, CAST(:headers AS jsonb), now())"
            )
            await connection.execute(
                insert, {"id": hook_id, "channel": "webhook", "types": [RECEIVED], "secrets": [secret], "headers": "{}"}
            )
            await connection.execute(
                insert,
                {
                    "id": rest_id,
                    "channel": "fhir-rest-hook",
                    "types": [RECEIVED],
                    "secrets": [],
                    "headers": json.dumps({"Authorization": "Bearer old"}),
                },
            )
        monkeypatch.delenv(KEY_ENV, raising=False)
        with pytest.raises(RuntimeError, match=KEY_ENV):
            await upgrade_to_head(SCRIPTS, url)

        key = new_key_text()
        monkeypatch.setenv(KEY_ENV, key)
        await upgrade_to_head(SCRIPTS, url)
        async with engine.connect() as connection:
            dump = "\n".join(await connection.scalars(text("SELECT s::text FROM la_subscription s")))
        assert secret not in dump and "Bearer old" not in dump
        secrets = SubscriptionSecrets.from_key(SecretStr(key))
        async with AsyncSession(engine) as session:
            repository = SqlLaSubscriptions(session)
            hook, rest = await repository.get(hook_id), await repository.get(rest_id)
        assert hook is not None and rest is not None
        assert secrets.open_secrets(hook) == (secret,)
        assert secrets.open_headers(rest) == {"Authorization": "Bearer old"}

        async with engine.begin() as connection:
            await connection.run_sync(_migrate, "0005", True)
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, secrets FROM la_subscription"))
            back: dict[UUID, list[str]] = {row.id: row.secrets for row in rows}
        assert back == {hook_id: [secret], rest_id: []}
    finally:
        await engine.dispose()
