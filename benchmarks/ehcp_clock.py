"""EHC statutory clock benchmark: clock computations per second over a million generated cases, and the latency of
an LA's open cases over 100,000 open cases, beside the raw limits measured in the same run.

1. The clock. ``--cases`` cases are generated from a seed by ehcp's test kit (assessments at every stage with
   their requests for advice, some with exceptions and advisors' clock stops; plans with their reviews,
   amendments and phase transfers). ``limits(facts, day)`` is computed for every case, first in one process,
   then in one process per core; then ``early_warning`` for every open assessment against an LA's history.
   Generating the cases is not timed: each process builds its share, then waits at a barrier, and the clock
   starts when every process is ready.
2. The open cases. A fresh ehcp database on the embedded PostgreSQL (migrated as the service migrates it) holds
   ``--open-cases`` open cases of LA 841, and a fifth as many of four other LAs, with the closed cases the same
   generator makes on the way. Each case is driven through the aggregates' own steps and stored as the
   repositories store it (the snapshot codec, the next due date, the requests for advice, the due timers),
   copied in bulk; a sample saved through the real repositories first shows the copied rows are the same, and
   a walk through LA 841's whole list shows it holds exactly its open cases. LA 841's open cases are then read
   as the API reads them (the use case through the SQL unit of work, 50 a page): first pages, deep pages
   following their cursors, and pages filtered by stage and due date, ``--queries`` of each from ``--callers``
   concurrent callers, after a short warm-up; then the same over HTTP, ``GET /open-cases`` on the ehcp API in
   its own uvicorn process (default settings), each request with a signed access token of one of as many
   officers as callers (the per-client rate limit raised out of the way; each officer's token bucket is still
   taken in PostgreSQL on every request, as in production).

Every figure is printed beside the raw PostgreSQL transactions/s and raw Kafka records/s measured on the same
servers in the same run, with the machine's cores, memory and Python.

    .venv/bin/python benchmarks/ehcp_clock.py [--cases 1000000] [--open-cases 100000] [--queries 2000]
                                              [--callers 16] [--seed 20261207]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import platform
import queue
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any
from uuid import UUID

# The generated cases are test data: they live in ehcp's test kit, not in the service.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "ehcp" / "tests" / "kit"))

import asyncpg
import httpx
from ehcp_kit.clock_cases import ICBS, random_case
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.contracts.plans import AmendmentCause
from pathfinder.contracts.vocabulary import AdviceKind, ConsultedBody, StatutoryLimit
from pathfinder.devstack.benchmarking import (
    TimedCalls,
    Timings,
    benchmark_servers,
    print_figures,
    service_processes,
    timed_callers,
    wait_until_ready,
)
from pathfinder.devstack.processes import free_port
from pathfinder.ehcp.adapters.plan_repository import plan_stage
from pathfinder.ehcp.adapters.snapshot_rows import london_today, next_due_columns
from pathfinder.ehcp.adapters.snapshots import assessment_state, plan_state
from pathfinder.ehcp.bootstrap import EhcpService, bootstrap
from pathfinder.ehcp.domain.assessment import EhcNeedsAssessment
from pathfinder.ehcp.domain.clock import (
    AssessmentFacts,
    CaseFacts,
    LaHistory,
    PlanFacts,
    Stage,
    Usual,
    early_warning,
    limits,
)
from pathfinder.ehcp.domain.due_alerts import CaseKind, due_timers
from pathfinder.ehcp.domain.plan import EhcPlan
from pathfinder.ehcp.service_layer.case_views import open_cases
from pathfinder.ehcp.service_layer.commands import save
from pathfinder.ehcp.service_layer.unit_of_work import OpenCaseFilter
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.persistence.database import asyncpg_dsn
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.persistence.provisioning import ensure_database

CLOCK_DAY = date(2026, 12, 7)  # every limit is computed on this day, so that a run repeats exactly
BLOCK = 10_000  # cases generated from one seed: the same cases whatever the number of processes
LA, OTHER_LAS, SAMPLE_LA = "841", ("805", "806", "807", "808"), "899"
SEED_SHARE = 2_500  # open cases one seeding process makes and copies at a time
SAMPLE = 200  # cases saved through the real repositories, to compare the copied rows with
PAGE, WALK_PAGE = 50, 500
CONSULTED = (ConsultedBody.RESPONSIBLE_COMMISSIONING_BODY, ConsultedBody.SOCIAL_CARE, ConsultedBody.SCHOOL_OR_SETTING)
HISTORY = LaHistory(
    stages={
        Stage.DECISION: Usual(30, 41),
        Stage.ADVICE: Usual(48, 70),
        Stage.DRAFTING: Usual(21, 35),
        Stage.FINALISING: Usual(22, 38),
    },
    advisors={icb: Usual(5 * number, 12 * number + 10) for number, icb in enumerate(ICBS)},
    advice_kinds={AdviceKind.EDUCATIONAL_PSYCHOLOGY: Usual(14, 40), AdviceKind.SOCIAL_CARE: Usual(3, 20)},
)


def process_context() -> multiprocessing.context.ForkServerContext:
    """Processes forked from one that imported what this script imports, once. (Python 3.11's forkserver does not
    preload the script itself, and runs it again in each process: with its imports preloaded, that is quick.)"""
    context = multiprocessing.get_context("forkserver")
    ours = ("pathfinder.", "ehcp_kit.")
    context.set_forkserver_preload(["asyncpg", "httpx", *sorted(name for name in sys.modules if name.startswith(ours))])
    return context


# -- 1. the clock ------------------------------------------------------------------------------------------------


def generated(block: int, size: int, seed: int, day: date) -> list[CaseFacts]:
    rng = random.Random(f"{seed}:{block}")
    return [random_case(rng, day) for _ in range(size)]


def clock_share(blocks: list[tuple[int, int]], seed: int, ready: Barrier, results: multiprocessing.Queue[Any]) -> None:
    """One process's share: generated, then (once every process is ready) timed."""
    cases = [facts for block, size in blocks for facts in generated(block, size, seed, CLOCK_DAY)]
    open_assessments = [facts for facts in cases if facts.assessment is not None and facts.assessment.open]
    ready.wait()
    limits_from = time.monotonic()
    computed = 0
    for facts in cases:
        computed += len(limits(facts, CLOCK_DAY))
    limits_to = time.monotonic()
    ready.wait()
    warnings_from = time.monotonic()
    forecasts = sum(early_warning(facts, CLOCK_DAY, HISTORY) is not None for facts in open_assessments)
    warnings_to = time.monotonic()
    results.put((len(cases), computed, limits_from, limits_to, len(open_assessments), forecasts, warnings_from,
                 warnings_to))  # fmt: skip


@dataclass(frozen=True)
class ClockFigures:
    processes: int
    cases: int
    limits: int
    seconds: float
    open_assessments: int
    forecasts: int
    warning_seconds: float
    generated_seconds: float


def run_clock(cases: int, processes: int, seed: int) -> ClockFigures:
    blocks = [(start // BLOCK, min(BLOCK, cases - start)) for start in range(0, cases, BLOCK)]
    context = process_context()
    ready, results = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(target=clock_share, args=(blocks[index::processes], seed, ready, results), daemon=True)
        for index in range(processes)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    found: list[tuple[Any, ...]] = []
    while len(found) < processes:
        try:
            found.append(results.get(timeout=1))
        except queue.Empty:
            if any(worker.exitcode not in (None, 0) for worker in workers):
                raise SystemExit("a clock process failed") from None
    for worker in workers:
        worker.join()
    limits_from, limits_to = min(one[2] for one in found), max(one[3] for one in found)
    warnings_from, warnings_to = min(one[6] for one in found), max(one[7] for one in found)
    return ClockFigures(
        processes=processes,
        cases=sum(one[0] for one in found),
        limits=sum(one[1] for one in found),
        seconds=limits_to - limits_from,
        open_assessments=sum(one[4] for one in found),
        forecasts=sum(one[5] for one in found),
        warning_seconds=warnings_to - warnings_from,
        generated_seconds=limits_from - started,
    )


# -- 2. the open cases: seeding ----------------------------------------------------------------------------------

Case = EhcNeedsAssessment | EhcPlan


def at(day: date) -> datetime:
    return datetime.combine(day, clock_time(10), tzinfo=UTC)


def new_id(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def driven(facts: CaseFacts, rng: random.Random, la: str, number: int, today: date) -> list[Case]:
    """The aggregates the service would hold had an officer taken a step on each day of the facts (an advisor's
    own clock stop has no step yet, and is left out)."""
    if facts.assessment is None:
        assert facts.plan is not None
        return [plan_driven(facts.plan, rng, la, number, today)]
    return assessment_driven(facts.assessment, facts, rng, la, number, today)


def assessment_driven(
    facts: AssessmentFacts, whole: CaseFacts, rng: random.Random, la: str, number: int, today: date
) -> list[Case]:
    case = EhcNeedsAssessment.request(
        assessment_id=new_id(rng), person_id=new_id(rng), responsible_la=la, requested_by=facts.requested_by,
        received_on=facts.request_received_on, la_reference=f"EHC-{la}-{number:07d}", at=at(facts.request_received_on),
    )  # fmt: skip
    if facts.consideration_notified_on is not None:
        case.notify_consideration(facts.consideration_notified_on, CONSULTED, at(facts.consideration_notified_on))
    if facts.decision is not None and facts.decided_on is not None:
        case.decide(facts.decision, facts.decided_on, at(facts.decided_on))
    if facts.decision == "assess":
        ids = [new_id(rng) for _ in facts.advice]
        for advice_id, advice in zip(ids, facts.advice, strict=True):
            case.request_advice(advice_id, advice.kind, advice.advisor, advice.requested_on, at(advice.requested_on))
        for advice_id, advice in zip(ids, facts.advice, strict=True):
            if advice.received_on is not None:
                case.receive_advice(advice_id, advice.received_on, at(advice.received_on))
    for exception in whole.exceptions:
        if "record-exception" in case.allowed_steps:
            case.record_exception(new_id(rng), exception, at(min(exception.starts_on, today)))
    plans: list[Case] = []
    if facts.draft_served_on is not None:
        case.serve_draft(new_id(rng), facts.draft_served_on, at(facts.draft_served_on))
    if facts.representations_received_on is not None:
        day = facts.representations_received_on
        case.receive_representations(day, rng.random() < 0.3, at(day))
    if facts.final_issued_on is not None:
        day = facts.final_issued_on
        plan_id = case.issue_final_plan(day, ICBS[number % len(ICBS)], at(day))
        plans.append(
            EhcPlan.issued(
                plan_id=plan_id, person_id=case.person_id, responsible_la=la, assessment_id=case.assessment_id,
                issued_on=day, at=at(day), la_reference=case.la_reference,
            )
        )  # fmt: skip
    return [case, *plans]


def plan_driven(facts: PlanFacts, rng: random.Random, la: str, number: int, today: date) -> EhcPlan:
    plan = EhcPlan.issued(
        plan_id=new_id(rng), person_id=new_id(rng), responsible_la=la, assessment_id=new_id(rng),
        issued_on=facts.issued_on, at=at(facts.issued_on), la_reference=f"EHC-{la}-{number:07d}",
    )  # fmt: skip
    for review in facts.reviews:
        plan.notify_review_meeting(review.notified_on, review.meeting_on, at(review.notified_on))
        if review.advice_circulated_on is not None:
            plan.circulate_review_advice(review.advice_circulated_on, at(review.advice_circulated_on))
        if review.meeting_on > today:
            break
        plan.hold_review_meeting(review.meeting_on, at(review.meeting_on))
        if review.report_sent_on is not None:
            plan.send_review_report(review.report_sent_on, at(review.report_sent_on))
        if review.decided_on is not None and review.decision is not None:
            plan.decide_review(review.decided_on, review.decision, at(review.decided_on))
    for amendment in facts.amendments:
        plan.propose_amendments(amendment.proposed_on, AmendmentCause.ANNUAL_REVIEW, at(amendment.proposed_on))
        if amendment.concluded_on is not None:
            plan.issue_amended_plan(amendment.concluded_on, at(amendment.concluded_on))
    for move in facts.phase_transfers:
        if move.transfer_on > today and "plan-phase-transfer" in plan.allowed_steps:
            plan.plan_phase_transfer(move.transfer, move.transfer_on, at(today))
    return plan


COLUMNS = {
    "child_case": ("person_id", "responsible_la"),
    "ehcp_assessment": (
        "assessment_id", "person_id", "responsible_la", "la_reference", "stage", "is_open", "request_received_on",
        "decided_on", "draft_served_on", "outcome_on", "next_limit", "next_due_on", "state", "version",
    ),
    "ehcp_plan": (
        "plan_id", "person_id", "responsible_la", "la_reference", "assessment_id", "stage", "is_open", "issued_on",
        "next_limit", "next_due_on", "state", "version",
    ),
    "ehcp_advice_request": (
        "advice_request_id", "assessment_id", "responsible_la", "advice_kind", "advisor", "requested_on", "due_on",
        "received_on",
    ),
    "ehcp_due_timer": ("case_id", "case_kind", "limit", "subject", "alert", "due_on", "fires_at"),
}  # fmt: skip
Rows = dict[str, list[tuple[Any, ...]]]


def rows_of(cases: Sequence[Case], today: date) -> Rows:
    """The rows ``SqlAssessments.save``, ``SqlPlans.save`` and ``SqlDueTimers.schedule`` write for the cases, with
    a child case for each child: built by the same snapshot codec and clock, for a bulk copy."""
    rows: Rows = {table: [] for table in COLUMNS}
    people = set()
    kind: CaseKind
    for case in cases:
        if case.person_id not in people:
            people.add(case.person_id)
            rows["child_case"].append((case.person_id, case.responsible_la))
        facts = case.facts()
        due = next_due_columns(facts, today)
        if isinstance(case, EhcNeedsAssessment):
            case_id, kind, still_open = case.assessment_id, "assessment", case.open
            rows["ehcp_assessment"].append(
                (case.assessment_id, case.person_id, case.responsible_la, case.la_reference, case.stage.value,
                 case.open, case.request_received_on, case.decided_on, case.draft_served_on, case.outcome_on,
                 due["next_limit"], due["next_due_on"], json.dumps(assessment_state(case)), 1)
            )  # fmt: skip
            advice_due = {
                one.subject: one.statutory_due_on for one in limits(facts, today) if one.limit is StatutoryLimit.ADVICE
            }
            rows["ehcp_advice_request"].extend(
                (one.advice_request_id, case.assessment_id, case.responsible_la, one.kind.value, one.advisor,
                 one.requested_on, advice_due[str(one.advice_request_id)], one.received_on)
                for one in case.advice.values()
            )  # fmt: skip
        else:
            case_id, kind, still_open = case.plan_id, "plan", case.maintained
            rows["ehcp_plan"].append(
                (case.plan_id, case.person_id, case.responsible_la, case.la_reference, case.assessment_id,
                 plan_stage(case), case.maintained, case.issued_on, due["next_limit"], due["next_due_on"],
                 json.dumps(plan_state(case)), 1)
            )  # fmt: skip
        timers = due_timers(case_id, kind, facts, today) if still_open else ()
        rows["ehcp_due_timer"].extend(
            (t.case_id, t.case_kind, t.limit.value, t.subject, t.alert.value, t.due_on, t.fires_at) for t in timers
        )
    return rows


def is_open(case: Case) -> bool:
    return case.open if isinstance(case, EhcNeedsAssessment) else case.maintained


def cases_for(la: str, part: int, open_cases: int, seed: int, today: date) -> list[Case]:
    """Generated cases of ``la`` until ``open_cases`` of them are open (a case opens at most one: an assessment,
    or the plan its final plan started), with the closed ones made on the way."""
    rng = random.Random(f"{seed}:{la}:{part}")
    made: list[Case] = []
    opened, number = 0, part * 1_000_000
    while opened < open_cases:
        for case in driven(random_case(rng, today), rng, la, number, today):
            made.append(case)
            opened += is_open(case)
        number += 1
    return made


def seed_share(url: str, la: str, part: int, open_cases: int, seed: int, today: date) -> int:
    """One process's share of the seeding: made, turned into rows and copied; the rows copied."""
    rows = rows_of(cases_for(la, part, open_cases, seed, today), today)
    asyncio.run(copy_rows(url, rows))
    return sum(len(table) for table in rows.values())


async def copy_rows(url: str, rows: Rows) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        async with connection.transaction():
            for table, columns in COLUMNS.items():  # in the order the foreign keys need
                await connection.copy_records_to_table(table, records=rows[table], columns=columns)
    finally:
        await connection.close()


async def seed(url: str, open_cases: int, seed: int, today: date) -> tuple[int, float]:
    """LA 841's open cases and a fifth as many for the other LAs, in parallel; the rows copied, and how long."""
    others = open_cases // 5
    jobs = [(LA, count) for count in shares(open_cases)]
    jobs += [(la, count) for index, la in enumerate(OTHER_LAS) for count in shares(part_of(others, index))]
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=process_context()) as pool:
        copied = await asyncio.gather(
            *(
                loop.run_in_executor(pool, seed_share, url, la, part, count, seed, today)
                for part, (la, count) in enumerate(jobs)
            )
        )
    return sum(copied), time.perf_counter() - started


def shares(total: int) -> list[int]:
    return [min(SEED_SHARE, total - start) for start in range(0, total, SEED_SHARE)]


def part_of(total: int, index: int) -> int:
    return total // len(OTHER_LAS) + (index < total % len(OTHER_LAS))


_STORED = {
    "ehcp_assessment": "responsible_la = $1",
    "ehcp_plan": "responsible_la = $1",
    "ehcp_advice_request": "responsible_la = $1",
    "ehcp_due_timer": "case_id IN (SELECT assessment_id FROM ehcp_assessment WHERE responsible_la = $1 "
    "UNION ALL SELECT plan_id FROM ehcp_plan WHERE responsible_la = $1)",
}


async def same_as_the_repositories(service: EhcpService, url: str, seed: int, today: date) -> None:
    """Save a sample through the real repositories (the service layer's ``save``: the row, the requests for
    advice, the timers) and check that the copy would write the same rows, column for column."""
    sample = cases_for(SAMPLE_LA, 0, SAMPLE, seed, today)
    async with service.unit_of_work() as uow:
        for case in sample:
            await save(uow, case, at(today))
        await uow.commit()
    built = rows_of(sample, today)
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for table, where in _STORED.items():
            stored = [dict(row) for row in await connection.fetch(f"SELECT * FROM {table} WHERE {where}", SAMPLE_LA)]
            copied = [dict(zip(COLUMNS[table], row, strict=True)) for row in built[table]]
            if wrong := differing_columns(stored, copied):
                raise SystemExit(f"the copied rows of {table} differ from the repositories' in {', '.join(wrong)}")
    finally:
        await connection.close()


def differing_columns(stored: list[dict[str, Any]], copied: list[dict[str, Any]]) -> list[str]:
    """The columns whose values are not the same in both sets of rows (but for those the database fills in)."""
    columns = {key for row in [*stored, *copied] for key in row} - {"updated_at", "fired_at"}

    def values(rows: list[dict[str, Any]], column: str) -> list[str]:
        found = (row.get(column, "(no such column)") for row in rows)
        return sorted(json.dumps(json.loads(one) if column == "state" else one, sort_keys=True, default=str)
                      for one in found)  # fmt: skip

    return sorted(column for column in columns if values(stored, column) != values(copied, column))


# -- 2. the open cases: reading ----------------------------------------------------------------------------------

Page = Callable[[OpenCaseFilter, str | None], Awaitable[str | None]]
Walk = tuple[OpenCaseFilter, str | None, int]  # what, the cursor it starts after, how many pages it follows


async def timed(walks: Iterator[Walk], queries: int, callers: int, page: Page) -> Timings:
    """``queries`` pages read by ``callers`` concurrent callers, each following its walks page by page."""

    async def caller(calls: TimedCalls) -> None:
        for where, after, pages in walks:
            for _ in range(pages):
                if calls.claim() is None:
                    return
                after = await calls.timed(page, where, after)
                if after is None:
                    break

    return await timed_callers(queries, callers, caller)


def workloads(today: date, deep_starts: Sequence[str | None], seed: int) -> dict[str, Callable[[], Iterator[Walk]]]:
    """Each kind of reading, as endless walks: first pages; pages deep in the list, each walk starting at a cursor
    the whole walk gave and following the next ten; the first two pages of a filter an officer would use."""
    everything = OpenCaseFilter(LA)
    filters = (
        OpenCaseFilter(LA, ("requested",)),
        OpenCaseFilter(LA, ("assessing",)),
        OpenCaseFilter(LA, ("draft-served",)),
        OpenCaseFilter(LA, ("under-review",)),
        OpenCaseFilter(LA, ("requested", "assessing", "draft-served")),
        OpenCaseFilter(LA, due_on_or_before=today - timedelta(days=1)),  # overdue
        OpenCaseFilter(LA, due_on_or_after=today, due_on_or_before=today + timedelta(days=14)),  # due soon
        OpenCaseFilter(LA, ("assessing",), today, today + timedelta(weeks=6)),
        OpenCaseFilter(LA, ("maintained", "under-review"), due_on_or_after=today + timedelta(weeks=8)),
    )

    def first() -> Iterator[Walk]:
        return itertools.repeat((everything, None, 1))

    def deep() -> Iterator[Walk]:
        rng = random.Random(f"{seed}:deep")
        return ((everything, rng.choice(deep_starts), 10) for _ in itertools.count())

    def filtered() -> Iterator[Walk]:
        rng = random.Random(f"{seed}:filtered")
        return ((rng.choice(filters), None, 2) for _ in itertools.count())

    return {"first pages": first, "deep pages": deep, "filtered pages": filtered}


async def whole_list(page: Callable[[str | None], Awaitable[tuple[int, str | None]]]) -> tuple[int, list[str], float]:
    """Every open case of the LA, a page at a time: how many, the cursor after each page, and how long."""
    started = time.perf_counter()
    count, after = 0, None
    cursors: list[str] = []
    while True:
        found, after = await page(after)
        count += found
        if after is None:
            return count, cursors, time.perf_counter() - started
        cursors.append(after)


def use_case(service: EhcpService, officer: Principal) -> Page:
    async def page(where: OpenCaseFilter, after: str | None) -> str | None:
        found = await open_cases(where, after=after, limit=PAGE, principal=officer, uow=service.unit_of_work())
        return found.next_cursor

    return page


def over_http(api: httpx.AsyncClient, officers: Iterator[dict[str, str]]) -> Page:
    """Each request with the next officer's token: as many officers as callers, each with a rate limit bucket."""

    async def page(where: OpenCaseFilter, after: str | None) -> str | None:
        params: list[tuple[str, str]] = [("limit", str(PAGE)), *(("stage", stage) for stage in where.stages)]
        if where.due_on_or_before is not None:
            params.append(("due_on_or_before", where.due_on_or_before.isoformat()))
        if where.due_on_or_after is not None:
            params.append(("due_on_or_after", where.due_on_or_after.isoformat()))
        if after is not None:
            params.append(("after", after))
        response = await api.get("/open-cases", params=tuple(params), headers=next(officers))
        response.raise_for_status()
        next_cursor: str | None = response.json()["next"]
        return next_cursor

    return page


async def read_each_way(
    kinds: dict[str, Callable[[], Iterator[Walk]]], page: Page, args: argparse.Namespace
) -> dict[str, Timings]:
    found = {}
    for kind, walks in kinds.items():
        await timed(walks(), args.callers * 4, args.callers, page)  # warm-up
        found[kind] = await timed(walks(), args.queries, args.callers, page)
    return found


@dataclass(frozen=True)
class OpenCaseFigures:
    open_cases: int
    other_open_cases: int
    closed_cases: int
    rows_copied: int
    seed_seconds: float
    walk_seconds: float
    walk_pages: int
    use_case: dict[str, Timings]
    http: dict[str, Timings]
    postgres_version: str


async def settled(url: str) -> tuple[int, int, int, str]:
    """The tables vacuumed and analysed, as autovacuum leaves them after a load; LA 841's open cases, the other
    LAs', the closed ones, and the server's version."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        kept = await connection.fetchrow(
            """
            SELECT count(*) FILTER (WHERE is_open AND responsible_la = $1) AS ours,
                   count(*) FILTER (WHERE is_open AND responsible_la <> ALL($2::text[])) AS others,
                   count(*) FILTER (WHERE NOT is_open) AS closed
            FROM (SELECT is_open, responsible_la FROM ehcp_assessment
                  UNION ALL SELECT is_open, responsible_la FROM ehcp_plan) cases
            """,
            LA,
            [LA, SAMPLE_LA],
        )
        version = await connection.fetchval("SHOW server_version")
        await connection.execute("VACUUM ANALYZE")
        return kept["ours"], kept["others"], kept["closed"], str(version)
    finally:
        await connection.close()


async def open_case_figures(url: str, env: dict[str, str], args: argparse.Namespace) -> OpenCaseFigures:
    await ensure_database(url)
    await upgrade_to_head("pathfinder.ehcp:migrations", url)
    today = london_today()
    mint = token_mint()
    officer_of_la = (OrganisationRole.LOCAL_AUTHORITY, LA, Scope.CASES_READ)
    service = bootstrap(EhcpSettings(database_url=url, database_pool_size=args.callers), auth=mint.auth_settings())
    try:
        await same_as_the_repositories(service, url, args.seed, today)
        copied, seed_seconds = await seed(url, args.open_cases, args.seed, today)
        ours, others, closed, version = await settled(url)
        officer = principal(*officer_of_la)

        async def walk_page(after: str | None) -> tuple[int, str | None]:
            uow = service.unit_of_work()
            found = await open_cases(OpenCaseFilter(LA), after=after, limit=WALK_PAGE, principal=officer, uow=uow)
            return len(found.rows), found.next_cursor

        walked, deep_starts, walk_seconds = await whole_list(walk_page)
        if walked != ours:
            raise SystemExit(f"the open cases list holds {walked} cases; LA {LA} has {ours} open")
        kinds = workloads(today, [*deep_starts] or [None], args.seed)
        by_use_case = await read_each_way(kinds, use_case(service, officer), args)
    finally:
        await service.engine.dispose()
    port = free_port()
    api_env = {
        **env,
        **mint.environment(),
        "PATHFINDER_EHCP_DATABASE_URL": url,
        "PATHFINDER_EHCP_HTTP_PORT": str(port),
        "PATHFINDER_EHCP_CLIENT_RATE_PER_SECOND": "1000000",
        "PATHFINDER_EHCP_CLIENT_RATE_BURST": "1000000",
    }
    connections = httpx.Limits(max_connections=args.callers, max_keepalive_connections=args.callers)
    async with (
        service_processes(["pathfinder.ehcp.api"], api_env),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, trust_env=False, limits=connections) as api,
    ):
        await wait_until_ready(api)
        officers = [mint.headers_for(principal(*officer_of_la)) for _ in range(args.callers)]
        by_http = await read_each_way(kinds, over_http(api, itertools.cycle(officers)), args)
    return OpenCaseFigures(
        ours, others, closed, copied, seed_seconds, walk_seconds, len(deep_starts) + 1, by_use_case, by_http, version,
    )  # fmt: skip


# -- the table ---------------------------------------------------------------------------------------------------


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def clock_rows(figures: ClockFigures, pg_rate: float) -> list[tuple[str, str]]:
    name = f"[clock, {figures.processes} process{'es' if figures.processes > 1 else ''}]"
    per_second = figures.cases / figures.seconds
    return [
        (f"{name} cases/s (limits of one case on one day)", f"{per_second:,.0f}"),
        (f"{name} limits/s ({figures.limits / figures.cases:.1f} a case)", f"{figures.limits / figures.seconds:,.0f}"),
        (f"{name} cases/s / raw PostgreSQL transactions/s", f"{per_second / pg_rate:,.1f}"),
        (f"{name} early warnings/s (of {figures.open_assessments:,} open assessments)",
         f"{figures.open_assessments / figures.warning_seconds:,.0f}"),
    ]  # fmt: skip


def open_case_rows(found: OpenCaseFigures, args: argparse.Namespace, pg_rate: float) -> list[tuple[str, str]]:
    rows = [
        (f"[open cases] LA {LA} open cases", f"{found.open_cases:,}"),
        ("[open cases] other LAs' open cases", f"{found.other_open_cases:,}"),
        ("[open cases] closed cases", f"{found.closed_cases:,}"),
        ("[open cases] seeding: rows copied (cases, advice, timers, children)", f"{found.rows_copied:,}"),
        ("[open cases] seeding: s (aggregates driven step by step, then copied)", f"{found.seed_seconds:,.1f}"),
        (f"[open cases] whole list walked, {WALK_PAGE} a page: pages", f"{found.walk_pages:,}"),
        ("[open cases] whole list walked: s", f"{found.walk_seconds:,.2f}"),
    ]
    for way, timings in (("use case + SQL unit of work", found.use_case), ("HTTP GET /open-cases", found.http)):
        for kind, measured in timings.items():
            name = f"[{way}, {kind}, {args.callers} callers]"
            rows += [
                (f"{name} queries/s", f"{measured.per_second:,.0f}"),
                (f"{name} queries/s / raw PostgreSQL transactions/s", f"{measured.per_second / pg_rate:,.3f}"),
                (f"{name} p50 (ms)", f"{measured.percentile_ms(50):,.1f}"),
                (f"{name} p95 (ms)", f"{measured.percentile_ms(95):,.1f}"),
                (f"{name} p99 (ms)", f"{measured.percentile_ms(99):,.1f}"),
            ]
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="clock: cases generated")
    parser.add_argument("--open-cases", type=int, default=100_000, help=f"open cases of LA {LA}")
    parser.add_argument("--queries", type=int, default=2_000, help="open cases: pages read of each kind, each way")
    parser.add_argument("--callers", type=int, default=16, help="open cases: concurrent callers")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    single = run_clock(args.cases, 1, args.seed)
    parallel = run_clock(args.cases, cores, args.seed)
    with tempfile.TemporaryDirectory(prefix="pathfinder-bench-") as state:
        async with benchmark_servers(Path(state)) as servers:
            found = await open_case_figures(servers.postgres.url("bench_ehcp"), servers.environment(), args)
    pg_rate, kafka_rate = servers.raw_postgres_rate, servers.raw_kafka_rate
    rows = [
        ("machine: cores / memory (GiB)", f"{cores} / {memory_gib():.1f}"),
        ("machine: load average (1 min) before / after the run", f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"),
        ("machine: Python / PostgreSQL", f"{platform.python_version()} / {found.postgres_version}"),
        ("raw PostgreSQL transactions/s (16 connections, 2 inserts)", f"{pg_rate:,.0f}"),
        ("raw aiokafka produce-to-consume records/s (300 B)", f"{kafka_rate:,.0f}"),
        ("[clock] cases generated (not timed)", f"{args.cases:,}"),
        ("[clock] processes started and cases generated, s (not timed)", f"{parallel.generated_seconds:,.1f}"),
        *clock_rows(single, pg_rate),
        *clock_rows(parallel, pg_rate),
        *open_case_rows(found, args, pg_rate),
    ]
    print_figures(rows)


if __name__ == "__main__":
    asyncio.run(main())
