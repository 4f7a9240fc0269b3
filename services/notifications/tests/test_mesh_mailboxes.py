"""The MESH mailbox registry on the real PostgreSQL, and onboarding from the command line: the platform's own
passwords sealed at rest, a mailbox the platform's or a partner's but never both, every refusal one clear line."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from notifications_kit.mesh_world import SECRETS_KEY
from notifications_kit.service import NOBODY_LISTENS, migrated
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications import mesh_cli
from pathfinder.notifications.adapters.tables import mesh_mailbox
from pathfinder.notifications.bootstrap import NotificationsService, bootstrap
from pathfinder.notifications.domain.mesh_mailbox import InvalidMailbox, MailboxRole
from pathfinder.notifications.domain.sealed import Sealed
from pathfinder.notifications.service_layer.mesh_mailboxes import (
    register_partner_mailbox,
    register_platform_mailbox,
    registered_mailbox,
)
from pathfinder.notifications.settings import LaDeliverySettings, NotificationsSettings
from pydantic import SecretStr
from sqlalchemy import select


@pytest.fixture
async def database_url(fresh_database: Callable[[str], Awaitable[str]]) -> str:
    return await migrated(await fresh_database("mesh_mailboxes"))


@pytest.fixture
async def service(database_url: str) -> AsyncIterator[NotificationsService]:
    built = bootstrap(
        NotificationsSettings(database_url=database_url),
        KafkaSettings(bootstrap_servers=NOBODY_LISTENS),
        delivery=LaDeliverySettings(secrets_key=SecretStr(SECRETS_KEY)),
    )
    yield built
    await built.engine.dispose()


async def test_a_platform_mailboxs_password_is_sealed_at_rest_and_opens_to_log_in(
    service: NotificationsService,
) -> None:
    await register_platform_mailbox(
        "x26pf0001", "correct horse battery", ["PATHFINDER_S23_NOTIFICATION"], uow=service.unit_of_work()
    )
    async with service.engine.connect() as connection:
        row = (await connection.execute(select(mesh_mailbox))).one()
    assert row.mailbox_id == "X26PF0001" and row.role == "platform"
    assert b"correct horse battery" not in row.sealed_password
    found = await registered_mailbox("X26PF0001", uow=service.unit_of_work())
    assert found is not None and isinstance(found.password, Sealed)
    assert found.workflow_ids == {"PATHFINDER_S23_NOTIFICATION"}
    assert service.mesh_passwords.open(found) == "correct horse battery"
    await register_platform_mailbox("X26PF0001", "rotated", [], uow=service.unit_of_work())
    again = await registered_mailbox("X26PF0001", uow=service.unit_of_work())
    assert again is not None and service.mesh_passwords.open(again) == "rotated" and again.workflow_ids == set()


async def test_a_mailbox_is_the_platforms_or_a_partners_never_both(service: NotificationsService) -> None:
    await register_platform_mailbox("X26PF0001", "pw", [], uow=service.unit_of_work())
    with pytest.raises(InvalidMailbox, match="never both"):
        await register_partner_mailbox("X26PF0001", MailboxRole.NHS_TRUST, "RR8", uow=service.unit_of_work())
    await register_partner_mailbox("X26RR80001", MailboxRole.NHS_TRUST, "rr8", uow=service.unit_of_work())
    trust = await registered_mailbox("x26rr80001", uow=service.unit_of_work())
    assert trust is not None and (trust.role, trust.organisation, trust.password) == (
        MailboxRole.NHS_TRUST,
        "RR8",
        None,
    )
    with pytest.raises(InvalidMailbox, match="three-digit DfE LA code"):
        await register_partner_mailbox(
            "X26LA00001", MailboxRole.LOCAL_AUTHORITY, "Darlington", uow=service.unit_of_work()
        )


async def test_onboarding_from_the_command_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATHFINDER_NOTIFICATIONS_DATABASE_URL", database_url)
    monkeypatch.setenv("PATHFINDER_LA_DELIVERY_SECRETS_KEY", SECRETS_KEY)
    assert (
        await mesh_cli.run(["platform", "add", "--mailbox", "X26PF0001", "--password-stdin"], stdin=io.StringIO("pw\n"))
        == 0
    )
    assert await mesh_cli.run(["trust", "add", "--mailbox", "X26RH80001", "--ods", "RH8"]) == 0
    assert await mesh_cli.run(["trust", "add", "--mailbox", "X26PF0001", "--ods", "RH8"]) == 2
    assert (
        await mesh_cli.run(["platform", "add", "--mailbox", "X26PF0002", "--password-stdin"], stdin=io.StringIO("\n"))
        == 2
    )
    assert await mesh_cli.run(["list"]) == 0
    output = capsys.readouterr()
    assert "X26PF0001\tplatform\tpathfinder workflows PATHFINDER_S23_NOTIFICATION" in output.out
    assert "X26RH80001\tnhs-trust\tRH8" in output.out
    assert "is registered as platform's" in output.err and "password is needed" in output.err
