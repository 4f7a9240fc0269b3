"""The assessment and plan lifecycle on PostgreSQL: aggregates kept whole and read back locked; timers rescheduled
without ever firing twice, claimed by one worker at a time; a command's reply found once per key; an LA's open
cases paged in order with no gap or repeat, never another LA's, as the in-memory views page them; and the LA's
history worked out from its own assessments of the last two years."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest
from alembic import command
from ehcp_kit.fake_views import FakeCaseViews
from pathfinder.contracts.plans import CessationReason
from pathfinder.contracts.vocabulary import AdviceKind, ConsultedBody, Requester
from pathfinder.contracts.vocabulary import AssessmentException as Ground
from pathfinder.contracts.vocabulary import StatutoryLimit as L
from pathfinder.ehcp.adapters.snapshot_rows import london_today
from pathfinder.ehcp.adapters.tables import metadata
from pathfinder.ehcp.adapters.unit_of_work import SqlEhcpUnitOfWork
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.clock import LaHistory, RecordedException, Stage, Usual
from pathfinder.ehcp.domain.due_alerts import DueTimer, due_timers, next_due
from pathfinder.ehcp.domain.plan import EhcPlan
from pathfinder.ehcp.service_layer.unit_of_work import CaseViews, OpenCaseFilter, OpenCaseRow, StoredReply
from pathfinder.messaging.schema import outbox
from pathfinder.persistence.database import create_engine, session_factory
from pathfinder.persistence.migrations import alembic_config, schema_differences, upgrade_to_head
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SCRIPTS = "pathfinder.ehcp:migrations"
AT = datetime(2026, 12, 7, 9, tzinfo=UTC)
HEALTH, EDUCATION = UUID(int=7), UUID(int=8)
TABLES = ("ehcp_assessment", "ehcp_plan", "ehcp_advice_request", "ehcp_due_timer", "ehcp_command_reply")
Sessions = async_sessionmaker[AsyncSession]
T = TypeVar("T")


@pytest.fixture
async def sessions(fresh_database: Callable[[str], Awaitable[str]]) -> AsyncIterator[Sessions]:
    url = await fresh_database("ehcp_lifecycle")
    await upgrade_to_head(SCRIPTS, url)
    engine = create_engine(url, pool_size=4)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


def unit_of_work(sessions: Sessions) -> SqlEhcpUnitOfWork:
    return SqlEhcpUnitOfWork(sessions, source="/pathfinder/ehcp")


def requested(received_on: date, la: str = "841", person_id: UUID | None = None) -> EhcNeedsAssessment:
    return EhcNeedsAssessment.request(
        assessment_id=uuid4(), person_id=person_id or uuid4(), responsible_la=la, requested_by=Requester.PARENT,
        received_on=received_on, la_reference=f"EHC-{received_on}", at=AT,
    )  # fmt: skip


def assessing_with_advice(received_on: date = date(2026, 9, 1)) -> EhcNeedsAssessment:
    case = requested(received_on)
    case.notify_consideration(received_on + timedelta(days=2), (ConsultedBody.RESPONSIBLE_COMMISSIONING_BODY,), AT)
    case.decide("assess", received_on + timedelta(days=35), AT)
    case.request_advice(HEALTH, AdviceKind.HEALTH, "QHL", received_on + timedelta(days=37), AT)
    case.request_advice(EDUCATION, AdviceKind.EDUCATION, None, received_on + timedelta(days=37), AT)
    case.receive_advice(HEALTH, received_on + timedelta(days=70), AT)
    return case


def issued_plan(issued_on: date, la: str = "841") -> EhcPlan:
    return EhcPlan.issued(
        plan_id=uuid4(), person_id=uuid4(), responsible_la=la, assessment_id=uuid4(), issued_on=issued_on, at=AT
    )


async def save_all(sessions: Sessions, cases: Sequence[EhcNeedsAssessment | EhcPlan]) -> None:
    async with unit_of_work(sessions) as uow:
        for case in cases:
            await (uow.assessments.save(case) if isinstance(case, EhcNeedsAssessment) else uow.plans.save(case))
        await uow.commit()


async def still_waiting(task: asyncio.Task[Any], seconds: float = 0.5) -> bool:
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return not done


def _down_to_0004(connection: Connection) -> None:
    config = alembic_config(SCRIPTS)
    config.attributes["connection"] = connection
    command.downgrade(config, "0004")


async def test_the_migration_builds_what_the_tables_describe_and_comes_down(
    fresh_database: Callable[[str], Awaitable[str]],
) -> None:
    url = await fresh_database("ehcp_lifecycle_migration")
    await upgrade_to_head(SCRIPTS, url)
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences, metadata) == []
        async with engine.begin() as connection:
            await connection.run_sync(_down_to_0004)
        async with engine.connect() as connection:
            regclasses = ", ".join(f"to_regclass('{name}')" for name in TABLES)
            left = (await connection.execute(text(f"SELECT {regclasses}"))).one()
            assert tuple(left) == (None,) * len(TABLES)
    finally:
        await engine.dispose()


async def test_an_assessment_and_a_plan_come_back_as_saved_with_the_columns_lists_read(sessions: Sessions) -> None:
    case = assessing_with_advice()
    plan = issued_plan(date(2026, 3, 10))
    plan.notify_review_meeting(date(2027, 1, 10), date(2027, 1, 25), AT)
    raised = len(case.events) + len(plan.events)
    await save_all(sessions, [case, plan])

    async with unit_of_work(sessions) as uow:
        found = await uow.assessments.get(case.assessment_id)
        assert found == case and found is not None and found.events == []
        assert await uow.assessments.get(case.assessment_id) is found, "one object per assessment in a transaction"
        assert await uow.assessments.of_person(case.person_id) == [found]
        assert await uow.plans.get(plan.plan_id) == plan and await uow.plans.of_person(plan.person_id) == [plan]
        assert await uow.assessments.get(uuid4()) is None and await uow.plans.get(uuid4()) is None
        found.receive_advice(EDUCATION, date(2026, 11, 20), AT)
        await uow.assessments.save(found)
        await uow.commit()
        published = await uow.session.scalar(select(func.count()).select_from(outbox))
    assert published == raised + 1, "the events of the aggregates saved and of the one handed out, once each"

    limit = next_due(found.facts(), london_today())
    assert limit is not None
    async with sessions() as session:
        row = (
            await session.execute(text("SELECT stage, is_open, next_limit, next_due_on, version FROM ehcp_assessment"))
        ).one()
        advice = (
            await session.execute(
                text(
                    "SELECT advice_request_id, advice_kind, advisor, requested_on, due_on, received_on "
                    "FROM ehcp_advice_request ORDER BY advice_request_id"
                )
            )
        ).all()
        plan_row = (await session.execute(text("SELECT stage, is_open, version FROM ehcp_plan"))).one()
    assert tuple(row) == ("assessing", True, limit.limit.value, limit.due_on, 2)
    asked = date(2026, 10, 8)
    assert [tuple(one) for one in advice] == [
        (HEALTH, "health", "QHL", asked, asked + timedelta(weeks=6), date(2026, 11, 10)),
        (EDUCATION, "education", None, asked, asked + timedelta(weeks=6), date(2026, 11, 20)),
    ]
    assert tuple(plan_row) == ("under-review", True, 1)


async def test_the_assessments_of_a_child_are_read_locked(sessions: Sessions) -> None:
    person_id = uuid4()
    later, earlier = requested(date(2026, 10, 1), person_id=person_id), requested(date(2026, 9, 1), person_id=person_id)
    await save_all(sessions, [later, earlier])

    async def get_later() -> EhcNeedsAssessment | None:
        async with unit_of_work(sessions) as other:
            return await other.assessments.get(later.assessment_id)

    async with unit_of_work(sessions) as uow:
        assert [one.assessment_id for one in await uow.assessments.of_person(person_id)] == [
            earlier.assessment_id,
            later.assessment_id,
        ]
        waiting = asyncio.create_task(get_later())
        assert await still_waiting(waiting), "another transaction waits for the lock"
    assert await asyncio.wait_for(waiting, 10) == later


def timers_of(case: EhcNeedsAssessment, today: date) -> tuple[DueTimer, ...]:
    return due_timers(case.assessment_id, "assessment", case.facts(), today)


async def stored_timers(sessions: Sessions) -> dict[tuple[UUID, str, str, str, date], bool]:
    async with sessions() as session:
        rows = await session.execute(
            text('SELECT case_id, "limit", subject, alert, due_on, fired_at FROM ehcp_due_timer')
        )
        return {(row[0], row[1], row[2], row[3], row[4]): row.fired_at is not None for row in rows}


async def test_rescheduling_replaces_the_unfired_timers_and_never_refires_one(sessions: Sessions) -> None:
    case = requested(date(2026, 9, 1))
    first = timers_of(case, date(2026, 9, 1))
    async with unit_of_work(sessions) as uow:
        await uow.timers.schedule(case.assessment_id, first)
        await uow.commit()
    soonest = min(first, key=lambda timer: (timer.fires_at, timer.key))
    async with unit_of_work(sessions) as uow:
        assert (await uow.timers.claim_due(soonest.fires_at, 1)) == [soonest]
        await uow.timers.fired(soonest, soonest.fires_at)
        await uow.commit()

    case.decide("assess", date(2026, 9, 20), AT)  # the decision met: its alerts are owed no more
    again = (*timers_of(case, date(2026, 9, 20)), soonest)
    async with unit_of_work(sessions) as uow:
        await uow.timers.schedule(case.assessment_id, again)
        await uow.commit()

    stored = await stored_timers(sessions)
    assert stored == {**{timer.key: False for timer in again}, soonest.key: True}
    assert not any(key[1] == L.DECISION_TO_ASSESS.value and not fired for key, fired in stored.items())
    async with unit_of_work(sessions) as uow:
        due = await uow.timers.claim_due(datetime(2030, 1, 1, tzinfo=UTC), 100)
    assert soonest not in due and sorted(timer.key for timer in due) == sorted(
        timer.key for timer in again if timer != soonest
    )


async def test_an_alert_found_rather_than_scheduled_is_raised_once(sessions: Sessions) -> None:
    case = requested(date(2026, 9, 1))
    scheduled, found = timers_of(case, date(2026, 9, 1))[:2]
    async with unit_of_work(sessions) as uow:
        await uow.timers.schedule(case.assessment_id, [scheduled])
        await uow.commit()
    async with unit_of_work(sessions) as uow:
        assert await uow.timers.raise_once(found, AT) and await uow.timers.raise_once(scheduled, AT)
        assert not await uow.timers.raise_once(found, AT), "raised once in the transaction"
        await uow.commit()
    async with unit_of_work(sessions) as uow:
        assert not await uow.timers.raise_once(found, AT) and not await uow.timers.raise_once(scheduled, AT)
        await uow.timers.schedule(case.assessment_id, [scheduled, found])
        assert await uow.timers.claim_due(datetime(2030, 1, 1, tzinfo=UTC), 10) == []
        await uow.commit()
    assert await stored_timers(sessions) == {scheduled.key: True, found.key: True}


async def test_a_worker_skips_the_timers_another_holds(sessions: Sessions) -> None:
    cases = [requested(date(2026, 9, day)) for day in (1, 2, 3)]
    async with unit_of_work(sessions) as uow:
        for case in cases:
            await uow.timers.schedule(case.assessment_id, timers_of(case, date(2026, 9, 1)))
        await uow.commit()
    now = datetime(2026, 10, 1, tzinfo=UTC)
    due = sorted(
        (timer for case in cases for timer in timers_of(case, date(2026, 9, 1)) if timer.fires_at <= now),
        key=lambda timer: (timer.fires_at, timer.key),
    )
    assert len(due) > 2
    async with unit_of_work(sessions) as first, unit_of_work(sessions) as second:
        held = await first.timers.claim_due(now, 2)
        rest = await asyncio.wait_for(second.timers.claim_due(now, 100), 5)
        assert held == due[:2], "the earliest first"
        assert rest == due[2:], "those the first worker holds are skipped, not waited for"


async def test_a_reply_is_found_once_its_keeper_commits(sessions: Sessions) -> None:
    reply = StoredReply("digest-1", 201, {"id": "a", "stage": "requested"})

    async def find(caller: str) -> StoredReply | None:
        async with unit_of_work(sessions) as other:
            return await other.replies.find(caller, "key-1")

    async with unit_of_work(sessions) as uow:
        assert await uow.replies.find("client-841", "key-1") is None
        waiting = asyncio.create_task(find("client-841"))
        assert await still_waiting(waiting), "the same key waits for the command holding it"
        assert await asyncio.wait_for(find("client-805"), 5) is None, "another caller's key does not wait"
        await uow.replies.keep("client-841", "key-1", reply)
        await uow.commit()
    assert await asyncio.wait_for(waiting, 10) == reply


def open_cases_of_two_las() -> list[EhcNeedsAssessment | EhcPlan]:
    cases: list[EhcNeedsAssessment | EhcPlan] = []
    for day in range(0, 60, 5):
        cases.append(requested(date(2026, 9, 1) + timedelta(days=day)))
        cases.append(requested(date(2026, 9, 1) + timedelta(days=day)))  # the same due date: by case id
    cases.extend(assessing_with_advice(date(2026, 8, 1) + timedelta(days=day)) for day in range(0, 30, 7))
    no_due = assessing_with_advice(date(2026, 8, 3))
    exception = RecordedException(Ground.EXCEPTIONAL_PERSONAL_CIRCUMSTANCES, "reg 10(4)(c)", date(2026, 10, 1), None,
                                  (L.DECISION_NOT_TO_ISSUE, L.FINAL_PLAN), "841/officer", AT)  # fmt: skip
    no_due.record_exception(uuid4(), exception, AT)
    no_due.receive_advice(EDUCATION, date(2026, 11, 1), AT)
    closed = requested(date(2026, 9, 2))
    closed.decide("not-assess", date(2026, 9, 20), AT)
    cases.extend([no_due, closed])
    for month in range(1, 12, 2):
        cases.append(issued_plan(date(2026, month, 15)))
    reviewing, ceased = issued_plan(date(2026, 2, 1)), issued_plan(date(2026, 3, 1))
    reviewing.notify_review_meeting(date(2026, 12, 1), date(2026, 12, 20), AT)
    ceased.cease(date(2026, 11, 1), CessationReason.NO_LONGER_NECESSARY, AT)
    cases.extend([reviewing, ceased])
    cases.extend([requested(date(2026, 9, 3), la="805"), issued_plan(date(2026, 5, 1), la="805")])
    return cases


async def every_page(views: CaseViews, where: OpenCaseFilter, size: int) -> tuple[list[OpenCaseRow], list[str]]:
    rows: list[OpenCaseRow] = []
    cursors: list[str] = []
    after: str | None = None
    while True:
        page = await views.open_cases(where, after=after, limit=size)
        rows.extend(page.rows)
        if page.next_cursor is None:
            return rows, cursors
        cursors.append(page.next_cursor)
        after = page.next_cursor


async def test_open_cases_come_soonest_due_first_page_by_page_and_only_the_las_own(sessions: Sessions) -> None:
    cases = open_cases_of_two_las()
    await save_all(sessions, cases)
    in_memory = FakeCaseViews(
        lambda: {one.assessment_id: one for one in cases if isinstance(one, EhcNeedsAssessment)},
        lambda: {one.plan_id: one for one in cases if isinstance(one, EhcPlan)},
    )
    open_841 = {
        one.assessment_id if isinstance(one, EhcNeedsAssessment) else one.plan_id
        for one in cases
        if one.responsible_la == "841" and (one.open if isinstance(one, EhcNeedsAssessment) else one.maintained)
    }
    filters = [
        OpenCaseFilter("841"),
        OpenCaseFilter("841", stages=("assessing", "under-review")),
        OpenCaseFilter("841", stages=("maintained",)),
        OpenCaseFilter("841", due_on_or_before=date(2026, 11, 1)),
        OpenCaseFilter("841", due_on_or_after=date(2026, 11, 1)),
        OpenCaseFilter("841", stages=("requested",), due_on_or_after=date(2026, 10, 20),
                       due_on_or_before=date(2026, 11, 10)),
        OpenCaseFilter("999"),
    ]  # fmt: skip
    async with unit_of_work(sessions) as uow:
        everything = await uow.views.open_cases(filters[0], after=None, limit=1000)
        for where in filters:
            for size in (1, 4, 100):
                rows, cursors = await every_page(uow.views, where, size)
                assert (rows, cursors) == await every_page(in_memory, where, size), (where, size)
                assert len({row.case_id for row in rows}) == len(rows), "no case twice"
        with pytest.raises(ValueError, match="not a cursor"):
            await uow.views.open_cases(filters[0], after="not-a-cursor", limit=5)
        swept, after = [], None
        while page_of_ids := await uow.views.open_assessments(after=after, limit=4):
            swept.extend(page_of_ids)
            after = page_of_ids[-1]
    assert swept == await in_memory.open_assessments(after=None, limit=1000)
    assert set(swept) == {one.assessment_id for one in cases if isinstance(one, EhcNeedsAssessment) and one.open}, (
        "every LA's open assessments, in id order"
    )

    rows = everything.rows
    assert {row.case_id for row in rows} == open_841 and everything.next_cursor is None
    keys = [(row.next_due_on or date.max, row.case_id) for row in rows]
    assert keys == sorted(keys) and rows[-1].next_due_on is None, "none due last"
    assert {row.stage for row in rows} == {"requested", "assessing", "maintained", "under-review"}
    first = next(row for row in rows if row.case_kind == "assessment")
    assert first.la_reference is not None and first.next_limit is not None


def history_of_la_900() -> list[EhcNeedsAssessment]:
    """Decisions in 30, 42, 20 and 32 days; advice gathered in 49 and 56; drafts in 10 and 20; final plans in 20
    and 30. QHL's health advice 5 and 12 days late, the education advice 2 days early."""
    one = requested(date(2026, 1, 5), la="900")
    one.decide("assess", date(2026, 2, 4), AT)
    one.request_advice(HEALTH, AdviceKind.HEALTH, "QHL", date(2026, 2, 6), AT)
    one.request_advice(EDUCATION, AdviceKind.EDUCATION, None, date(2026, 2, 6), AT)
    one.receive_advice(EDUCATION, date(2026, 3, 18), AT)
    one.receive_advice(HEALTH, date(2026, 3, 25), AT)
    one.serve_draft(uuid4(), date(2026, 4, 4), AT)
    one.issue_final_plan(date(2026, 4, 24), "QHL", AT)
    two = requested(date(2026, 3, 2), la="900")
    two.decide("assess", date(2026, 4, 13), AT)
    two.request_advice(uuid4(), AdviceKind.HEALTH, "QHL", date(2026, 4, 15), AT)
    two.receive_advice(next(iter(two.advice)), date(2026, 6, 8), AT)
    two.serve_draft(uuid4(), date(2026, 6, 28), AT)
    two.issue_final_plan(date(2026, 7, 28), "QHL", AT)
    three = requested(date(2026, 5, 1), la="900")
    three.decide("not-assess", date(2026, 5, 21), AT)
    four = requested(date(2026, 10, 1), la="900")
    four.decide("assess", date(2026, 11, 2), AT)
    four.request_advice(uuid4(), AdviceKind.HEALTH, "QHL", date(2026, 11, 3), AT)
    too_old = requested(date(2024, 12, 7), la="900")
    too_old.decide("assess", date(2025, 2, 5), AT)
    elsewhere = requested(date(2026, 1, 5), la="841")
    elsewhere.decide("assess", date(2026, 4, 15), AT)
    return [one, two, three, four, too_old, elsewhere]


async def test_the_las_history_is_worked_out_from_its_own_assessments_of_the_last_two_years(
    sessions: Sessions,
) -> None:
    cases = history_of_la_900()
    await save_all(sessions, cases)
    today = date(2026, 12, 7)
    async with unit_of_work(sessions) as uow:
        history = await uow.views.la_history("900", today=today)
        nothing = await uow.views.la_history("999", today=today)

    assert history == LaHistory(
        stages={
            Stage.DECISION: Usual(31, 39),  # 20, 30, 32, 42
            Stage.ADVICE: Usual(53, 55),  # 49, 56: 52.5 rounds up
            Stage.DRAFTING: Usual(15, 19),
            Stage.FINALISING: Usual(25, 29),
        },
        advisors={"QHL": Usual(9, 11)},  # 5, 12
        advice_kinds={AdviceKind.HEALTH: Usual(9, 11), AdviceKind.EDUCATION: Usual(-2, -2)},
    )
    assert nothing == LaHistory(stages={})
    in_memory = FakeCaseViews(lambda: {one.assessment_id: one for one in cases}, dict)
    assert await in_memory.la_history("900", today=today) == history
