"""Registering the MESH mailboxes the platform knows, and finding them: its own to collect from and send from, a
trust's to know whose notification a message is, an LA's to send its events to."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from pathfinder.auth import PLATFORM_ORGANISATION
from pathfinder.notifications.domain.mesh_mailbox import InvalidMailbox, MailboxRole, MeshMailbox, mailbox_id
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


def _now() -> datetime:
    return datetime.now(UTC)


async def register_platform_mailbox(
    mailbox: str,
    password: str,
    workflow_ids: Iterable[str],
    *,
    uow: NotificationsUnitOfWork,
    now: Callable[[], datetime] = _now,
) -> MeshMailbox:
    """One of the platform's own mailboxes, collected for ``workflow_ids``; registered again, its password and
    workflows are replaced."""
    registered = MeshMailbox(
        mailbox_id=mailbox_id(mailbox),
        role=MailboxRole.PLATFORM,
        organisation=PLATFORM_ORGANISATION,
        registered_at=now(),
        password=password,
        workflow_ids=frozenset(workflow_ids),
    )
    return await _register(registered, uow)


async def register_partner_mailbox(
    mailbox: str,
    role: MailboxRole,
    organisation: str,
    *,
    uow: NotificationsUnitOfWork,
    now: Callable[[], datetime] = _now,
) -> MeshMailbox:
    """A trust's or an LA's mailbox, owned by ``organisation`` (its ODS or DfE LA code)."""
    if role is MailboxRole.PLATFORM:
        raise InvalidMailbox("the platform's own mailboxes are registered with their passwords")
    registered = MeshMailbox(mailbox_id(mailbox), role, organisation.strip().upper(), registered_at=now())
    return await _register(registered, uow)


async def _register(mailbox: MeshMailbox, uow: NotificationsUnitOfWork) -> MeshMailbox:
    async with uow:
        known = await uow.mesh_mailboxes.get(mailbox.mailbox_id)
        if known is not None and (known.role is MailboxRole.PLATFORM) != (mailbox.role is MailboxRole.PLATFORM):
            raise InvalidMailbox(
                f"mailbox {mailbox.mailbox_id} is registered as {known.role}'s: a mailbox is the platform's own "
                "or a partner's, never both"
            )
        await uow.mesh_mailboxes.register(mailbox)
        await uow.commit()
    return mailbox


async def platform_mailboxes(*, uow: NotificationsUnitOfWork) -> list[MeshMailbox]:
    async with uow:
        return await uow.mesh_mailboxes.of_role(MailboxRole.PLATFORM)


async def registered_mailbox(mailbox: str, *, uow: NotificationsUnitOfWork) -> MeshMailbox | None:
    async with uow:
        return await uow.mesh_mailboxes.get(mailbox.strip().upper())


async def known_mailboxes(*, uow: NotificationsUnitOfWork) -> list[MeshMailbox]:
    async with uow:
        return [mailbox for role in MailboxRole for mailbox in await uow.mesh_mailboxes.of_role(role)]
