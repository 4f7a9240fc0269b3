"""Storing child cases."""

from __future__ import annotations

from uuid import UUID

from pathfinder.ehcp.adapters.tables import child_case, early_years_notice
from pathfinder.ehcp.domain.child_case import ChildCase, EarlyYearsNotice
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession


class SqlChildCases:
    """Loads a case with its notices; ``save`` writes the case if new and the notices it does not hold yet."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._loaded: dict[UUID, int] = {}

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
        )
        self._loaded[person_id] = len(case.early_years_notices)
        return case

    async def save(self, case: ChildCase) -> None:
        stored = self._loaded.get(case.person_id)
        if stored is None:
            await self._session.execute(
                insert(child_case).values(person_id=case.person_id, responsible_la=case.responsible_la)
            )
            stored = 0
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
        self._loaded[case.person_id] = len(case.early_years_notices)
