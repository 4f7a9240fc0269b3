"""The health advice dashboard benchmark, scaled down, runs end to end on its own servers, prints every figure it
promises beside the raw PostgreSQL figures of the same run, and leaves no process behind."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "health_advice_dashboard.py"
REQUESTS = 4_000
SCALED_DOWN = ("--requests", str(REQUESTS), "--calls", "20", "--callers", "2")
QUERIES = (
    "viewer_for (every page)",
    "open_requests (first 201)",
    "overdue (first 201)",
    "timeline",
    "turnaround_distribution (last year)",
    "share_within_limit by team (last year)",
    "share_within_limit by la (last year)",
    "share_within_limit by month (last year)",
    "csv_lines (LA 841, received in the last 91 days)",
)
CALLERS = ("1 caller", "2 callers")
MEASURES = ("calls/s", "p50 (ms)", "p95 (ms)", "p99 (ms)")
RAW = (
    "raw PostgreSQL transactions/s (16 connections, 2 inserts)",
    *(
        f"[raw PostgreSQL, asyncpg, {callers}] {query} {measure}"
        for callers in CALLERS
        for query in ("primary-key SELECT of a request's snapshot", "aggregate: QHM's answered and on time, last year")
        for measure in MEASURES
    ),
)
TIMED = tuple(
    f"[{who}, {callers}] {query} {measure}"
    for who in ("DCO", "team lead")
    for callers in CALLERS
    for query in QUERIES
    for measure in MEASURES
)


def figures(printed: str) -> dict[str, str]:
    """The table's rows: a label and its figure, at least two spaces apart."""
    rows = [re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in printed.splitlines()[1:] if line.strip()]
    return {row[0]: row[1] for row in rows if len(row) == 2}


def number(figure: str) -> float:
    return float(figure.replace(",", ""))


def test_the_benchmark_scaled_down_prints_each_query_beside_the_raw_postgres_figures(
    marked_env: dict[str, str], marker: str, wait_for_no_strays: Callable[[str, float], list[str]]
) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), *SCALED_DOWN], env=marked_env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-4000:]
    printed = figures(run.stdout)

    assert number(printed["[data] advice requests (10 ICBs, 40 LAs, 3 years)"]) == REQUESTS
    assert number(printed["[data] seeding: rows copied"]) == REQUESTS
    open_, overdue, stopped = map(number, printed["[data] open / of them overdue / clock stopped"].split("/"))
    submitted, on_time = map(number, printed["[data] submitted / of them on time"].split("/"))
    assert 0 < overdue < open_ < submitted and 0 < on_time < submitted and stopped > 0
    dco = number(printed["[data] the DCO's requests (all of ICB QHM's)"])
    assert 0 < number(printed["[data] the team lead's requests (team qhm-841-community-paediatrics)"]) < dco
    for label in (*RAW, *TIMED):
        assert label in printed, f"{label!r} not printed:\n{run.stdout}"
        assert number(printed[label]) > 0, f"{label}: {printed[label]}"
    for callers in CALLERS:
        within, of = printed[f"dashboard queries with p99 under 100 ms, {callers}"].split(" of ")
        assert int(of) == 2 * len(QUERIES) and 0 <= int(within) <= int(of)
    assert wait_for_no_strays(marker, 15) == []
