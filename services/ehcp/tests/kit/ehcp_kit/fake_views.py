"""The views of the in-memory unit of work, answering as the SQL ones do: an LA's open cases soonest due first (none
last, then by case id), keyset-paged with the same cursor; and its history, as PostgreSQL's ``percentile_cont``
rounded half away from zero."""

from __future__ import annotations

import base64
import binascii
import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from pathfinder.contracts.vocabulary import AdviceKind, StatutoryLimit
from pathfinder.ehcp.domain.assessment import AssessmentStage, EhcNeedsAssessment
from pathfinder.ehcp.domain.clock import LaHistory, Stage, Usual, limits, london_date
from pathfinder.ehcp.domain.due_alerts import next_due
from pathfinder.ehcp.domain.plan import EhcPlan
from pathfinder.ehcp.service_layer.unit_of_work import OpenCaseFilter, OpenCasePage, OpenCaseRow

LAST_DUE_KEY = date(9999, 12, 31)


def london_today() -> date:
    return london_date(datetime.now(UTC))


def plan_stage(plan: EhcPlan) -> str:
    if not plan.maintained:
        return "ceased"
    return "under-review" if plan.review_in_progress else "maintained"


class FakeCaseViews:
    def __init__(
        self,
        assessments: Callable[[], Mapping[UUID, EhcNeedsAssessment]],
        plans: Callable[[], Mapping[UUID, EhcPlan]],
        today: Callable[[], date] = london_today,
    ) -> None:
        self._assessments = assessments
        self._plans = plans
        self._today = today

    async def open_cases(self, where: OpenCaseFilter, *, after: str | None, limit: int) -> OpenCasePage:
        if limit < 1:
            raise ValueError("a page holds at least one case")
        start = read_cursor(after) if after is not None else None
        rows = sorted((row for row in self._open(where.responsible_la) if _wanted(row, where)), key=_key)
        if start is not None:
            rows = [row for row in rows if _key(row) > start]
        page = rows[:limit]
        return OpenCasePage(page, cursor(*_key(page[-1])) if len(rows) > limit else None)

    def _open(self, responsible_la: str) -> list[OpenCaseRow]:
        today = self._today()
        rows = []
        for assessment in self._assessments().values():
            if assessment.responsible_la == responsible_la and assessment.open:
                limit = next_due(assessment.facts(), today)
                rows.append(
                    OpenCaseRow(
                        assessment.assessment_id, "assessment", assessment.person_id, assessment.la_reference,
                        assessment.stage.value, limit.limit.value if limit else None, limit.due_on if limit else None,
                        assessment.request_received_on,
                    )
                )  # fmt: skip
        for plan in self._plans().values():
            if plan.responsible_la == responsible_la and plan.maintained:
                limit = next_due(plan.facts(), today)
                rows.append(
                    OpenCaseRow(
                        plan.plan_id, "plan", plan.person_id, None, plan_stage(plan),
                        limit.limit.value if limit else None, limit.due_on if limit else None, plan.issued_on,
                    )
                )  # fmt: skip
        return rows

    async def open_assessments(self, *, after: UUID | None, limit: int) -> list[UUID]:
        found = sorted(key for key, one in self._assessments().items() if one.open and (after is None or key > after))
        return found[:limit]

    async def la_history(self, responsible_la: str, *, today: date) -> LaHistory:
        since = history_starts(today)
        spans: dict[Stage, list[int]] = defaultdict(list)
        by_advisor: dict[str, list[int]] = defaultdict(list)
        by_kind: dict[AdviceKind, list[int]] = defaultdict(list)
        for one in self._assessments().values():
            if one.responsible_la != responsible_la or not since < one.request_received_on <= today:
                continue
            for stage, days in _stage_days(one):
                spans[stage].append(days)
            due = {lim.subject: lim.statutory_due_on for lim in limits(one.facts(), today) if lim.limit is _ADVICE}
            for advice in one.advice.values():
                if advice.received_on is None:
                    continue
                late = (advice.received_on - due[str(advice.advice_request_id)]).days
                by_kind[advice.kind].append(late)
                if advice.advisor is not None:
                    by_advisor[advice.advisor].append(late)
        return LaHistory(
            {stage: _usual(days) for stage, days in spans.items()},
            {advisor: _usual(days) for advisor, days in by_advisor.items()},
            {kind: _usual(days) for kind, days in by_kind.items()},
        )


_ADVICE = StatutoryLimit.ADVICE


def _stage_days(one: EhcNeedsAssessment) -> list[tuple[Stage, int]]:
    received = [advice.received_on for advice in one.advice.values() if advice.received_on is not None]
    all_in = bool(one.advice) and len(received) == len(one.advice)
    ends = [day for day in (max(received, default=None), one.draft_served_on) if day is not None]
    advice_done = min(ends) if (all_in or one.draft_served_on is not None) and ends else None
    found = []
    if one.decided_on is not None:
        found.append((Stage.DECISION, (one.decided_on - one.request_received_on).days))
        if advice_done is not None:
            found.append((Stage.ADVICE, (advice_done - one.decided_on).days))
    if advice_done is not None and one.draft_served_on is not None:
        found.append((Stage.DRAFTING, (one.draft_served_on - advice_done).days))
    if one.stage is AssessmentStage.PLAN_ISSUED and one.outcome_on is not None and one.draft_served_on is not None:
        found.append((Stage.FINALISING, (one.outcome_on - one.draft_served_on).days))
    return found


def _usual(days: list[int]) -> Usual:
    return Usual(_percentile(days, 0.5), _percentile(days, 0.9))


def _percentile(days: list[int], fraction: float) -> int:
    ordered = sorted(days)
    at = fraction * (len(ordered) - 1)
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    value = ordered[low] + (ordered[high] - ordered[low]) * (at - low)
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _wanted(row: OpenCaseRow, where: OpenCaseFilter) -> bool:
    if where.stages and row.stage not in where.stages:
        return False
    if where.due_on_or_before is not None and (row.next_due_on is None or row.next_due_on > where.due_on_or_before):
        return False
    return where.due_on_or_after is None or (row.next_due_on is not None and row.next_due_on >= where.due_on_or_after)


def _key(row: OpenCaseRow) -> tuple[date, UUID]:
    return (row.next_due_on or LAST_DUE_KEY, row.case_id)


def cursor(due_key: date, case_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{due_key.isoformat()}|{case_id}".encode()).decode().rstrip("=")


def read_cursor(given: str) -> tuple[date, UUID]:
    try:
        due, case_id = base64.urlsafe_b64decode(given + "=" * (-len(given) % 4)).decode().split("|")
        return date.fromisoformat(due), UUID(case_id)
    except (binascii.Error, UnicodeDecodeError, ValueError) as wrong:
        raise ValueError("not a cursor the list of open cases gave") from wrong


def history_starts(today: date) -> date:
    try:
        return today.replace(year=today.year - 2)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 2, day=28)
