"""The replies given to commands sent with an idempotency key, kept to give again for the same key."""

from __future__ import annotations

from pathfinder.ehcp.adapters.tables import ehcp_command_reply
from pathfinder.ehcp.service_layer.unit_of_work import StoredReply
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

# The first key of a caller's idempotency key's advisory lock (the second is hashtext of "caller:key"): "EHKY".
_LOCK_CLASS = 0x4548_4B59
_LOCK_KEY = text("SELECT pg_advisory_xact_lock(:lock_class, hashtext(:name))")


class SqlCommandReplies:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def find(self, caller: str, key: str) -> StoredReply | None:
        # Held to the end of the transaction: the same key sent twice at once runs once, the second waits and then
        # finds the first's reply.
        await self._session.execute(_LOCK_KEY, {"lock_class": _LOCK_CLASS, "name": f"{caller}:{key}"})
        row = (
            await self._session.execute(
                select(ehcp_command_reply).where(ehcp_command_reply.c.caller == caller, ehcp_command_reply.c.key == key)
            )
        ).one_or_none()
        return None if row is None else StoredReply(row.request_digest, row.status, row.body)

    async def keep(self, caller: str, key: str, reply: StoredReply) -> None:
        await self._session.execute(
            insert(ehcp_command_reply).values(
                caller=caller, key=key, request_digest=reply.request_digest, status=reply.status, body=reply.body
            )
        )
