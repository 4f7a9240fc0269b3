"""The use cases on the in-memory unit of work: intake once per request id, routed by the ICB's rules (an LA's own
before the default, none: unrouted), who may act, commands repeated without effect, alerts fired once and again
when a clock stop moves the due date, and metrics counted only once committed."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from health_advice_kit.builders import at, clock, configure, dco, la, opened, trust
from health_advice_kit.fakes import FakeAdviceStore
from pathfinder.auth import AccessDenied, Scope
from pathfinder.contracts import health_advice as events
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pathfinder.health_advice.domain.advice_request import AdviceStatus
from pathfinder.health_advice.domain.steps import InvalidStep
from pathfinder.health_advice.service_layer import advice_requests as use
from pathfinder.health_advice.service_layer.advice_requests import AdviceRequestNotFound, open_from_ehcp
from pathfinder.health_advice.service_layer.due_alerts import count_open_by_rag, fire_due_alerts
from pathfinder.health_advice.service_layer.ports import Measurement

RECEIVED = date(2026, 1, 5)


@pytest.fixture
async def store() -> FakeAdviceStore:
    made = FakeAdviceStore()
    await configure(made.unit_of_work())
    return made


async def test_intake_opens_once_per_advice_request_id(store: FakeAdviceStore) -> None:
    request_id = await opened(store.unit_of_work(), RECEIVED)
    await opened(store.unit_of_work(), RECEIVED, advice_request_id=request_id)
    assert len(store.requests) == 1
    assert len(store.events_of(events.HealthAdviceRequested)) == 1
    assert [m.outcome for m in store.metrics.recorded] == ["opened"]


async def test_an_las_own_rule_comes_before_the_icbs_default(store: FakeAdviceStore) -> None:
    darlington = await opened(store.unit_of_work(), RECEIVED, la_code="841")
    hartlepool = await opened(store.unit_of_work(), RECEIVED, la_code="805")
    birmingham = await opened(store.unit_of_work(), RECEIVED, la_code="330", icb="QHL")
    assert store.requests[darlington].team_id == "qhm-paeds"
    assert (store.requests[hartlepool].team_id, store.requests[hartlepool].provider_organisation) == (
        "qhm-805-paeds", "RVW",
    )  # fmt: skip
    assert store.requests[birmingham].team_id == "qhl-paeds"


async def test_with_no_rule_a_request_stays_unrouted(store: FakeAdviceStore) -> None:
    request_id = await opened(store.unit_of_work(), RECEIVED, icb="QXX")
    assert store.requests[request_id].team_id is None
    assert store.metrics.recorded[-1] == Measurement("opened", "QXX", "841", "unrouted")


async def test_intake_does_not_commit_and_a_rollback_leaves_nothing(store: FakeAdviceStore) -> None:
    uow = store.unit_of_work()
    async with uow:
        await open_from_ehcp(
            advice_request_id=uuid4(), assessment_id=uuid4(), person_id=uuid4(), requesting_la="841", icb="QHM",
            received_on=RECEIVED, uow=uow, now=clock(RECEIVED),
        )  # fmt: skip
    assert store.requests == {} and store.events == [] and store.metrics.recorded == []


async def test_the_team_takes_every_step_and_each_repeat_changes_nothing(store: FakeAdviceStore) -> None:
    request_id = await opened(store.unit_of_work(), RECEIVED)
    team, day = trust("RXP"), date(2026, 1, 12)
    for _ in range(2):
        await use.accept(request_id, principal=team, uow=store.unit_of_work(), now=clock(date(2026, 1, 6)))
        await use.assign(request_id, to="clinician-7", principal=team, uow=store.unit_of_work(), now=clock(day))
        await use.record_clock_stop(
            request_id, reason="missed-appointment", started_on=day, principal=team, uow=store.unit_of_work(),
            now=clock(day),
        )  # fmt: skip
        await use.end_clock_stop(
            request_id,
            ended_on=date(2026, 1, 14),
            principal=team,
            uow=store.unit_of_work(),
            now=clock(date(2026, 1, 15)),
        )
        await use.submit_advice(
            request_id, form=AdviceForm.DOCUMENT, submitted_at=at(date(2026, 2, 18)), principal=team,
            uow=store.unit_of_work(), now=clock(date(2026, 2, 18)),
        )  # fmt: skip
    kept = store.requests[request_id]
    assert (kept.status, kept.assigned_to, kept.on_time, kept.due_on(RECEIVED)) == (
        AdviceStatus.SUBMITTED, "clinician-7", True, date(2026, 2, 19),
    )  # fmt: skip
    assert [type(event).__name__ for event in store.events] == [
        "HealthAdviceRequested", "HealthAdviceAccepted", "HealthAdviceClockStopped", "HealthAdviceClockRestarted",
        "HealthAdviceSubmitted",
    ]  # fmt: skip
    assert [m for m in store.metrics.recorded if m.outcome == "submitted"] == [
        Measurement("submitted", "QHM", "841", "community-paediatrics", 44, True)
    ]


async def test_a_waiting_list_is_refused_through_the_use_case(store: FakeAdviceStore) -> None:
    request_id = await opened(store.unit_of_work(), RECEIVED)
    with pytest.raises(InvalidStep):
        await use.record_clock_stop(
            request_id, reason="waiting-list", started_on=RECEIVED, principal=dco(), uow=store.unit_of_work(),
            now=clock(RECEIVED),
        )  # fmt: skip
    assert store.requests[request_id].clock_stops == []


async def test_who_may_see_and_act(store: FakeAdviceStore) -> None:
    request_id = await opened(store.unit_of_work(), RECEIVED)
    for stranger in (dco("QHL"), trust("RVW"), la("805")):
        with pytest.raises(AdviceRequestNotFound):
            await use.accept(request_id, principal=stranger, uow=store.unit_of_work(), now=clock(RECEIVED))
        with pytest.raises(AdviceRequestNotFound):
            await use.read_request(request_id, principal=stranger, uow=store.unit_of_work())
    with pytest.raises(AccessDenied):  # it may read the status, but not act
        await use.accept(request_id, principal=la("841"), uow=store.unit_of_work(), now=clock(RECEIVED))
    with pytest.raises(AccessDenied):
        await use.accept(request_id, principal=dco("QHM", Scope.ADVICE_READ), uow=store.unit_of_work())
    seen = await use.read_request(request_id, principal=la("841"), uow=store.unit_of_work())
    assert seen.in_full is False
    assert (await use.read_request(request_id, principal=dco(), uow=store.unit_of_work())).in_full
    found = await use.search_requests(trust("RXP"), uow=store.unit_of_work(), statuses=(AdviceStatus.REQUESTED,))
    assert [one.request.advice_request_id for one in found] == [request_id]
    assert await use.search_requests(dco("QHL"), uow=store.unit_of_work()) == []


async def test_alerts_fire_once_and_again_after_a_stop_moves_the_due_date(store: FakeAdviceStore) -> None:
    request_id = await opened(store.unit_of_work(), RECEIVED)

    async def fire(day: date) -> int:
        return await fire_due_alerts(uow=store.unit_of_work(), now=clock(day, 1))

    assert await fire(date(2026, 2, 1)) == 0
    assert await fire(date(2026, 2, 2)) == 1
    assert await fire(date(2026, 2, 2)) == 0
    await use.record_clock_stop(
        request_id, reason=AdviceClockStopReason.EXCEPTIONAL_CIRCUMSTANCES, started_on=date(2026, 2, 3),
        principal=dco(), uow=store.unit_of_work(), now=clock(date(2026, 2, 3)),
    )  # fmt: skip
    assert await fire(date(2026, 3, 1)) == 0  # stopped: nothing owed
    await use.end_clock_stop(
        request_id, ended_on=date(2026, 2, 9), principal=dco(), uow=store.unit_of_work(), now=clock(date(2026, 2, 10))
    )  # due 23 February now
    assert await fire(date(2026, 2, 10)) == 1
    assert await fire(date(2026, 2, 23)) == 0
    assert await fire(date(2026, 2, 24)) == 1
    assert await fire(date(2026, 2, 25)) == 0
    alerts = [
        event for event in store.events if isinstance(event, events.HealthAdviceDueSoon | events.HealthAdviceOverdue)
    ]
    assert [(type(event).__name__, event.advice_due_on) for event in alerts] == [
        ("HealthAdviceDueSoon", date(2026, 2, 16)),
        ("HealthAdviceDueSoon", date(2026, 2, 23)),
        ("HealthAdviceOverdue", date(2026, 2, 23)),
    ]
    assert [m.outcome for m in store.metrics.recorded] == ["opened", "overdue"]


async def test_a_claimed_request_is_skipped_by_another_worker(store: FakeAdviceStore) -> None:
    await opened(store.unit_of_work(), RECEIVED)
    holder = store.unit_of_work()
    async with holder:
        assert len(await holder.requests.claim_alerts_due(at(date(2026, 3, 1)), 10)) == 1
        assert await fire_due_alerts(uow=store.unit_of_work(), now=clock(date(2026, 3, 1))) == 0
    assert await fire_due_alerts(uow=store.unit_of_work(), now=clock(date(2026, 3, 1))) == 1


async def test_the_gauge_counts_open_requests_by_rag(store: FakeAdviceStore) -> None:
    await opened(store.unit_of_work(), RECEIVED)
    await opened(store.unit_of_work(), date(2026, 2, 20))
    counts = await count_open_by_rag(uow=store.unit_of_work(), metrics=store.metrics, now=clock(date(2026, 3, 1)))
    assert counts == store.metrics.open == {("QHM", "red"): 1, ("QHM", "green"): 1}
