"""The person index's audit log in PostgreSQL. There is no update or delete here, and the database
refuses both (trigger ``person_audit_event_append_only``)."""

from __future__ import annotations

from uuid import UUID

from pathfinder.identity.persons.adapters.tables import person_audit_event
from pathfinder.identity.persons.domain.audit import (
    Actor,
    AuditAction,
    AuditEntry,
    AuditOutcome,
    Purpose,
)
from pathfinder.identity.persons.service_layer.unit_of_work import StoredAuditEntry
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession


class SqlAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, entry: AuditEntry) -> None:
        await self._session.execute(
            insert(person_audit_event).values(
                occurred_at=entry.occurred_at,
                actor_subject=entry.actor.subject,
                actor_kind=entry.actor.kind,
                actor_organisation=entry.actor.organisation,
                actor_role=entry.actor.role,
                action=entry.action.value,
                outcome=entry.outcome.value,
                purpose=entry.purpose.value,
                person_id=entry.person_id,
                review_id=entry.review_id,
                responsible_la=entry.responsible_la,
                correlation_id=entry.correlation_id,
                detail=dict(entry.detail),
            )
        )

    async def entries(
        self, *, person_id: UUID | None, responsible_la: str | None, before: int | None, limit: int
    ) -> list[StoredAuditEntry]:
        """Newest first. ``responsible_la`` keeps to entries about that LA's children."""
        query = select(person_audit_event).order_by(person_audit_event.c.audit_id.desc()).limit(limit)
        if person_id is not None:
            query = query.where(person_audit_event.c.person_id == person_id)
        if responsible_la is not None:
            query = query.where(person_audit_event.c.responsible_la == responsible_la)
        if before is not None:
            query = query.where(person_audit_event.c.audit_id < before)
        rows = await self._session.execute(query)
        return [
            StoredAuditEntry(
                row.audit_id,
                AuditEntry(
                    actor=Actor(row.actor_subject, row.actor_kind, row.actor_organisation, row.actor_role),
                    action=AuditAction(row.action),
                    outcome=AuditOutcome(row.outcome),
                    purpose=Purpose(row.purpose),
                    occurred_at=row.occurred_at,
                    person_id=row.person_id,
                    review_id=row.review_id,
                    responsible_la=row.responsible_la,
                    correlation_id=row.correlation_id,
                    detail=row.detail,
                ),
            )
            for row in rows
        ]
