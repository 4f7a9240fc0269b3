"""Storing EHC needs assessments: the whole aggregate as a snapshot, the columns an LA's open cases are listed by,
and its requests for advice copied out for the LA's history of how late each advisor is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from pathfinder.contracts.vocabulary import StatutoryLimit
from pathfinder.ehcp.adapters.snapshot_rows import london_today, next_due_columns, upsert
from pathfinder.ehcp.adapters.snapshots import assessment_from, assessment_state
from pathfinder.ehcp.adapters.tables import ehcp_advice_request, ehcp_assessment
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.clock import AdviceRequestFacts, limits
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

_Advice = tuple[AdviceRequestFacts, str]  # a request for advice as its row holds it, with the LA it is for


class SqlAssessments:
    """Hands out one object per assessment in a transaction (the one it already handed out, if any)."""

    def __init__(self, session: AsyncSession, today: Callable[[], date] = london_today) -> None:
        self._session = session
        self._today = today
        self._seen: dict[UUID, EhcNeedsAssessment] = {}
        self._advice_stored: dict[UUID, _Advice] = {}

    @property
    def seen(self) -> list[EhcNeedsAssessment]:
        return list(self._seen.values())

    async def get(self, assessment_id: UUID) -> EhcNeedsAssessment | None:
        if assessment_id in self._seen:
            return self._seen[assessment_id]
        state = await self._session.scalar(
            select(ehcp_assessment.c.state).where(ehcp_assessment.c.assessment_id == assessment_id).with_for_update()
        )
        return None if state is None else self._loaded(state)

    async def of_person(self, person_id: UUID) -> list[EhcNeedsAssessment]:
        rows = await self._session.execute(
            select(ehcp_assessment.c.assessment_id, ehcp_assessment.c.state)
            .where(ehcp_assessment.c.person_id == person_id)
            .order_by(ehcp_assessment.c.request_received_on, ehcp_assessment.c.assessment_id)
            .with_for_update()
        )
        return [self._seen.get(row.assessment_id) or self._loaded(row.state) for row in rows]

    async def save(self, assessment: EhcNeedsAssessment) -> None:
        today = self._today()
        facts = assessment.facts()
        await self._session.execute(
            upsert(
                ehcp_assessment,
                {
                    "assessment_id": assessment.assessment_id,
                    "person_id": assessment.person_id,
                    "responsible_la": assessment.responsible_la,
                    "la_reference": assessment.la_reference,
                    "stage": assessment.stage.value,
                    "is_open": assessment.open,
                    "request_received_on": assessment.request_received_on,
                    "decided_on": assessment.decided_on,
                    "draft_served_on": assessment.draft_served_on,
                    "outcome_on": assessment.outcome_on,
                    **next_due_columns(facts, today),
                    "state": assessment_state(assessment),
                },
            )
        )
        changed = [
            one
            for key, one in assessment.advice.items()
            if self._advice_stored.get(key) != (one, assessment.responsible_la)
        ]
        if changed:
            due = {
                one.subject: one.statutory_due_on for one in limits(facts, today) if one.limit is StatutoryLimit.ADVICE
            }
            await self._session.execute(_upsert_advice(assessment, changed, due))
        self._remember(assessment)

    def _loaded(self, state: dict[str, Any]) -> EhcNeedsAssessment:
        assessment = assessment_from(state)
        self._remember(assessment)
        return assessment

    def _remember(self, assessment: EhcNeedsAssessment) -> None:
        self._seen[assessment.assessment_id] = assessment
        self._advice_stored.update({key: (one, assessment.responsible_la) for key, one in assessment.advice.items()})


def _upsert_advice(
    assessment: EhcNeedsAssessment, advice: list[AdviceRequestFacts], due: dict[str | None, date]
) -> Insert:
    statement = pg_insert(ehcp_advice_request).values(
        [
            {
                "advice_request_id": one.advice_request_id,
                "assessment_id": assessment.assessment_id,
                "responsible_la": assessment.responsible_la,
                "advice_kind": one.kind.value,
                "advisor": one.advisor,
                "requested_on": one.requested_on,
                "due_on": due[str(one.advice_request_id)],
                "received_on": one.received_on,
            }
            for one in advice
        ]
    )
    kept = ("responsible_la", "advice_kind", "advisor", "requested_on", "due_on", "received_on")
    return statement.on_conflict_do_update(
        index_elements=[ehcp_advice_request.c.advice_request_id],
        set_={name: statement.excluded[name] for name in kept},
    )
