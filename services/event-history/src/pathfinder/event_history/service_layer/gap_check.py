"""The gap check: every record of every archived topic, from its first to its high watermark, and every
published row of each service's outbox it is given, compared with the archive. What was published within the
settling time is left out: the archive may simply not have taken it in yet."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from pathfinder.event_history.domain.archived_event import archive_id_of
from pathfinder.event_history.domain.gaps import GapReport, Located, SourceGaps
from pathfinder.event_history.domain.topics import ArchiveTopics
from pathfinder.event_history.service_layer.ports import Outboxes, TopicScanner
from pathfinder.event_history.service_layer.unit_of_work import EventHistoryUnitOfWork

UnitOfWorkFactory = Callable[[], EventHistoryUnitOfWork]


async def check_gaps(
    *, archived: ArchiveTopics, scanner: TopicScanner, outboxes: Outboxes, unit_of_work: UnitOfWorkFactory,
    settled_before: datetime, only_topics: Collection[str] = (),
) -> GapReport:  # fmt: skip
    report = GapReport()
    for topic in sorted(await scanner.topics()):
        if not archived.includes(topic) or (only_topics and topic not in only_topics):
            continue
        gaps = SourceGaps(topic)
        async for batch in scanner.records(topic):
            settled = [one for one in batch if one.at is None or one.at < settled_before]
            gaps.checked += len(settled)
            gaps.missing += await _lacking(unit_of_work, settled)
        report.topics.append(gaps)
    for service in outboxes.services():
        gaps = SourceGaps(service)
        async for rows in outboxes.published(service, before=settled_before):
            located = []
            for row in rows:
                if not archived.includes(row.topic) or (only_topics and row.topic not in only_topics):
                    continue
                event_id = archive_id_of(row.headers)
                if event_id is None:
                    gaps.unidentified += 1
                    continue
                located.append(Located(event_id, row.topic, at=row.published_at))
            gaps.checked += len(located)
            gaps.missing += await _lacking(unit_of_work, located)
        report.outboxes.append(gaps)
    return report


async def _lacking(unit_of_work: UnitOfWorkFactory, located: Sequence[Located]) -> list[Located]:
    by_topic: dict[str, list[Located]] = {}
    for one in located:
        by_topic.setdefault(one.topic, []).append(one)
    missing: list[Located] = []
    async with unit_of_work() as uow:
        for topic, ones in by_topic.items():
            lacking = await uow.archive.lacking(topic, {one.event_id for one in ones})
            missing += [one for one in ones if one.event_id in lacking]
    return missing
