"""The notifications service on MESH for server-tier tests: a migrated database, NHS England's sandbox with the
platform's own mailbox and partners' mailboxes registered on both sides, and partners' own ``mesh-client``s."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from mesh_client import MeshClient
from pathfinder.devstack.mesh_sandbox import MeshMailbox as SandboxMailbox
from pathfinder.devstack.mesh_sandbox import MeshSandbox
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications.bootstrap import NotificationsService, bootstrap
from pathfinder.notifications.domain.mesh_mailbox import S23_WORKFLOW, MailboxRole
from pathfinder.notifications.entrypoints.mesh_inbox import MeshInbox
from pathfinder.notifications.service_layer.mesh_mailboxes import register_partner_mailbox, register_platform_mailbox
from pathfinder.notifications.settings import LaDeliverySettings, MeshSettings, NotificationsSettings
from pydantic import SecretStr

from notifications_kit.fakes import FakeIdentity
from notifications_kit.service import NOBODY_LISTENS, migrated

NewMailbox = Callable[[str], SandboxMailbox]
SECRETS_KEY = "2TNDc4qJ8o0CLLr6yzNQzYjV8XtA7c6O9OcwQw3xmqg"
"""Fixed, so a worker process started by a test opens the platform mailbox's password the test sealed."""


def mesh_settings(sandbox: MeshSandbox, *, url: str | None = None, **changes: Any) -> MeshSettings:
    fields: dict[str, Any] = {
        "url": url or sandbox.url,
        "shared_key": SecretStr(sandbox.shared_key.decode()),
        "ca_file": sandbox.ca_file,
        "retry_backoff_seconds": 0.01,
        "collect_interval_seconds": 0.2,
    }
    return MeshSettings(**(fields | changes))


def partner_client(sandbox: MeshSandbox, mailbox: SandboxMailbox, **options: Any) -> MeshClient:
    """A trust's or LA's own MESH client, as their systems would have it."""
    return MeshClient(
        sandbox.url,
        mailbox.mailbox_id,
        mailbox.password,
        shared_key=sandbox.shared_key,
        verify=str(sandbox.ca_file) if sandbox.ca_file else None,
        retry_backoff_factor=0.01,
        **options,
    )


@dataclass
class MeshWorld:
    service: NotificationsService
    sandbox: MeshSandbox
    platform: SandboxMailbox
    trust: SandboxMailbox
    la: SandboxMailbox

    def inbox(self) -> MeshInbox:
        assert self.service.mesh_post is not None
        return MeshInbox(self.service.http_dependencies(), self.service.mesh_post, self.service.delivery.public_urls)

    def client_of(self, mailbox: SandboxMailbox, **options: Any) -> MeshClient:
        return partner_client(self.sandbox, mailbox, **options)

    def send_as_trust(self, body: bytes, *, content_type: str = "application/fhir+json", **options: Any) -> str:
        with self.client_of(self.trust) as trust:
            return str(
                trust.send_message(
                    self.platform.mailbox_id, body, workflow_id=S23_WORKFLOW, content_type=content_type, **options
                )
            )

    def waiting_for_platform(self) -> list[str]:
        with self.client_of(self.platform) as platform:
            return list(platform.list_messages())


@asynccontextmanager
async def mesh_world(
    database_url: str,
    sandbox: MeshSandbox,
    new_mailbox: NewMailbox,
    *,
    trust_ods: str = "RR8",
    la_code: str = "841",
    mesh_url: str | None = None,
    identity: FakeIdentity | None = None,
) -> AsyncIterator[MeshWorld]:
    """The platform's mailbox collects ``PATHFINDER_S23_NOTIFICATION``; the trust's mailbox is registered to
    ``trust_ods``, the LA's to ``la_code`` (without a subscription: tests make the one they need)."""
    await migrated(database_url)
    platform, trust, la = new_mailbox("platform"), new_mailbox("trust"), new_mailbox("la")
    service = bootstrap(
        NotificationsSettings(database_url=database_url),
        KafkaSettings(bootstrap_servers=NOBODY_LISTENS),
        delivery=LaDeliverySettings(secrets_key=SecretStr(SECRETS_KEY)),
        identity=identity or FakeIdentity(),
        mesh=mesh_settings(sandbox, url=mesh_url),
    )
    uow = service.unit_of_work
    try:
        await register_platform_mailbox(platform.mailbox_id, platform.password, [S23_WORKFLOW], uow=uow())
        await register_partner_mailbox(trust.mailbox_id, MailboxRole.NHS_TRUST, trust_ods, uow=uow())
        await register_partner_mailbox(la.mailbox_id, MailboxRole.LOCAL_AUTHORITY, la_code, uow=uow())
        yield MeshWorld(service, sandbox, platform, trust, la)
    finally:
        if service.mesh_post is not None:
            await service.mesh_post.close()
        await service.engine.dispose()
