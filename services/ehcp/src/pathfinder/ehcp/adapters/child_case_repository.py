"""Storing child cases, with their notices and the changes of their responsible LA."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from uuid import UUID

from pathfinder.ehcp.adapters.tables import child_case, early_years_notice, responsible_la_change
from pathfinder.ehcp.domain.child_case import ChildCase, EarlyYearsNotice, LaChangeCause, ResponsibleLaChange
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession


class SqlChildCases:
    """Loads a case with its notices; ``save`` writes the case if new and the notices it does not hold yet."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._loaded: dict[UUID, _Stored] = {}

    async def get(self, person_id: UUID) -> ChildCase | None:
        row = (
            await self._session.execute(select(child_case).where(child_case.c.person_id == person_id).with_for_update())
        ).one_or_none()
        if row is None:
            return None
        notices = (
            await self._session.execute(
                select(early_years_notice)
                .where(early_years_notice.c.person_id == person_id)
                .order_by(early_years_notice.c.received_at, early_years_notice.c.notification_id)
            )
        ).all()
        changes = (
            await self._session.execute(
                select(responsible_la_change)
                .where(responsible_la_change.c.person_id == person_id)
                .order_by(responsible_la_change.c.changed_at, responsible_la_change.c.id)
            )
        ).all()
        case = ChildCase(
            person_id=row.person_id,
            responsible_la=row.responsible_la,
            early_years_notices=[
                EarlyYearsNotice(
                    notification_id=notice.notification_id,
                    notifying_organisation=notice.notifying_organisation,
                    opinion_formed_on=notice.opinion_formed_on,
                    received_at=notice.received_at,
                )
                for notice in notices
            ],
            responsible_la_changes=[
                ResponsibleLaChange(
                    change.from_la, change.to_la, change.notification_id, change.changed_at, LaChangeCause(change.cause)
                )
                for change in changes
            ],
            transferred_at=row.transferred_at,
        )
        self._remember(case)
        return case

    async def save(self, case: ChildCase) -> None:
        loaded = self._loaded.get(case.person_id)
        if loaded is None:
            await self._session.execute(
                insert(child_case).values(
                    person_id=case.person_id,
                    responsible_la=case.responsible_la,
                    transferred_at=case.transferred_at,
                )
            )
            loaded = _Stored(case.responsible_la, case.transferred_at, 0, 0)
        if (case.responsible_la, case.transferred_at) != (loaded.responsible_la, loaded.transferred_at):
            await self._session.execute(
                update(child_case)
                .where(child_case.c.person_id == case.person_id)
                .values(responsible_la=case.responsible_la, transferred_at=case.transferred_at)
            )
        new_changes = case.responsible_la_changes[loaded.changes :]
        if new_changes:
            await self._session.execute(
                insert(responsible_la_change),
                [{"person_id": case.person_id, **vars(change), "cause": change.cause.value} for change in new_changes],
            )
        new_notices = case.early_years_notices[loaded.notices :]
        if new_notices:
            await self._session.execute(
                insert(early_years_notice),
                [
                    {
                        "notification_id": notice.notification_id,
                        "person_id": case.person_id,
                        "notifying_organisation": notice.notifying_organisation,
                        "opinion_formed_on": notice.opinion_formed_on,
                        "received_at": notice.received_at,
                    }
                    for notice in new_notices
                ],
            )
        self._remember(case)

    def _remember(self, case: ChildCase) -> None:
        self._loaded[case.person_id] = _Stored(
            case.responsible_la,
            case.transferred_at,
            len(case.early_years_notices),
            len(case.responsible_la_changes),
        )


class _Stored(NamedTuple):
    """A case as the database holds it: its LA, its latest transfer, how many notices and changes."""

    responsible_la: str
    transferred_at: datetime | None
    notices: int
    changes: int
