"""What an LA reads across its cases: its open assessments and plans, soonest due first, a page at a time; and how
long each stage of its assessments usually takes and how late each advisor usually is.

The open cases are the open rows of both tables, each branch walked in order on its partial index (LA, due key,
case id) and merged (``UNION ALL``): a page costs its own rows, however many cases the LA has open.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from pathfinder.contracts.vocabulary import AdviceKind
from pathfinder.ehcp.adapters.tables import NO_DUE_DATE, ehcp_assessment, ehcp_plan
from pathfinder.ehcp.domain.assessment import AssessmentStage
from pathfinder.ehcp.domain.clock import LaHistory, Stage, Usual
from pathfinder.ehcp.service_layer.unit_of_work import OpenCaseFilter, OpenCasePage, OpenCaseRow
from sqlalchemy import Date, Select, Table, Text, cast, func, literal, literal_column, select, text, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

HISTORY_YEARS = 2


@dataclass(frozen=True)
class _Kind:
    name: str
    table: Table
    case_id: ColumnElement[UUID]
    opened_on: ColumnElement[date]
    la_reference: ColumnElement[str | None]
    stages: frozenset[str]


_KINDS = (
    _Kind(
        "assessment",
        ehcp_assessment,
        ehcp_assessment.c.assessment_id,
        ehcp_assessment.c.request_received_on,
        ehcp_assessment.c.la_reference,
        frozenset(stage.value for stage in AssessmentStage),
    ),
    _Kind(
        "plan",
        ehcp_plan,
        ehcp_plan.c.plan_id,
        ehcp_plan.c.issued_on,
        ehcp_plan.c.la_reference,
        frozenset({"maintained", "under-review", "ceased"}),
    ),
)


class SqlCaseViews:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open_cases(self, where: OpenCaseFilter, *, after: str | None, limit: int) -> OpenCasePage:
        if limit < 1:
            raise ValueError("a page holds at least one case")
        start = read_cursor(after) if after is not None else None
        branches = [query for kind in _KINDS if (query := _open_of(kind, where, start, limit + 1)) is not None]
        if not branches:
            return OpenCasePage([], None)
        cases = union_all(*branches).subquery()
        rows = (
            await self._session.execute(select(cases).order_by(cases.c.due_key, cases.c.case_id).limit(limit + 1))
        ).all()
        page = [
            OpenCaseRow(
                row.case_id,
                row.case_kind,
                row.person_id,
                row.la_reference,
                row.stage,
                row.next_limit,
                row.next_due_on,
                row.opened_on,
            )
            for row in rows[:limit]
        ]
        last = rows[limit - 1] if len(rows) > limit else None
        return OpenCasePage(page, None if last is None else cursor(last.due_key, last.case_id))

    async def open_assessments(self, *, after: UUID | None, limit: int) -> list[UUID]:
        query = select(ehcp_assessment.c.assessment_id).where(ehcp_assessment.c.is_open)
        if after is not None:
            query = query.where(ehcp_assessment.c.assessment_id > after)
        return list(await self._session.scalars(query.order_by(ehcp_assessment.c.assessment_id).limit(limit)))

    async def la_history(self, responsible_la: str, *, today: date) -> LaHistory:
        window = {"la": responsible_la, "since": history_starts(today), "today": today}
        stages = {Stage(row.name): Usual(row.median, row.p90) for row in await self._session.execute(_STAGES, window)}
        advisors: dict[str, Usual] = {}
        kinds: dict[AdviceKind, Usual] = {}
        for row in await self._session.execute(_LATENESS, window):
            if row.by == "advisor":
                advisors[row.name] = Usual(row.median, row.p90)
            else:
                kinds[AdviceKind(row.name)] = Usual(row.median, row.p90)
        return LaHistory(stages, advisors, kinds)


def _open_of(
    kind: _Kind, where: OpenCaseFilter, after: tuple[date, UUID] | None, limit: int
) -> Select[tuple[object, ...]] | None:
    """The kind's share of the page: at most a page of its own, so each branch is read in its index's order."""
    if where.stages and not kind.stages.intersection(where.stages):
        return None
    table = kind.table
    due_key = func.coalesce(table.c.next_due_on, NO_DUE_DATE)
    query = select(
        kind.case_id.label("case_id"),
        literal_column(f"'{kind.name}'").label("case_kind"),
        table.c.person_id,
        kind.la_reference.label("la_reference"),
        table.c.stage,
        table.c.next_limit,
        table.c.next_due_on,
        kind.opened_on.label("opened_on"),
        due_key.label("due_key"),
    ).where(table.c.is_open, table.c.responsible_la == where.responsible_la)
    if where.stages:
        query = query.where(table.c.stage.in_(where.stages))
    if where.due_on_or_before is not None:
        query = query.where(due_key <= where.due_on_or_before, table.c.next_due_on.is_not(None))
    if where.due_on_or_after is not None:
        query = query.where(due_key >= where.due_on_or_after, table.c.next_due_on.is_not(None))
    if after is not None:
        # The date goes as text: asyncpg sends date.max, the key of a case with no due date, as 'infinity', which
        # sorts after every case and would end the list at the first page of them.
        due_after = cast(literal(after[0].isoformat(), Text), Date)
        query = query.where(tuple_(due_key, kind.case_id) > tuple_(due_after, after[1]))
    return select(query.order_by(due_key, kind.case_id).limit(limit).subquery())


def cursor(due_key: date, case_id: UUID) -> str:
    """Where the next page starts: after this case."""
    return base64.urlsafe_b64encode(f"{due_key.isoformat()}|{case_id}".encode()).decode().rstrip("=")


def read_cursor(given: str) -> tuple[date, UUID]:
    try:
        due, case_id = base64.urlsafe_b64decode(given + "=" * (-len(given) % 4)).decode().split("|")
        return date.fromisoformat(due), UUID(case_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as wrong:
        raise ValueError("not a cursor the list of open cases gave") from wrong


def history_starts(today: date) -> date:
    """The day before the window of the LA's history opens: requests received after it count."""
    try:
        return today.replace(year=today.year - HISTORY_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - HISTORY_YEARS, day=28)


_USUAL = """
    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY days)::numeric)::int AS median,
    round(percentile_cont(0.9) WITHIN GROUP (ORDER BY days)::numeric)::int AS p90
"""
_RECENT = "a.responsible_la = :la AND a.request_received_on > :since AND a.request_received_on <= :today"

# Gathering advice ends with the last advice in once every request has been answered, or with the draft if it
# was served first (advice arriving after the draft is no longer holding the plan up).
_STAGES = text(
    f"""
    WITH advice AS (
        SELECT assessment_id, max(received_on) AS last_in, bool_and(received_on IS NOT NULL) AS all_in
        FROM ehcp_advice_request WHERE responsible_la = :la GROUP BY assessment_id
    ), recent AS (
        SELECT a.stage, a.request_received_on, a.decided_on, a.draft_served_on, a.outcome_on,
               CASE WHEN advice.all_in OR a.draft_served_on IS NOT NULL
                    THEN LEAST(advice.last_in, a.draft_served_on) END AS advice_done
        FROM ehcp_assessment a LEFT JOIN advice ON advice.assessment_id = a.assessment_id
        WHERE {_RECENT}
    ), spans AS (
        SELECT 'decision' AS name, decided_on - request_received_on AS days FROM recent
        WHERE decided_on IS NOT NULL
        UNION ALL
        SELECT 'advice', advice_done - decided_on FROM recent WHERE advice_done IS NOT NULL AND decided_on IS NOT NULL
        UNION ALL
        SELECT 'drafting', draft_served_on - advice_done FROM recent
        WHERE advice_done IS NOT NULL AND draft_served_on IS NOT NULL
        UNION ALL
        SELECT 'finalising', outcome_on - draft_served_on FROM recent WHERE stage = 'plan-issued'
    )
    SELECT name, {_USUAL} FROM spans GROUP BY name
    """
)

_LATENESS = text(
    f"""
    WITH late AS (
        SELECT r.advisor, r.advice_kind, r.received_on - r.due_on AS days
        FROM ehcp_advice_request r JOIN ehcp_assessment a ON a.assessment_id = r.assessment_id
        WHERE r.responsible_la = :la AND {_RECENT} AND r.received_on IS NOT NULL
    )
    SELECT 'advisor' AS by, advisor AS name, {_USUAL} FROM late WHERE advisor IS NOT NULL GROUP BY advisor
    UNION ALL
    SELECT 'kind', advice_kind, {_USUAL} FROM late GROUP BY advice_kind
    """
)
