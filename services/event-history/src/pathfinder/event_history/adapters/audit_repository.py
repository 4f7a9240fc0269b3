"""The audit log on PostgreSQL: appended to, read by the platform's engineers, never changed."""

from __future__ import annotations

from datetime import datetime

from pathfinder.event_history.adapters.tables import event_audit
from pathfinder.event_history.domain.audit import AuditEntry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


class SqlAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, entry: AuditEntry) -> None:
        await self._session.execute(
            event_audit.insert().values(
                at=entry.at, subject=entry.subject[:200], organisation=entry.organisation[:20], role=entry.role,
                action=entry.action, slice=dict(entry.slice), reason=entry.reason, outcome=entry.outcome,
            )
        )  # fmt: skip

    async def entries(self, *, since: datetime | None, limit: int) -> list[AuditEntry]:
        query = select(event_audit)
        if since is not None:
            query = query.where(event_audit.c.at >= since)
        rows = await self._session.execute(query.order_by(event_audit.c.at, event_audit.c.audit_id).limit(limit))
        return [
            AuditEntry(
                at=row.at, subject=row.subject, organisation=row.organisation, role=row.role, action=row.action,
                slice=row.slice, reason=row.reason, outcome=row.outcome, audit_id=row.audit_id,
            )
            for row in rows
        ]  # fmt: skip
