"""Every benchmark in this folder, run one after another, and the page of their figures (docs/performance.md).

    python3 dev.py benchmarks [--quick] [--only NAME ... [--keep-others]] [--output PATH]

Each benchmark runs in its own process, by default at its own default scale, the scale the README's figures were
measured at. ``--quick`` runs each at a small scale that finishes in a minute or two: it shows the benchmarks and
the page work, and measures little. A benchmark hands its table over as JSON (``print_figures`` writes it to the
file named by PATHFINDER_BENCHMARK_FIGURES); one that prints no such table is recorded with what it printed. A
benchmark that fails is recorded as failed with the end of its stderr, the rest still run, and the exit status
is 1.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pathfinder.devstack.benchmarking import FIGURES_FILE_VARIABLE
from pathfinder.devstack.machine import commit, machine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Small enough for a minute or two each on a 2-core machine, as the scaled-down benchmark tests run them.
QUICK: dict[str, tuple[str, ...]] = {
    "backfill": ("--notifications", "5000", "--per-request", "1000", "--wait", "300"),
    "ehcp_clock": ("--cases", "20000", "--open-cases", "2000", "--queries", "100"),
    "end_to_end": ("--events", "300", "--concurrency", "8"),
    "event_replay": ("--events", "3000", "--batch", "500"),
    "health_advice_dashboard": ("--requests", "4000", "--calls", "20", "--callers", "2"),
    "la_delivery": ("--events", "200", "--concurrency", "8", "--rate", "10", "--seconds", "10"),
    "person_matching": ("--people", "2000", "--incoming", "1000"),
    "platform_throughput": (
        "--events",
        "200",
        "--concurrency",
        "8",
        "--rate",
        "10",
        "--seconds",
        "10",
        "--profile-seconds",
        "3",
    ),
}
# Scripts here that a benchmark starts as a process of its own, not benchmarks themselves.
STARTED_BY_BENCHMARKS = frozenset({"trivial_api"})
LIBRARIES = ("aiokafka", "asyncpg", "SQLAlchemy", "fastapi", "uvicorn", "pydantic", "fhir.resources", "httpx")
STDERR_TAIL_LINES = 40


@dataclass(frozen=True)
class Benchmark:
    name: str
    script: Path
    args: tuple[str, ...]

    @property
    def command_line(self) -> str:
        """As typed from the repository's root."""
        return shlex.join([_shown(Path(sys.executable)), _shown(self.script), *self.args])

    @property
    def summary(self) -> str:
        """The first paragraph of the script's docstring, on one line."""
        docstring = ast.get_docstring(ast.parse(self.script.read_text())) or ""
        return " ".join(docstring.split("\n\n")[0].split())


@dataclass(frozen=True)
class Outcome:
    benchmark: Benchmark
    returncode: int
    seconds: float
    load: tuple[float, float]  # 1-minute load average before and after
    figures: list[tuple[str, str]] | None  # None: it printed no table of figures
    printed: str
    errors: str


def _shown(path: Path) -> str:
    absolute = path.absolute()
    return str(absolute.relative_to(ROOT)) if absolute.is_relative_to(ROOT) else path.name


def discovered(folder: Path = HERE) -> dict[str, Path]:
    """Every script in ``folder`` (a module with a ``__main__`` block) but this one and those a benchmark starts."""
    return {
        script.stem: script
        for script in sorted(folder.glob("*.py"))
        if script.resolve() != Path(__file__).resolve()
        and script.stem not in STARTED_BY_BENCHMARKS
        and 'if __name__ == "__main__":' in script.read_text()
    }


def run(benchmark: Benchmark, workdir: Path) -> Outcome:
    figures_file = workdir / f"{benchmark.name}.json"
    env = {**os.environ, FIGURES_FILE_VARIABLE: str(figures_file)}
    print(f"run_all: {benchmark.name}: {benchmark.command_line}", file=sys.stderr, flush=True)
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with (workdir / f"{benchmark.name}.out").open("w+") as out, (workdir / f"{benchmark.name}.err").open("w+") as err:
        process = subprocess.Popen([sys.executable, str(benchmark.script), *benchmark.args], cwd=ROOT, env=env,
                                   stdout=out, stderr=err)  # fmt: skip
        try:
            returncode = process.wait()
        except KeyboardInterrupt:
            process.wait()  # the Ctrl-C reached it too: let it stop its servers
            raise
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        printed, errors = out.read(), err.read()
    figures = None
    if returncode == 0 and figures_file.exists():
        figures = [(row["measure"], row["figure"]) for row in json.loads(figures_file.read_text())]
    print(printed, end="", flush=True)
    verdict = "done" if returncode == 0 else f"FAILED (exit status {returncode})"
    print(f"run_all: {benchmark.name}: {verdict} in {seconds:,.1f} s", file=sys.stderr, flush=True)
    return Outcome(benchmark, returncode, seconds, (load_before, os.getloadavg()[0]), figures, printed, errors)


# -- the page ------------------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(header: tuple[str, str], rows: Sequence[tuple[str, str]]) -> list[str]:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    return lines + [f"| {_cell(label)} | {_cell(figure)} |" for label, figure in rows]


def _section(outcome: Outcome, ran: str) -> list[str]:
    benchmark = outcome.benchmark
    before, after = outcome.load
    lines = [f"## {benchmark.name}", "", benchmark.summary, "", f"- command: `{benchmark.command_line}`", ran]
    took = f"{outcome.seconds:,.1f} s; load average (1 min) {before:.1f} before, {after:.1f} after"
    if outcome.returncode != 0:
        tail = "\n".join(outcome.errors.rstrip().splitlines()[-STDERR_TAIL_LINES:])
        return [*lines, f"- **failed** (exit status {outcome.returncode}) after {took}", "", "```text", tail, "```"]
    lines += [f"- took {took}", ""]
    if outcome.figures is None:
        return [*lines, "It prints no table of figures; what it printed:", "", "```text", outcome.printed.rstrip(),
                "```"]  # fmt: skip
    return lines + _table(("measure", "figure"), outcome.figures)


def kept_sections(earlier: str, names: Sequence[str]) -> dict[str, str]:
    """The sections of ``names`` on an earlier page, as they were, each saying when it ran (pages from before
    sections said so give the page's start)."""
    started = earlier.partition(", started ")[2].partition(" UTC")[0]
    kept = {}
    for section in earlier.split("\n## ")[1:]:
        name, _, body = section.partition("\n")
        if name in names:
            if "\n- ran: " not in body:
                body = body.replace("`\n", f"`\n- ran: in the run started {started} UTC\n", 1)
            kept[name] = f"## {name}\n{body.rstrip()}\n"
    return kept


def page(
    outcomes: Sequence[Outcome], regenerate: str, *, quick: bool, started: datetime, kept: dict[str, str] | None = None
) -> str:
    """``kept``: sections of benchmarks not run this time, from the earlier page, in their place by name."""
    failed = [outcome.benchmark.name for outcome in outcomes if outcome.returncode != 0]
    lines = [
        "# Performance",
        "",
        "Every benchmark in `benchmarks/`, run one after another by one command, which wrote this page:",
        "",
        "```sh",
        regenerate,
        "```",
        "",
        "Run it again to regenerate the page (`--quick`: each benchmark at a small scale; `--only NAME`: some of",
        "them; `--help` says more). The figures are one run on the machine described below, not an average. Each",
        "benchmark prints its figures beside the raw limits that bound them (PostgreSQL, Kafka, and the like),",
        "measured on the same servers in the same run, so compare ratios rather than absolute figures across",
        "machines, as the README's [Performance](../README.md#performance) section explains.",
        "",
    ]
    if quick:
        lines += ["**A quick run** (`--quick`): each benchmark at a small scale, to show that it runs; these figures",
                  "are not the platform's performance.", ""]  # fmt: skip
    else:
        lines += ["Each benchmark ran at its script's default scale, the scale of the README's figures.", ""]
    total = sum(outcome.seconds for outcome in outcomes)
    ran = f"{len(outcomes)} benchmark{'s' * (len(outcomes) != 1)}"
    summary = f"{ran}, started {started:%Y-%m-%d %H:%M} UTC, took {total / 60:,.1f} min"
    lines += [summary + (f"; failed: {', '.join(failed)}." if failed else "; none failed."), ""]
    if kept:
        lines += [f"The sections of {', '.join(sorted(kept))} are kept from earlier runs, each saying when it ran;",
                  "the table below is this run's machine.", ""]  # fmt: skip
    lines += ["## The machine", "", *_table(("", ""), machine(LIBRARIES, ROOT)), ""]
    ran = f"- ran: in this run, at commit {commit(ROOT)}"
    sections = {outcome.benchmark.name: "\n".join(_section(outcome, ran)) for outcome in outcomes} | (kept or {})
    for name in sorted(sections):
        lines += [sections[name].rstrip(), ""]
    return "\n".join(lines)


def write_page(
    benchmarks: Sequence[Benchmark], output: Path, regenerate: str, *, quick: bool, keep: Sequence[str] = ()
) -> int:
    """Run ``benchmarks`` one after another, write the page to ``output`` (with the sections of ``keep`` from
    the page there before); 1 when any failed."""
    started = datetime.now(UTC)
    kept = kept_sections(output.read_text(), keep) if keep and output.exists() else {}
    with tempfile.TemporaryDirectory(prefix="pathfinder-benchmarks-") as workdir:
        outcomes = [run(benchmark, Path(workdir)) for benchmark in benchmarks]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page(outcomes, regenerate, quick=quick, started=started, kept=kept))
    failed = sum(outcome.returncode != 0 for outcome in outcomes)
    print(f"run_all: wrote {output}; {failed} of {len(outcomes)} failed", file=sys.stderr)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    scripts = discovered()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="each benchmark at a small scale (a minute or two)")
    parser.add_argument("--only", action="append", choices=sorted(scripts), metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(sorted(scripts))}")  # fmt: skip
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    parser.add_argument("--keep-others", action="store_true",
                        help="with --only: keep the other benchmarks' sections from earlier runs")  # fmt: skip
    args = parser.parse_args(argv)
    chosen = [name for name in scripts if not args.only or name in args.only]
    if args.quick and (unscaled := [name for name in chosen if name not in QUICK]):
        parser.error(f"no quick scale for {', '.join(unscaled)}: add one to QUICK in {_shown(Path(__file__))}")
    benchmarks = [Benchmark(name, scripts[name], QUICK[name] if args.quick else ()) for name in chosen]
    options = ["--quick"] * args.quick + [part for name in args.only or () for part in ("--only", name)]
    keep = [name for name in scripts if name not in chosen] if args.keep_others and not args.quick else []
    options += ["--keep-others"] * bool(keep)
    try:
        return write_page(benchmarks, args.output, shlex.join(["python3", "dev.py", "benchmarks", *options]),
                          quick=args.quick, keep=keep)  # fmt: skip
    except KeyboardInterrupt:
        print("run_all: interrupted; no page written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
