"""The event history benchmark, scaled down, runs end to end on its own servers: every event produced is
archived and replayed once, and each figure is printed beside the raw Kafka and PostgreSQL limits of the same
run; no process is left behind."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "event_replay.py"
EVENTS = 3_000


def figures(printed: str) -> dict[str, str]:
    rows = [re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in printed.splitlines()[1:] if line.strip()]
    return {row[0]: row[1] for row in rows if len(row) == 2}


def number(figure: str) -> float:
    return float(figure.replace(",", "").rstrip("%"))


def test_the_benchmark_scaled_down_archives_and_replays_every_event_beside_the_raw_limits(
    marked_env: dict[str, str], marker: str, wait_for_no_strays: Callable[[str, float], list[str]]
) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCHMARK), "--events", str(EVENTS), "--batch", "500"],
        env=marked_env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    printed = figures(run.stdout)
    assert printed["events (platform topics of 3 partitions)"].startswith(f"{EVENTS:,} over ")
    assert number(printed["replayed events read back from the target topic"]) == EVENTS
    for label in (
        "raw Kafka: produce records/s (1 aiokafka producer, acks=all, record by record)",
        "raw Kafka: produce records/s (the same, written into whole batches)",
        "raw Kafka: consume records/s (1 aiokafka consumer)",
        "raw PostgreSQL: archive-shaped rows inserted/s (asyncpg, 1,000 a statement)",
        "archive ingest: s until the consumer group event-history.archive had joined",
        "archive ingest events/s, from its first batch",
        "replay events/s (batches of 500, acknowledged)",
        "replay / raw consume (target: at least 50%)",
    ):
        assert number(printed[label]) > 0, f"{label}: {printed.get(label)}\n{run.stdout}"
    assert wait_for_no_strays(marker, 15) == []
