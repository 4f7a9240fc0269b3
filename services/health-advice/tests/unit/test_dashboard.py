"""The dashboard's figures on the hand-worked data set (health_advice_kit.dataset), as each viewer sees them."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from health_advice_kit.builders import dco, exported, la, trust
from health_advice_kit.dataset import TODAY, build, request_id
from health_advice_kit.fakes import FakeAdviceStore
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal
from pathfinder.health_advice.domain.clock import Rag
from pathfinder.health_advice.service_layer import dashboard
from pathfinder.health_advice.service_layer.advice_requests import AdviceRequestNotFound
from pathfinder.health_advice.service_layer.dashboard import Viewer
from pathfinder.health_advice.service_layer.views import CSV_HEADER, CsvFilters, ShareBy


@pytest.fixture
async def store() -> FakeAdviceStore:
    made = FakeAdviceStore()
    await build(made.unit_of_work)
    return made


def ids(*letters: str) -> list[object]:
    return [request_id(letter) for letter in letters]


async def test_the_dco_sees_the_icbs_open_requests_by_due_date(store: FakeAdviceStore) -> None:
    lines = await dashboard.open_requests(Viewer(dco("QHM")), TODAY, uow=store.unit_of_work())
    assert [line.advice_request_id for line in lines] == ids("D", "G", "F", "E")
    assert [(line.due_on, line.days_left, line.rag, line.clock_stopped) for line in lines] == [
        (date(2026, 2, 21), -9, Rag.RED, False),
        (date(2026, 3, 9), 7, Rag.AMBER, True),
        (date(2026, 3, 15), 13, Rag.AMBER, False),
        (date(2026, 4, 3), 32, Rag.GREEN, False),
    ]
    assert (lines[2].team_id, lines[2].team_kind, lines[2].requesting_la) == (
        "qhm-805-paeds",
        "community-paediatrics",
        "805",
    )
    overdue = await dashboard.overdue(Viewer(dco("QHM")), TODAY, uow=store.unit_of_work())
    assert [line.advice_request_id for line in overdue] == ids("D")


async def test_each_viewer_sees_only_its_own(store: FakeAdviceStore) -> None:
    async def open_ids(viewer: Viewer) -> list[object]:
        return [
            line.advice_request_id for line in await dashboard.open_requests(viewer, TODAY, uow=store.unit_of_work())
        ]

    assert await open_ids(Viewer(dco("QHL"))) == ids("H")
    assert await open_ids(Viewer(trust("RVW"))) == ids("F")
    assert await open_ids(Viewer(la("805"))) == ids("F")
    lead = principal(OrganisationRole.NHS_TRUST, "RX3", Scope.ADVICE_READ, kind="person", subject="lead-1")
    assert await open_ids(Viewer(lead, frozenset({"qhm-805-paeds"}))) == ids("F")
    assert await open_ids(Viewer(dco("QHM", Scope.ADVICE_SUBMIT))) == []  # no advice:read


async def test_turnaround_is_bucketed_by_days_to_submit(store: FakeAdviceStore) -> None:
    buckets = await dashboard.turnaround_distribution(Viewer(dco("QHM")), date(2025, 1, 1), uow=store.unit_of_work())
    assert [(bucket.label, bucket.requests) for bucket in buckets] == [
        ("0-14", 1), ("15-28", 0), ("29-42", 1), ("43-56", 2), ("57-84", 0), ("85+", 1),
    ]  # fmt: skip
    this_year = await dashboard.turnaround_distribution(Viewer(dco("QHM")), date(2026, 1, 1), uow=store.unit_of_work())
    assert [bucket.requests for bucket in this_year] == [1, 0, 1, 2, 0, 0]


async def test_the_share_within_the_limit_by_team_la_and_month(store: FakeAdviceStore) -> None:
    viewer = Viewer(dco("QHM"))

    async def shares(by: ShareBy) -> list[tuple[str, int, int, float]]:
        rows = await dashboard.share_within_limit(viewer, by, uow=store.unit_of_work())
        return [(row.key, row.answered, row.on_time, row.share) for row in rows]

    assert await shares("team") == [("qhm-805-paeds", 1, 0, 0.0), ("qhm-paeds", 4, 3, 0.75)]
    assert await shares("la") == [("805", 1, 0, 0.0), ("841", 4, 3, 0.75)]
    assert await shares("month") == [("2025-12", 1, 0, 0.0), ("2026-01", 1, 1, 1.0), ("2026-02", 3, 2, 2 / 3)]


async def test_the_timeline_of_one_request(store: FakeAdviceStore) -> None:
    line = await dashboard.timeline(Viewer(dco("QHM")), request_id("C"), today=TODAY, uow=store.unit_of_work())
    assert [(step.step, step.on, step.organisation) for step in line.steps] == [
        ("requested", date(2025, 12, 1), "pathfinder"),
        ("clock-stopped", date(2025, 12, 10), "QHM"),
        ("clock-restarted", date(2025, 12, 20), "QHM"),
        ("accepted", date(2026, 1, 20), "QHM"),
        ("submitted", date(2026, 1, 20), "QHM"),
    ]
    assert (line.due_on, line.on_time, line.turnaround_days, line.rag) == (date(2026, 1, 22), True, 50, None)
    assert [(stop.reason, stop.days) for stop in line.clock_stops] == [("absent-from-area", 10)]
    for outsider in (Viewer(dco("QHL")), Viewer(la("841"))):
        with pytest.raises(AdviceRequestNotFound):
            await dashboard.timeline(outsider, request_id("C"), today=TODAY, uow=store.unit_of_work())


async def test_the_csv_has_a_row_per_request_the_viewer_sees(store: FakeAdviceStore) -> None:
    export = dashboard.csv_lines(Viewer(dco("QHM")), CsvFilters(), today=TODAY, uow=store.unit_of_work())
    chunks = [chunk async for chunk in export]
    assert [len(chunk) for chunk in chunks] == [1, 4, 4, 2]  # the header, then the fake's chunks of 4
    rows = [tuple(row) for row in csv.reader(line for chunk in chunks for line in chunk)]
    assert rows[0] == CSV_HEADER and len(rows) == 11
    by_id = {row[0]: dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]}
    k = by_id[str(request_id("K"))]
    assert (k["status"], k["due_on"], k["on_time"], k["days_late"], k["turnaround_days"], k["days_left"]) == (
        "submitted", "2025-11-12", "no", "49", "91", "",
    )  # fmt: skip
    g = by_id[str(request_id("G"))]
    assert (g["rag"], g["clock_stopped"], g["clock_stop_days"], g["due_on"]) == ("amber", "yes", "6", "2026-03-09")
    only = CsvFilters(requesting_la="805")
    assert (
        len(await exported(dashboard.csv_lines(Viewer(dco("QHM")), only, today=TODAY, uow=store.unit_of_work()))) == 3
    )
