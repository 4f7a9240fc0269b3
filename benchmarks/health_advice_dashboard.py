"""Health advice dashboard benchmark: the DCO's and a team lead's dashboard queries over a million generated advice
requests, each timed as the pages call it against a p99 target of 100 ms, beside raw PostgreSQL queries on the
same table measured in the same run.

1. The data. A fresh health-advice database on the embedded PostgreSQL, migrated as the service migrates it, is
   given the routing of ten ICBs through the routing use cases: a team of every kind and a community paediatrics
   team for each of the four LAs in its area (run by that area's trust), a rule routing each of those LAs to its
   own team, a default rule for any other LA (but for one ICB, whose other requests stay unrouted), and a lead
   for each area's team. Then ``--requests`` advice requests of the 40 LAs, received over the last three years,
   a few of each LA's asked of the neighbouring ICB. Each is opened, routed by the rules and driven through the
   aggregate's own steps as staff would take them: accepted, assigned, for some a reg 8(2) clock stop (a few
   still holding), submitted on time or late (through the FHIR API with its DocumentReference or
   QuestionnaireResponse, or on the dashboard), a few cancelled, the recent ones still open, and the due-soon and
   overdue alerts raised on their days. Each is stored as the repository stores it (its columns and its snapshot)
   and copied in bulk, one process per core; a sample saved through the real repository first shows the copied
   rows are the same. The tables are then vacuumed and analysed, as autovacuum leaves them after a load, and
   the load's writes checkpointed.
2. The reads. For the DCO of ICB QHM (a tenth of the requests) and for the lead of one of its teams, each
   read-model query the dashboard's pages make, called as the pages call it, through the SQL unit of work: who
   the viewer is (every page), the open requests and the overdue list (a page's worth), one request's timeline,
   the turnaround distribution and the share answered within the limit by team, LA and month (over the last
   year, as the performance page), and the CSV export of one LA's requests received in the last quarter.
   After a short warm-up, ``--calls`` calls of each from one caller (the call's own latency), then from
   ``--callers`` concurrent callers sharing this process's event loop (as the requests to one API process do),
   printed as p50, p95 and p99 beside two queries on advice_request by asyncpg alone, timed alike (a request's
   row by its primary key, and the ICB's answered and on-time counts over the last year), and the raw
   PostgreSQL transactions/s and Kafka records/s of the servers.

    .venv/bin/python benchmarks/health_advice_dashboard.py [--requests 1000000] [--calls 200] [--callers 4]
                                                           [--seed 20261208]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal
from pathfinder.contracts.fhir.advice import (
    AdviceDocument,
    AdviceQuestionnaire,
    SubmittedAdvice,
    submitted_advice_resource,
)
from pathfinder.contracts.vocabulary import AdviceClockStopReason, AdviceForm
from pathfinder.devstack.benchmarking import Timings, benchmark_servers, print_figures, timed_calls
from pathfinder.health_advice.adapters.advice_request_repository import _columns as repository_columns
from pathfinder.health_advice.bootstrap import HealthAdviceService, bootstrap
from pathfinder.health_advice.domain.advice_request import AdviceRequest
from pathfinder.health_advice.domain.clock import LONDON, london_date
from pathfinder.health_advice.domain.routing import KNOWN_KINDS, ProviderTeam, RoutingRule, TeamKind, route
from pathfinder.health_advice.domain.steps import Actor
from pathfinder.health_advice.entrypoints.dashboard_pages import LIST_LIMIT, PERFORMANCE_YEAR
from pathfinder.health_advice.service_layer import dashboard
from pathfinder.health_advice.service_layer import routing as routing_use_cases
from pathfinder.health_advice.service_layer.views import CsvFilters, ShareBy
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.database import asyncpg_dsn
from pathfinder.persistence.migrations import upgrade_to_head
from pathfinder.persistence.provisioning import ensure_database

TARGET_MS = 100.0
RAW = "raw PostgreSQL, asyncpg"
YEARS = 3
BLOCK = 10_000  # requests generated from one seed: the same requests whatever the number of processes
SAMPLE = 300  # requests saved through the real repository, to compare the copied rows with
ELSEWHERE = 0.06  # the share of an LA's requests asked of the neighbouring ICB
EXPORT_DAYS = 91

# Ten ICBs, each with the four LAs of its area; the last routes no LA but its own (no default rule).
AREAS: dict[str, tuple[str, ...]] = {
    "QHM": ("841", "805", "806", "807"),
    "QHL": ("330", "331", "332", "333"),
    "QE1": ("340", "341", "342", "343"),
    "QJK": ("350", "351", "352", "353"),
    "QKS": ("370", "371", "372", "373"),
    "QMF": ("380", "381", "382", "383"),
    "QNC": ("390", "391", "392", "393"),
    "QOP": ("201", "202", "203", "204"),
    "QRV": ("810", "811", "812", "813"),
    "QUE": ("870", "871", "872", "873"),
}
ICBS = tuple(AREAS)
NO_DEFAULT = "QUE"
DCO_ICB, LEAD_LA = "QHM", "841"
LAS = tuple(la for area in AREAS.values() for la in area)
HOME = {la: icb for icb, area in AREAS.items() for la in area}


# -- 1. the data: the ICBs' routing ------------------------------------------------------------------------------


def trust(icb: str, unit: str) -> str:
    """The ODS code of one of the ICB's trusts: A runs its teams, F its CAMHS, B to E its four areas' teams."""
    return f"R{ICBS.index(icb)}{unit}"


def area_team(icb: str, la: str) -> str:
    return f"{icb.lower()}-{la}-community-paediatrics"


@cache
def teams() -> dict[str, ProviderTeam]:
    found = [
        ProviderTeam(f"{icb.lower()}-{kind}", icb, f"{icb} {name}", TeamKind.of(kind),
                     trust(icb, "F" if kind == "camhs" else "A"))
        for icb in ICBS for kind, name in KNOWN_KINDS.items()
    ]  # fmt: skip
    paediatrics = TeamKind.of("community-paediatrics")
    found += [
        ProviderTeam(area_team(icb, la), icb, f"{icb} community paediatrics ({la})", paediatrics,
                     trust(icb, "BCDE"[index]))
        for icb, area in AREAS.items() for index, la in enumerate(area)
    ]  # fmt: skip
    return {team.team_id: team for team in found}


@cache
def rules() -> tuple[RoutingRule, ...]:
    found = [RoutingRule(icb, la, area_team(icb, la), priority=10) for icb, area in AREAS.items() for la in area]
    found += [RoutingRule(icb, None, f"{icb.lower()}-community-paediatrics") for icb in ICBS if icb != NO_DEFAULT]
    return tuple(found)


def lead_subject(team_id: str) -> str:
    return f"lead-{team_id}"


@cache
def routed(icb: str, la: str) -> ProviderTeam | None:
    team_id = route(rules(), icb=icb, requesting_la=la)
    return teams()[team_id] if team_id is not None else None


async def seed_routing(service: HealthAdviceService) -> None:
    """Teams, rules and leads through the routing use cases, as the ``pathfinder-health-advice`` command adds them."""
    for team in teams().values():
        await routing_use_cases.add_team(
            team_id=team.team_id, icb=team.icb, name=team.name, kind=team.kind.code,
            provider_organisation=team.provider_organisation, uow=service.unit_of_work(),
        )  # fmt: skip
    for rule in rules():
        await routing_use_cases.add_route(
            icb=rule.icb, requesting_la=rule.requesting_la, team_id=rule.team_id, priority=rule.priority,
            uow=service.unit_of_work(),
        )  # fmt: skip
        if rule.requesting_la is not None:
            await routing_use_cases.add_lead(
                team_id=rule.team_id, subject=lead_subject(rule.team_id), uow=service.unit_of_work()
            )


# -- 1. the data: the requests -----------------------------------------------------------------------------------


def at(day: date, hour: int) -> datetime:
    """An instant on a London day."""
    return datetime.combine(day, clock_time(hour), tzinfo=LONDON).astimezone(UTC)


def new_id(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


_SENTINEL_ID = UUID("00000000-0000-4000-8000-000000000001")
_SENTINEL_AT = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
_SENTINEL_AUTHOR = "RZZZZ9"


@cache
def advice_template(form: AdviceForm) -> str:
    """The FHIR record of a submission as the API keeps it (``submitted_advice_resource``), with sentinels where
    each submission's own id, time and author go: built once, filled in for each request."""
    document = AdviceDocument(
        url=f"https://records.example.nhs.uk/Binary/{_SENTINEL_ID}", content_type="application/pdf", size=184_320,
        sha1="2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
    )  # fmt: skip
    questionnaire = AdviceQuestionnaire(
        questionnaire="https://fhir.example.nhs.uk/Questionnaire/ehc-health-advice|2", answered_items=37
    )
    advice = SubmittedAdvice(
        advice_request_id=_SENTINEL_ID, form=form, author=_SENTINEL_AUTHOR, authored_at=_SENTINEL_AT,
        document=document if form is AdviceForm.DOCUMENT else None,
        questionnaire=questionnaire if form is AdviceForm.QUESTIONNAIRE_RESPONSE else None,
    )  # fmt: skip
    return json.dumps(submitted_advice_resource(advice, base_url="https://pathfinder.example.gov.uk/fhir"))


def advice_given(form: AdviceForm, advice_request_id: UUID, authored_at: datetime, author: str) -> dict[str, Any]:
    filled = (
        advice_template(form)
        .replace(str(_SENTINEL_ID), str(advice_request_id))
        .replace(_SENTINEL_AT.isoformat(), authored_at.isoformat())
        .replace(_SENTINEL_AUTHOR, author)
    )
    given: dict[str, Any] = json.loads(filled)
    return given


Step = tuple[date, int, Callable[[AdviceRequest, datetime], None]]


def if_allowed(step: str, take: Callable[[AdviceRequest, datetime], None]) -> Callable[[AdviceRequest, datetime], None]:
    """A step staff would not take where the request no longer allows it (accepting a cancelled request)."""

    def taken(request: AdviceRequest, when: datetime) -> None:
        if step in request.allowed_steps:
            take(request, when)

    return taken


def raise_alerts_through(request: AdviceRequest, day: date, not_before: date) -> None:
    """The due-soon and overdue alerts the worker would have raised by ``day`` (at the earliest on the day of the
    last step, which may have moved the due date)."""
    for _ in range(3):
        owed = request.next_alert_on()
        if owed is None or owed > day:
            return
        request.raise_alerts(at(max(owed, not_before), 1))


def advice_request(rng: random.Random, today: date) -> AdviceRequest:
    """One request as the service would hold it today, had staff taken each step on its day."""
    la = rng.choice(LAS)
    icb = HOME[la]
    if rng.random() < ELSEWHERE:
        icb = ICBS[(ICBS.index(icb) + 1) % len(ICBS)]
    team = routed(icb, la)
    received = today - timedelta(days=rng.randrange(YEARS * 365))
    request = AdviceRequest.open(
        advice_request_id=new_id(rng), assessment_id=new_id(rng), person_id=new_id(rng), requesting_la=la, icb=icb,
        received_on=received, team_id=team.team_id if team is not None else None,
        provider_organisation=team.provider_organisation if team is not None else None, at=at(received, 9),
    )  # fmt: skip
    organisation = team.provider_organisation if team is not None else icb
    staff = Actor(organisation, f"{organisation.lower()}-staff-{rng.randrange(12)}")
    for day, _, take in sorted(planned_steps(rng, request, staff), key=lambda step: step[:2]):
        if day > today:
            break
        raise_alerts_through(request, day, request.history[-1].on)
        take(request, at(day, _hour(request, day)))
    raise_alerts_through(request, today, request.history[-1].on)
    request.events.clear()
    return request


def _hour(request: AdviceRequest, day: date) -> int:
    """Steps on one day come in order, an hour apart."""
    return 10 + sum(entry.on == day for entry in request.history)


def planned_steps(rng: random.Random, request: AdviceRequest, staff: Actor) -> list[Step]:
    """The request's fate: most answered (about two thirds on time), a few cancelled, a few never answered; some
    with a reg 8(2) clock stop, whose days the answer comes that much later."""
    received = request.received_on
    fate = rng.random()
    answered_in: int | None = None
    if fate < 0.64:
        answered_in = rng.randint(8, 42)
    elif fate < 0.955:
        answered_in = 43 + int(rng.expovariate(1 / 20))
    accepted_in = rng.randint(0, 5)
    clinician = f"CLIN-{staff.organisation}-{rng.randrange(40):03d}"
    steps: list[Step] = [
        (received + timedelta(days=accepted_in), 0, if_allowed("accept", lambda r, when: r.accept(staff, when))),
        (received + timedelta(days=accepted_in + rng.randint(0, 10)), 1,
         if_allowed("assign", lambda r, when: r.assign(clinician, staff, when))),
    ]  # fmt: skip
    if rng.random() < 0.08:
        reason = rng.choice(tuple(AdviceClockStopReason))
        first = received + timedelta(days=rng.randint(2, 35))
        last = first + timedelta(days=rng.randint(5, 45) - 1)
        steps += [
            (first, 2, if_allowed("record-clock-stop", lambda r, when: r.stop_clock(reason, first, staff, when))),
            (last + timedelta(days=1), 2,
             if_allowed("end-clock-stop", lambda r, when: r.restart_clock(last, staff, when))),
        ]  # fmt: skip
        if answered_in is not None:
            answered_in += (last - first).days + 1
    if answered_in is not None:
        form = AdviceForm.DOCUMENT if rng.random() < 0.7 else AdviceForm.QUESTIONNAIRE_RESPONSE
        by_fhir = rng.random() < 0.7  # an NHS system's FHIR submission carries its resource; the dashboard's none

        def submit(r: AdviceRequest, when: datetime) -> None:
            advice = advice_given(form, r.advice_request_id, when, staff.organisation) if by_fhir else None
            r.submit(form, when, staff, when, advice)

        steps.append((received + timedelta(days=answered_in), 3, if_allowed("submit", submit)))
    elif fate < 0.995:
        withdrawn = Actor(request.icb, f"dco-{request.icb.lower()}")
        cancel = if_allowed("cancel", lambda r, when: r.cancel("withdrawn by the LA", withdrawn, when))
        steps.append((received + timedelta(days=rng.randint(3, 60)), 3, cancel))
    return steps


COLUMNS = (
    "advice_request_id", "assessment_id", "person_id", "requesting_la", "icb", "team_id", "provider_organisation",
    "status", "is_open", "received_on", "running_due_on", "stopped_since", "accepted_on", "submitted_on", "on_time",
    "turnaround_days", "next_alert_at", "state",
)  # fmt: skip


def row_of(request: AdviceRequest) -> tuple[Any, ...]:
    """The row ``SqlAdviceRequests`` writes for the request (its own column code), for a bulk copy."""
    columns = {"advice_request_id": request.advice_request_id, **repository_columns(request)}
    columns["state"] = json.dumps(columns["state"])
    return tuple(columns[name] for name in COLUMNS)


def requests_of(block: int, size: int, seed: int, today: date) -> list[AdviceRequest]:
    rng = random.Random(f"{seed}:{block}")
    return [advice_request(rng, today) for _ in range(size)]


def seed_block(url: str, block: int, size: int, seed: int, today: date) -> int:
    """One process's share of the seeding: made, turned into rows and copied; the rows copied."""
    rows = [row_of(request) for request in requests_of(block, size, seed, today)]
    asyncio.run(copy_rows(url, rows))
    return len(rows)


async def copy_rows(url: str, rows: list[tuple[Any, ...]]) -> None:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.copy_records_to_table("advice_request", records=rows, columns=COLUMNS)
    finally:
        await connection.close()


def process_context() -> multiprocessing.context.ForkServerContext:
    """Processes forked from one that imported what this script imports, once."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["asyncpg", *sorted(name for name in sys.modules if name.startswith("pathfinder."))])
    return context


async def seed(url: str, requests: int, seed: int, today: date) -> tuple[int, float]:
    """The requests, in blocks, one process per core; the rows copied, and how long."""
    blocks = [(start // BLOCK, min(BLOCK, requests - start)) for start in range(0, requests, BLOCK)]
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=process_context()) as pool:
        copied = await asyncio.gather(
            *(loop.run_in_executor(pool, seed_block, url, block, size, seed, today) for block, size in blocks)
        )
    return sum(copied), time.perf_counter() - started


async def same_as_the_repository(service: HealthAdviceService, url: str, seed: int, today: date) -> None:
    """Save a sample through the real repository and check the copy would write the same rows, column for column;
    then take the sample away again, so that the figures count the generated requests only."""
    sample = requests_of(-1, SAMPLE, seed, today)
    async with service.unit_of_work() as uow:
        for request in sample:
            await uow.requests.add(request)
        await uow.commit()
    ids = [request.advice_request_id for request in sample]
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        query = f"SELECT {', '.join(COLUMNS)} FROM advice_request WHERE advice_request_id = ANY($1::uuid[])"
        stored = {row["advice_request_id"]: dict(row) for row in await connection.fetch(query, ids)}
        for request in sample:
            copied = dict(zip(COLUMNS, row_of(request), strict=True))
            saved = stored[request.advice_request_id]
            same = {name: saved[name] == copied[name] for name in COLUMNS}
            same["state"] = json.loads(saved["state"]) == json.loads(copied["state"])
            wrong = [name for name, alike in same.items() if not alike]
            if wrong:
                raise SystemExit(f"the copied rows differ from the repository's in {', '.join(wrong)}")
        await connection.execute("DELETE FROM advice_request WHERE advice_request_id = ANY($1::uuid[])", ids)
    finally:
        await connection.close()


@dataclass(frozen=True)
class Held:
    """What the database holds after the load, as counted by SQL on its own."""

    requests: int
    open: int
    overdue: int
    clock_stopped: int
    submitted: int
    on_time: int
    cancelled: int
    unrouted: int
    dco_requests: int
    lead_requests: int
    table_mib: float
    postgres_version: str


async def settled(url: str, today: date) -> Held:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await connection.execute("VACUUM ANALYZE")
        await connection.execute("CHECKPOINT")  # the load's writes flushed now, not while the reads are timed
        counted = await connection.fetchrow(
            """
            SELECT count(*) AS requests, count(*) FILTER (WHERE is_open) AS open,
                   count(*) FILTER (WHERE is_open AND stopped_since IS NULL AND running_due_on < $1) AS overdue,
                   count(*) FILTER (WHERE is_open AND stopped_since IS NOT NULL) AS clock_stopped,
                   count(*) FILTER (WHERE submitted_on IS NOT NULL) AS submitted,
                   count(*) FILTER (WHERE on_time) AS on_time,
                   count(*) FILTER (WHERE status = 'cancelled') AS cancelled,
                   count(*) FILTER (WHERE team_id IS NULL) AS unrouted,
                   count(*) FILTER (WHERE icb = $2) AS dco_requests,
                   count(*) FILTER (WHERE team_id = $3 OR provider_organisation = $4) AS lead_requests
            FROM advice_request
            """,
            today, DCO_ICB, area_team(DCO_ICB, LEAD_LA), trust(DCO_ICB, "B"),
        )  # fmt: skip
        size = await connection.fetchval("SELECT pg_total_relation_size('advice_request')")
        version = await connection.fetchval("SHOW server_version")
        return Held(**dict(counted), table_mib=size / 2**20, postgres_version=str(version))
    finally:
        await connection.close()


# -- 2. the reads ------------------------------------------------------------------------------------------------

Call = Callable[[int], Awaitable[object]]


ByCallers = dict[int, Timings]


async def measured(call: Call, args: argparse.Namespace) -> ByCallers:
    """After a warm-up, ``--calls`` calls from one caller (the call's own latency), then from ``--callers``
    concurrent callers (sharing this process's event loop, as the requests to one API process do). Each batch
    starts with the garbage of the one before collected, so that its pauses count against the calls that made
    it (as in an API process, a call's own garbage may still pause the calls after it)."""
    await timed_calls(call, args.callers * 4, args.callers)
    found = {}
    for callers in sorted({1, args.callers}):
        gc.collect()
        found[callers] = await timed_calls(call, args.calls, callers)
    return found


@dataclass(frozen=True)
class Viewed:
    """One viewer's calls: what each query answered once (rows, or requests counted), and its timings."""

    answered: dict[str, int]
    timings: dict[str, ByCallers]


def dashboard_calls(
    service: HealthAdviceService, signed_in: Principal, viewer: dashboard.Viewer, today: date, picks: list[UUID]
) -> dict[str, tuple[Call, Callable[[object], int]]]:
    """Each query as a page calls it, and how to count what it answered."""
    uow = service.unit_of_work
    since = today - PERFORMANCE_YEAR
    export = CsvFilters(requesting_la=LEAD_LA, received_from=today - timedelta(days=EXPORT_DAYS))

    def share(by: ShareBy) -> Call:
        return lambda _: dashboard.share_within_limit(viewer, by, uow=uow(), since=since)

    def rows(answer: object) -> int:
        assert isinstance(answer, list)
        return len(answer)

    def answered(answer: object) -> int:
        assert isinstance(answer, list)
        return sum(getattr(one, "requests", 0) + getattr(one, "answered", 0) for one in answer)

    return {
        "viewer_for (every page)": (lambda _: dashboard.viewer_for(signed_in, uow=uow()), lambda _: 1),
        f"open_requests (first {LIST_LIMIT + 1})": (
            lambda _: dashboard.open_requests(viewer, today, uow=uow(), limit=LIST_LIMIT + 1), rows),
        f"overdue (first {LIST_LIMIT + 1})": (
            lambda _: dashboard.overdue(viewer, today, uow=uow(), limit=LIST_LIMIT + 1), rows),
        "timeline": (lambda index: dashboard.timeline(viewer, picks[index % len(picks)], today=today, uow=uow()),
                     lambda _: 1),
        "turnaround_distribution (last year)": (
            lambda _: dashboard.turnaround_distribution(viewer, since, uow=uow()), answered),
        "share_within_limit by team (last year)": (share("team"), answered),
        "share_within_limit by la (last year)": (share("la"), answered),
        "share_within_limit by month (last year)": (share("month"), answered),
        f"csv_lines (LA {LEAD_LA}, received in the last {EXPORT_DAYS} days)": (
            lambda _: read_to_end(dashboard.csv_lines(viewer, export, today=today, uow=uow())),
            lambda answer: rows(answer) - 1),
    }  # fmt: skip


async def read_to_end(chunks: AsyncIterator[list[str]]) -> list[str]:
    """The export as the page streams it: every chunk of CSV lines read."""
    return [line async for chunk in chunks for line in chunk]


async def view(
    service: HealthAdviceService, signed_in: Principal, today: date, picks: list[UUID], args: argparse.Namespace
) -> Viewed:
    viewer = await dashboard.viewer_for(signed_in, uow=service.unit_of_work())
    answered: dict[str, int] = {}
    timings: dict[str, ByCallers] = {}
    for name, (call, count) in dashboard_calls(service, signed_in, viewer, today, picks).items():
        answered[name] = count(await call(0))
        timings[name] = await measured(call, args)
    return Viewed(answered, timings)


async def raw_queries(url: str, today: date, picks: list[UUID], args: argparse.Namespace) -> dict[str, ByCallers]:
    """The same table read by asyncpg alone: no ORM, no unit of work, a connection held by each caller."""
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=args.callers, max_size=args.callers)
    assert pool is not None
    since = today - PERFORMANCE_YEAR
    queries: dict[str, Call] = {
        "primary-key SELECT of a request's snapshot": lambda index: pool.fetchval(
            "SELECT state FROM advice_request WHERE advice_request_id = $1", picks[index % len(picks)]
        ),
        f"aggregate: {DCO_ICB}'s answered and on time, last year": lambda _: pool.fetchrow(
            "SELECT count(*), count(*) FILTER (WHERE on_time) FROM advice_request "
            "WHERE icb = $1 AND submitted_on >= $2",
            DCO_ICB, since,
        ),
    }  # fmt: skip
    try:
        return {name: await measured(call, args) for name, call in queries.items()}
    finally:
        await pool.close()


async def picked(url: str, where: str, *values: object, count: int = 500) -> list[UUID]:
    """Requests a viewer may open, spread over its whole list."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await connection.fetch(
            f"SELECT advice_request_id FROM advice_request WHERE {where} ORDER BY md5(advice_request_id::text) "
            f"LIMIT {count}",
            *values,
        )
        return [row["advice_request_id"] for row in rows]
    finally:
        await connection.close()


@dataclass(frozen=True)
class Figures:
    held: Held
    seeded: int
    seed_seconds: float
    dco: Viewed
    lead: Viewed
    raw: dict[str, ByCallers]


async def dashboard_figures(url: str, bootstrap_servers: str, args: argparse.Namespace) -> Figures:
    await ensure_database(url)
    await upgrade_to_head("pathfinder.health_advice:migrations", url)
    today = london_date(datetime.now(UTC))
    settings = HealthAdviceSettings(database_url=url, database_pool_size=args.callers)
    service = bootstrap(settings, KafkaSettings(bootstrap_servers=bootstrap_servers))
    try:
        await seed_routing(service)
        await same_as_the_repository(service, url, args.seed, today)
        seeded, seed_seconds = await seed(url, args.requests, args.seed, today)
        held = await settled(url, today)
        dco_picks = await picked(url, "icb = $1", DCO_ICB)
        lead_team = area_team(DCO_ICB, LEAD_LA)
        lead_picks = await picked(url, "team_id = $1", lead_team)
        dco = principal(OrganisationRole.ICB, DCO_ICB, Scope.ADVICE_READ, Scope.ADVICE_SUBMIT, kind="person",
                        subject=f"dco-{DCO_ICB.lower()}")  # fmt: skip
        lead = principal(OrganisationRole.NHS_TRUST, teams()[lead_team].provider_organisation, Scope.ADVICE_READ,
                         Scope.ADVICE_SUBMIT, kind="person", subject=lead_subject(lead_team))  # fmt: skip
        gc.collect()
        gc.freeze()  # as every API process does once it has started (pathfinder.web.server)
        by_dco = await view(service, dco, today, dco_picks, args)
        by_lead = await view(service, lead, today, lead_picks, args)
        raw = await raw_queries(url, today, dco_picks, args)
    finally:
        await service.engine.dispose()
    return Figures(held, seeded, seed_seconds, by_dco, by_lead, raw)


# -- the table ---------------------------------------------------------------------------------------------------


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def callers_named(callers: int) -> str:
    return f"{callers} caller{'s' if callers > 1 else ''}"


def timing_rows(who: str, query: str, timings: ByCallers) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for callers, measured in timings.items():
        name = f"[{who}, {callers_named(callers)}] {query}"
        rows += [
            (f"{name} calls/s", f"{measured.per_second:,.0f}"),
            (f"{name} p50 (ms)", f"{measured.percentile_ms(50):,.1f}"),
            (f"{name} p95 (ms)", f"{measured.percentile_ms(95):,.1f}"),
            (f"{name} p99 (ms)", f"{measured.percentile_ms(99):,.1f}"),
        ]
    return rows


def viewer_rows(who: str, viewed: Viewed) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for query, timings in viewed.timings.items():
        rows.append((f"[{who}] {query}: rows or requests counted", f"{viewed.answered[query]:,}"))
        rows += timing_rows(who, query, timings)
    return rows


def held_rows(held: Held, figures: Figures) -> list[tuple[str, str]]:
    return [
        ("[data] advice requests (10 ICBs, 40 LAs, 3 years)", f"{held.requests:,}"),
        ("[data] open / of them overdue / clock stopped", f"{held.open:,} / {held.overdue:,} / {held.clock_stopped:,}"),
        ("[data] submitted / of them on time", f"{held.submitted:,} / {held.on_time:,}"),
        ("[data] cancelled / unrouted", f"{held.cancelled:,} / {held.unrouted:,}"),
        (f"[data] the DCO's requests (all of ICB {DCO_ICB}'s)", f"{held.dco_requests:,}"),
        (f"[data] the team lead's requests (team {area_team(DCO_ICB, LEAD_LA)})", f"{held.lead_requests:,}"),
        ("[data] advice_request with its indexes and TOAST (MiB)", f"{held.table_mib:,.0f}"),
        ("[data] seeding: rows copied", f"{figures.seeded:,}"),
        ("[data] seeding: s (driven step by step, then copied)", f"{figures.seed_seconds:,.1f}"),
    ]  # fmt: skip


def verdict(figures: Figures, args: argparse.Namespace) -> list[tuple[str, str]]:
    """For one caller and for all of them: how many of the dashboard's queries kept p99 under the target, and
    those that did not."""
    rows: list[tuple[str, str]] = []
    for callers in sorted({1, args.callers}):
        p99s = [
            (f"[{who}, {callers_named(callers)}] {query}", timings[callers].percentile_ms(99))
            for who, viewed in (("DCO", figures.dco), ("team lead", figures.lead))
            for query, timings in viewed.timings.items()
        ]
        over = f"p99 over {TARGET_MS:.0f} ms:"
        missed = [(f"{over} {name} (ms)", f"{p99:,.1f}") for name, p99 in p99s if p99 >= TARGET_MS]
        target = f"dashboard queries with p99 under {TARGET_MS:.0f} ms, {callers_named(callers)}"
        rows += [(target, f"{len(p99s) - len(missed)} of {len(p99s)}"), *missed]
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000, help="advice requests generated")
    parser.add_argument("--calls", type=int, default=200, help="calls timed of each query, for each viewer")
    parser.add_argument("--callers", type=int, default=4, help="concurrent callers")
    parser.add_argument("--seed", type=int, default=20261208)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="pathfinder-bench-") as state:
        async with benchmark_servers(Path(state)) as servers:
            url = servers.postgres.url("bench_health_advice")
            figures = await dashboard_figures(url, servers.broker.bootstrap_servers, args)
    pg_rate, kafka_rate = servers.raw_postgres_rate, servers.raw_kafka_rate
    held = figures.held
    rows = [
        ("machine: cores / memory (GiB)", f"{cores} / {memory_gib():.1f}"),
        ("machine: load average (1 min) before / after the run", f"{load_before:.1f} / {os.getloadavg()[0]:.1f}"),
        ("machine: Python / PostgreSQL", f"{platform.python_version()} / {held.postgres_version}"),
        ("raw PostgreSQL transactions/s (16 connections, 2 inserts)", f"{pg_rate:,.0f}"),
        ("raw aiokafka produce-to-consume records/s (300 B)", f"{kafka_rate:,.0f}"),
        *held_rows(held, figures),
        *(row for name, timings in figures.raw.items() for row in timing_rows(RAW, name, timings)),
        *viewer_rows("DCO", figures.dco),
        *viewer_rows("team lead", figures.lead),
        *verdict(figures, args),
    ]  # fmt: skip
    print_figures(rows)


if __name__ == "__main__":
    asyncio.run(main())
