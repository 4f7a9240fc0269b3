"""The lifecycle's use cases on the in-memory unit of work: a case opened only for a child of the caller's LA,
steps taken once per idempotency key, a step out of turn refused with the steps allowed, the final plan opening
the plan, timers following the clock and firing once, health advice recorded once, a transfer followed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from ehcp_kit.fakes import FakeCaseStore
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal
from pathfinder.contracts import assessment as events
from pathfinder.contracts.plans import ReviewDue
from pathfinder.contracts.vocabulary import (
    AdviceClockStopReason,
    AdviceKind,
    AssessmentException,
    Requester,
    StatutoryLimit,
)
from pathfinder.ehcp.domain import clock
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.child_case import ChildCase
from pathfinder.ehcp.domain.due_alerts import Alert
from pathfinder.ehcp.domain.lifecycle import StepRefused
from pathfinder.ehcp.service_layer import assessments, commands
from pathfinder.ehcp.service_layer.child_cases import follow_transfer
from pathfinder.ehcp.service_layer.commands import CaseNotFound, CommandKey, KeyReused, Reply
from pathfinder.ehcp.service_layer.due_alerts import fire_due_timers, watch_risk

START = datetime(2026, 9, 1, 9, tzinfo=UTC)
LA_841 = principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.CASES_MANAGE, Scope.CASES_READ)
LA_805 = principal(OrganisationRole.LOCAL_AUTHORITY, "805", Scope.CASES_MANAGE, Scope.CASES_READ)
HEALTH = UUID(int=7)


class Clock:
    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def key(name: str | None = None, digest: str = "same") -> CommandKey:
    return CommandKey("client-841", name, digest)


def render(case: Any) -> dict[str, Any]:
    if isinstance(case, EhcNeedsAssessment):
        return {"id": str(case.assessment_id), "stage": case.stage.value, "plan_id": str(case.plan_id)}
    return {"id": str(case.plan_id)}


def store_with_child(la: str = "841") -> tuple[FakeCaseStore, UUID]:
    store, person_id = FakeCaseStore(), uuid4()
    store.cases[person_id] = ChildCase(person_id=person_id, responsible_la=la)
    return store, person_id


async def opened(store: FakeCaseStore, person_id: UUID, now: Clock, caller: Principal = LA_841) -> Reply:
    return await assessments.request_assessment(
        person_id=person_id, requested_by=Requester.PARENT, received_on=now().date(), la_reference="EHC-1",
        early_years_notification=None, principal=caller, command=key(), render=render, uow=store.unit_of_work(),
        now=now,
    )  # fmt: skip


async def step(
    store: FakeCaseStore, case_id: UUID, act: Callable[[EhcNeedsAssessment, datetime], object], now: Clock,
    command: CommandKey | None = None, caller: Principal = LA_841,
) -> Reply:  # fmt: skip
    return await commands.step_assessment(
        case_id, act, principal=caller, command=command or key(), render=render, uow=store.unit_of_work(), now=now
    )


async def test_a_request_opens_an_assessment_only_for_a_child_of_the_callers_la() -> None:
    store, person_id = store_with_child()
    now = Clock()
    reply = await opened(store, person_id, now)
    assert reply.status == 201 and reply.body["stage"] == "requested"
    assert [type(one) for one in store.events] == [events.AssessmentRequested]
    with pytest.raises(CaseNotFound):
        await opened(store, person_id, now, caller=LA_805)
    with pytest.raises(CaseNotFound):
        await opened(store, uuid4(), now)
    with pytest.raises(StepRefused, match="allowed now: none"):
        await opened(store, person_id, now)


async def test_a_step_repeated_with_its_key_is_applied_once_and_answered_alike() -> None:
    store, person_id = store_with_child()
    now = Clock()
    case_id = UUID((await opened(store, person_id, now)).body["id"])

    def decide(case: EhcNeedsAssessment, at: datetime) -> None:
        case.decide("assess", date(2026, 10, 6), at)

    first = await step(store, case_id, decide, now, key("decide-1"))
    again = await step(store, case_id, decide, now, key("decide-1"))
    assert (again.status, again.body, again.replayed) == (first.status, first.body, True)
    assert [type(one).__name__ for one in store.events].count("AssessmentDecisionMade") == 1
    with pytest.raises(KeyReused):
        await step(store, case_id, decide, now, key("decide-1", digest="another body"))
    with pytest.raises(StepRefused) as refused:
        await step(store, case_id, decide, now, key("decide-2"))
    assert "decide" not in refused.value.allowed and "serve-draft" in refused.value.allowed


async def test_another_las_assessment_is_answered_as_missing() -> None:
    store, person_id = store_with_child()
    now = Clock()
    case_id = UUID((await opened(store, person_id, now)).body["id"])
    with pytest.raises(CaseNotFound):
        await step(store, case_id, lambda case, at: case.decide("assess", date(2026, 10, 6), at), now, caller=LA_805)
    with pytest.raises(CaseNotFound):
        await step(store, uuid4(), lambda case, at: None, now)


async def test_the_final_plan_opens_the_plan_and_its_review_timer() -> None:
    store, person_id = store_with_child()
    now = Clock()
    case_id = UUID((await opened(store, person_id, now)).body["id"])
    await step(store, case_id, lambda case, at: case.decide("assess", date(2026, 10, 6), at), now)
    await step(store, case_id, lambda case, at: case.serve_draft(uuid4(), date(2026, 12, 1), at), now)
    now.at = datetime(2027, 1, 12, 9, tzinfo=UTC)
    reply = await assessments.issue_final_plan(
        case_id, issued_on=date(2027, 1, 12), icb="QHL", principal=LA_841, command=key(), render=render,
        uow=store.unit_of_work(), now=now,
    )  # fmt: skip
    plan_id = UUID(reply.body["plan_id"])
    assert plan_id in store.plans and store.plans[plan_id].responsible_la == "841"
    owed = {(timer.limit, timer.alert) for timer in store.timers.values() if timer.case_id == plan_id}
    assert (StatutoryLimit.REVIEW, Alert.REVIEW_DUE) in owed
    assert not [timer for timer in store.timers.values() if timer.case_id == case_id and timer.key not in store.fired]

    now.at = datetime(2027, 11, 20, tzinfo=UTC)  # 8 weeks before the 12 months end (11 January 2028)
    assert await fire_due_timers(uow=store.unit_of_work(), now=now) >= 1
    due = [one for one in store.events if isinstance(one, ReviewDue)]
    assert [(one.plan_id, one.review_due_on) for one in due] == [(plan_id, date(2028, 1, 11))]


async def test_due_timers_fire_once_and_move_with_an_exception() -> None:
    store, person_id = store_with_child()
    now = Clock()
    case_id = UUID((await opened(store, person_id, now)).body["id"])

    now.at = datetime(2026, 9, 29, 23, 30, tzinfo=UTC)  # past the start of 29 September: 14 days before 13 Oct
    assert await fire_due_timers(uow=store.unit_of_work(), now=now) == 2
    assert await fire_due_timers(uow=store.unit_of_work(), now=now) == 0, "fired once"
    soon = [(one.limit, one.due_on) for one in store.events if isinstance(one, events.StatutoryLimitDueSoon)]
    assert sorted(soon) == [
        (StatutoryLimit.CONSIDERATION_NOTICES, date(2026, 10, 13)),
        (StatutoryLimit.DECISION_TO_ASSESS, date(2026, 10, 13)),
    ]

    def away(case: EhcNeedsAssessment, at: datetime) -> None:
        recorded = clock.RecordedException(
            AssessmentException.ABSENT_FROM_AREA, "reg 5(4)(c)", date(2026, 9, 10), None,
            (StatutoryLimit.DECISION_TO_ASSESS,), "841/officer", at,
        )  # fmt: skip
        case.record_exception(uuid4(), recorded, at)

    await step(store, case_id, away, now)
    now.at = datetime(2026, 10, 20, tzinfo=UTC)
    await fire_due_timers(uow=store.unit_of_work(), now=now)
    overdue = [one.limit for one in store.events if isinstance(one, events.StatutoryLimitOverdue)]
    assert overdue == [StatutoryLimit.CONSIDERATION_NOTICES], "the decision, disapplied by the exception, is not"


async def test_health_advice_is_recorded_once_on_the_assessment_that_asked() -> None:
    store, person_id = store_with_child()
    now = Clock()
    case_id = UUID((await opened(store, person_id, now)).body["id"])
    await step(store, case_id, lambda case, at: case.decide("assess", date(2026, 10, 6), at), now)
    await step(
        store, case_id, lambda case, at: case.request_advice(HEALTH, AdviceKind.HEALTH, "QHL", date(2026, 10, 8), at),
        now,
    )  # fmt: skip
    given = datetime(2026, 11, 12, 10, tzinfo=UTC)
    for expected in (True, False):
        async with store.unit_of_work() as uow:
            recorded = await assessments.health_advice_given(
                person_id=person_id, advice_request_id=HEALTH, given_at=given, uow=uow
            )
            await uow.commit()
        assert recorded is expected
    (received,) = [one for one in store.events if isinstance(one, events.AdviceReceived)]
    assert received.within_statutory_limit and received.received_on == date(2026, 11, 12)


async def test_the_assessment_follows_the_child_to_another_la() -> None:
    store, person_id = store_with_child()
    now = Clock()
    case_id = UUID((await opened(store, person_id, now)).body["id"])
    async with store.unit_of_work() as uow:
        await follow_transfer(
            person_id=person_id, responsible_la="805", transferred_at=now() + timedelta(days=1), uow=uow
        )
        await uow.commit()
    assert store.assessments[case_id].responsible_la == "805"
    with pytest.raises(CaseNotFound):
        await step(store, case_id, lambda case, at: case.decide("assess", date(2026, 10, 6), at), now)
    reply = await step(
        store, case_id, lambda case, at: case.decide("assess", date(2026, 10, 6), at), now, caller=LA_805
    )
    assert reply.body["stage"] == "assessing"


def finished(received_on: date, decided_after: int, la: str = "841") -> EhcNeedsAssessment:
    """An assessment of the LA's past whose decision took ``decided_after`` days and whose plan followed."""
    at = datetime.combine(received_on, datetime.min.time(), UTC)
    case = EhcNeedsAssessment.request(
        assessment_id=uuid4(), person_id=uuid4(), responsible_la=la, requested_by=Requester.PARENT,
        received_on=received_on, la_reference=None, at=at,
    )  # fmt: skip
    decided = received_on + timedelta(days=decided_after)
    case.decide("assess", decided, at)
    case.serve_draft(uuid4(), decided + timedelta(days=60), at)
    case.issue_final_plan(decided + timedelta(days=90), "QHL", at)
    case.events.clear()
    return case


async def test_an_assessment_becoming_at_risk_is_announced_once_with_the_reason() -> None:
    store, person_id = store_with_child()
    for month in range(10):  # 841 usually takes 75 days to decide: its plans come at 25 weeks
        past = finished(date(2025, 1 + month, 1), decided_after=75)
        store.assessments[past.assessment_id] = past
    slow_elsewhere = finished(date(2025, 3, 1), decided_after=5, la="805")
    store.assessments[slow_elsewhere.assessment_id] = slow_elsewhere
    now = Clock(datetime(2026, 9, 1, 9, tzinfo=UTC))
    case_id = UUID((await opened(store, person_id, now)).body["id"])

    now.at = datetime(2026, 9, 20, 9, tzinfo=UTC)
    assert await watch_risk(uow_factory=store.unit_of_work, now=now, page=1) == 1
    assert await watch_risk(uow_factory=store.unit_of_work, now=now, page=1) == 0, "announced once"
    (risk,) = [one for one in store.events if isinstance(one, events.AssessmentAtRisk)]
    assert (risk.assessment_id, risk.final_plan_due_on) == (case_id, date(2027, 1, 19))
    assert risk.expected_on > risk.final_plan_due_on and risk.reasons


async def test_an_assessment_on_track_for_its_la_is_not_announced() -> None:
    store, person_id = store_with_child()
    for month in range(10):
        past = finished(date(2025, 1 + month, 1), decided_after=30)
        store.assessments[past.assessment_id] = past
    now = Clock(datetime(2026, 9, 1, 9, tzinfo=UTC))
    await opened(store, person_id, now)
    now.at = datetime(2026, 9, 20, 9, tzinfo=UTC)
    assert await watch_risk(uow_factory=store.unit_of_work, now=now) == 0
    assert not [one for one in store.events if isinstance(one, events.AssessmentAtRisk)]


@pytest.mark.parametrize(
    ("given_on", "in_time"),
    [(date(2026, 11, 25), True), (date(2026, 12, 3), True), (date(2026, 12, 4), False)],
    ids=["past-6-weeks", "last-day-moved-on-by-the-stop", "after-it"],
)
async def test_the_health_bodys_clock_stop_is_kept_on_the_request_and_moves_its_advice_on(
    given_on: date, in_time: bool
) -> None:
    """Asked 8 October: 6 weeks end 19 November; stopped 20 October to 2 November (14 days): due 3 December."""
    store, person_id = store_with_child()
    now = Clock()
    case_id = UUID((await opened(store, person_id, now)).body["id"])
    await step(store, case_id, lambda case, at: case.decide("assess", date(2026, 10, 6), at), now)
    await step(
        store, case_id, lambda case, at: case.request_advice(HEALTH, AdviceKind.HEALTH, "QHL", date(2026, 10, 8), at),
        now,
    )  # fmt: skip
    at = datetime(2026, 11, 3, 9, tzinfo=UTC)
    async with store.unit_of_work() as uow:
        reason = AdviceClockStopReason.MISSED_APPOINTMENT
        assert await assessments.health_advice_clock_stopped(
            person_id=person_id, advice_request_id=HEALTH, reason=reason, stopped_on=date(2026, 10, 20),
            health_body="health-advice", at=at, uow=uow,
        )  # fmt: skip
        assert await assessments.health_advice_clock_restarted(
            person_id=person_id, advice_request_id=HEALTH, restarted_on=date(2026, 11, 3), at=at, uow=uow
        )
        await uow.commit()
    (stop,) = store.assessments[case_id].advice[HEALTH].clock_stops
    assert (stop.legal_basis, stop.starts_on, stop.ends_on) == ("reg 8(2)(c)", date(2026, 10, 20), date(2026, 11, 2))
    async with store.unit_of_work() as uow:
        given = datetime.combine(given_on, datetime.min.time(), UTC) + timedelta(hours=10)
        await assessments.health_advice_given(person_id=person_id, advice_request_id=HEALTH, given_at=given, uow=uow)
        await uow.commit()
    (received,) = [one for one in store.events if isinstance(one, events.AdviceReceived)]
    assert received.within_statutory_limit is in_time, "the 6 weeks moved on by the health body's reg 8(2) stop"
