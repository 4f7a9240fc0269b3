"""The EHC statutory clock benchmark, scaled down, runs end to end on its own servers, prints every figure it
promises and leaves no process behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "ehcp_clock.py"
SCALED_DOWN = ("--cases", "20000", "--open-cases", "2000", "--queries", "100")
CORES = os.cpu_count() or 1
ALL_CORES = f"{CORES} process{'es' if CORES > 1 else ''}"
CLOCK = ("cases/s", "limits/s", "early warnings/s")
READS = tuple(
    f"[{way}, {kind}, 16 callers] {measure}"
    for way in ("use case + SQL unit of work", "HTTP GET /open-cases")
    for kind in ("first pages", "deep pages", "filtered pages")
    for measure in ("queries/s", "p50 (ms)", "p95 (ms)", "p99 (ms)")
)
RATES = (
    "raw PostgreSQL transactions/s (16 connections, 2 inserts)",
    "raw aiokafka produce-to-consume records/s (300 B)",
    *(f"[clock, {processes}] {measure}" for processes in ("1 process", ALL_CORES) for measure in CLOCK),
    *READS,
)


def figures(printed: str) -> dict[str, str]:
    """The table's rows: a label and its figure, at least two spaces apart."""
    rows = [re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in printed.splitlines()[1:] if line.strip()]
    return {row[0]: row[1] for row in rows if len(row) == 2}


def number(figure: str) -> float:
    return float(figure.replace(",", ""))


def test_the_benchmark_scaled_down_prints_every_figure_beside_the_raw_rates(
    marked_env: dict[str, str], marker: str, wait_for_no_strays: Callable[[str, float], list[str]]
) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), *SCALED_DOWN], env=marked_env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr[-4000:]
    printed = figures(run.stdout)

    assert number(printed["[clock] cases generated (not timed)"]) == 20_000
    assert number(printed["[open cases] LA 841 open cases"]) == 2_000
    assert number(printed["[open cases] other LAs' open cases"]) == 400
    for label in RATES:
        found = [figure for name, figure in printed.items() if name.startswith(label)]
        assert found, f"{label!r} not printed:\n{run.stdout}"
        assert number(found[0]) > 0, f"{label}: {found[0]}"
    assert wait_for_no_strays(marker, 15) == []
