"""``pathfinder-event-history``: the archive's administration, from a terminal.

    pathfinder-event-history gap-check                     every archived topic, and the outboxes configured
    pathfinder-event-history gap-check --topic pathfinder.ehcp.lifecycle --settle-seconds 0

The gap check reads each archived topic from its first record to its high watermark, and the published rows of
each service's outbox named in PATHFINDER_EVENT_HISTORY_GAP_CHECK_OUTBOX_URLS (read-only database URLs, JSON by
service name), and prints every event the archive lacks; it exits 1 when it found any. It uses
PATHFINDER_EVENT_HISTORY_DATABASE_URL and the broker of PATHFINDER_KAFKA_*.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from typing import TextIO

from pathfinder.event_history.bootstrap import EventHistoryService, bootstrap
from pathfinder.event_history.domain.gaps import GapReport, SourceGaps
from pathfinder.event_history.service_layer.gap_check import check_gaps
from pathfinder.event_history.settings import EventHistorySettings


async def gap_check(service: EventHistoryService, args: argparse.Namespace) -> GapReport:
    settle = service.settings.gap_check_settle_seconds if args.settle_seconds is None else args.settle_seconds
    return await check_gaps(
        archived=service.archived_topics, scanner=service.topic_scanner(), outboxes=service.outboxes(),
        unit_of_work=service.unit_of_work, settled_before=datetime.now(UTC) - timedelta(seconds=settle),
        only_topics=tuple(args.topic or ()),
    )  # fmt: skip


def print_report(report: GapReport, out: TextIO) -> None:
    def lines(kind: str, gaps: SourceGaps) -> None:
        unidentified = f", {gaps.unidentified} with no id to compare" if gaps.unidentified else ""
        print(f"{kind} {gaps.source}: {gaps.checked} checked, {len(gaps.missing)} missing{unidentified}", file=out)
        for one in gaps.missing:
            where = f" partition {one.partition} offset {one.offset}" if one.partition is not None else ""
            print(f"  missing {one.event_id} on {one.topic}{where}", file=out)

    for gaps in report.topics:
        lines("topic", gaps)
    for gaps in report.outboxes:
        lines("outbox of", gaps)
    print(f"{report.missing} event(s) missing from the archive", file=out)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pathfinder-event-history", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True)
    gaps = commands.add_parser("gap-check", help="what the topics and outboxes hold that the archive lacks")
    gaps.add_argument("--topic", action="append", help="check only this topic (repeat for several)")
    gaps.add_argument("--settle-seconds", type=float, help="leave out what was published this recently")
    return top


async def run(argv: list[str], out: TextIO) -> int:
    args = parser().parse_args(argv)
    service = bootstrap(EventHistorySettings())
    try:
        report = await gap_check(service, args)
    finally:
        await service.engine.dispose()
    print_report(report, out)
    return 1 if report.missing else 0


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    return asyncio.run(run(sys.argv[1:] if argv is None else argv, out or sys.stdout))


if __name__ == "__main__":
    sys.exit(main())
