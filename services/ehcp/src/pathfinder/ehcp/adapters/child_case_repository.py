"""Storing child cases, with their notices and the changes of their responsible LA."""

from __future__ import annotations

from uuid import UUID

from pathfinder.ehcp.adapters.tables import child_case, early_years_notice, responsible_la_change
from pathfinder.ehcp.domain.child_case import ChildCase, EarlyYearsNotice, ResponsibleLaChange
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession


class SqlChildCases:
    """Loads a case with its notices; ``save`` writes the case if new and the notices it does not hold yet."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._loaded: dict[UUID, tuple[str, int, int]] = {}  # the LA, notices and changes as stored

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
                .order_by(responsible_la_change.c.changed_at, responsible_la_change.c.notification_id)
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
                ResponsibleLaChange(change.from_la, change.to_la, change.notification_id, change.changed_at)
                for change in changes
            ],
        )
        self._remember(case)
        return case

    async def save(self, case: ChildCase) -> None:
        loaded = self._loaded.get(case.person_id)
        if loaded is None:
            await self._session.execute(
                insert(child_case).values(person_id=case.person_id, responsible_la=case.responsible_la)
            )
            loaded = (case.responsible_la, 0, 0)
        stored_la, stored, stored_changes = loaded
        if case.responsible_la != stored_la:
            await self._session.execute(
                update(child_case)
                .where(child_case.c.person_id == case.person_id)
                .values(responsible_la=case.responsible_la)
            )
        new_changes = case.responsible_la_changes[stored_changes:]
        if new_changes:
            await self._session.execute(
                insert(responsible_la_change),
                [{"person_id": case.person_id, **vars(change)} for change in new_changes],
            )
        new_notices = case.early_years_notices[stored:]
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
        self._loaded[case.person_id] = (
            case.responsible_la,
            len(case.early_years_notices),
            len(case.responsible_la_changes),
        )
