"""Storing the MESH mailboxes the platform knows, the passwords of its own sealed."""

from __future__ import annotations

from typing import Any

from pathfinder.notifications.adapters.mesh_passwords import MeshPasswords
from pathfinder.notifications.adapters.tables import mesh_mailbox
from pathfinder.notifications.domain.mesh_mailbox import MailboxRole, MeshMailbox
from pathfinder.notifications.domain.sealed import Sealed
from sqlalchemy import Row, Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class SqlMeshMailboxes:
    """``passwords`` seals a new platform mailbox's password; only registering one needs it."""

    def __init__(self, session: AsyncSession, passwords: MeshPasswords | None = None) -> None:
        self._session = session
        self._passwords = passwords

    async def get(self, mailbox_id: str) -> MeshMailbox | None:
        found = await self._load(select(mesh_mailbox).where(mesh_mailbox.c.mailbox_id == mailbox_id))
        return found[0] if found else None

    async def register(self, mailbox: MeshMailbox) -> None:
        values = self._values(mailbox)
        statement = insert(mesh_mailbox).values(mailbox_id=mailbox.mailbox_id, **values)
        await self._session.execute(statement.on_conflict_do_update(index_elements=["mailbox_id"], set_=values))

    async def of_role(self, role: MailboxRole) -> list[MeshMailbox]:
        return await self._load(select(mesh_mailbox).where(mesh_mailbox.c.role == role.value))

    async def of_organisation(self, organisation: str) -> list[MeshMailbox]:
        return await self._load(select(mesh_mailbox).where(mesh_mailbox.c.organisation == organisation))

    def _values(self, mailbox: MeshMailbox) -> dict[str, Any]:
        sealed = None
        if mailbox.password is not None:
            if self._passwords is None:
                raise RuntimeError("registering a platform mailbox needs its MeshPasswords")
            sealed = self._passwords.seal(mailbox)
        return {
            "role": mailbox.role.value,
            "organisation": mailbox.organisation,
            "workflow_ids": sorted(mailbox.workflow_ids),
            "sealed_password": sealed.value if sealed else None,
            "secrets_key_id": sealed.key_id if sealed else None,
            "registered_at": mailbox.registered_at,
        }

    async def _load(self, query: Select[Any]) -> list[MeshMailbox]:
        query = query.order_by(mesh_mailbox.c.registered_at, mesh_mailbox.c.mailbox_id)
        return [_mailbox(row) for row in (await self._session.execute(query)).all()]


def _mailbox(row: Row[Any]) -> MeshMailbox:
    password = Sealed(row.sealed_password, row.secrets_key_id) if row.sealed_password is not None else None
    return MeshMailbox(
        mailbox_id=row.mailbox_id,
        role=MailboxRole(row.role),
        organisation=row.organisation,
        registered_at=row.registered_at,
        password=password,
        workflow_ids=frozenset(row.workflow_ids),
    )
