"""Consumer groups on the broker: the offsets a time stands for, a group rewound to it, and each group's lag,
through :mod:`pathfinder.messaging.group_offsets` (correct on Apache Kafka, guarded against the embedded
broker's faults)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from aiokafka import TopicPartition
from pathfinder.event_history.domain.refusals import GroupInUse
from pathfinder.event_history.domain.replay import InvalidReplay
from pathfinder.event_history.domain.replay_plan import PartitionCount
from pathfinder.event_history.service_layer.ports import PartitionLag
from pathfinder.messaging.group_offsets import GroupHasLiveMembers, group_lag, rewind_group
from pathfinder.messaging.log_reader import LogReader, UnknownTopic, offsets_at
from pathfinder.messaging.settings import KafkaSettings


class KafkaConsumerGroups:
    def __init__(self, kafka: KafkaSettings) -> None:
        self._kafka = kafka

    async def offsets_at(self, topics: Sequence[str], at: datetime) -> list[PartitionCount]:
        async with LogReader(self._kafka) as reader:
            partitions = _partitions(reader, topics)
            bounds = await reader.bounds(partitions)
        found = await offsets_at(self._kafka, partitions, at)
        # The records a rewound group reads again: from the offset to the end of the log (on the broker, not the
        # archive: a group may read a topic the archive does not keep, such as an LA's own topic).
        return [PartitionCount(one.topic, one.partition, max(0, bounds[one].end - offset), offset)
                for one, offset in found.items()]  # fmt: skip

    async def rewind(self, group: str, topics: Sequence[str], at: datetime) -> list[PartitionCount]:
        async with LogReader(self._kafka) as reader:
            _partitions(reader, topics)  # refuses a topic the broker does not have, before the group is touched
        try:
            found = await rewind_group(self._kafka, group, topics, at)
        except GroupHasLiveMembers as busy:
            raise GroupInUse(
                f"Consumer group {group} has {len(busy.members)} live member(s): stop the group's consumers (scale "
                "its worker to zero), rewind it, then start them again. A live member would carry on from its own "
                "position and overwrite the rewound offsets."
            ) from busy
        return [PartitionCount(one.topic, one.partition, 0, offset) for one, offset in found.items()]

    async def lag(self, groups: Mapping[str, Sequence[str]]) -> list[PartitionLag]:
        async with LogReader(self._kafka) as reader:
            existing = {topic for topic in _all(groups.values()) if _exists(reader, topic)}
        lags: list[PartitionLag] = []
        for group, topics in sorted(groups.items()):
            read = sorted(set(topics) & existing)  # a topic nobody has published to yet has no lag
            if not read:
                continue
            for one in await group_lag(self._kafka, group, read):
                lags.append(PartitionLag(group, one.topic, one.partition, one.committed, one.end, one.lag))
        return lags


def _all(topic_lists: Iterable[Sequence[str]]) -> set[str]:
    return {topic for topics in topic_lists for topic in topics}


def _exists(reader: LogReader, topic: str) -> bool:
    try:
        reader.partitions([topic])
    except UnknownTopic:
        return False
    return True


def _partitions(reader: LogReader, topics: Sequence[str]) -> list[TopicPartition]:
    try:
        return reader.partitions(topics)
    except UnknownTopic as unknown:
        raise InvalidReplay(f"The broker has no such topic: {unknown}. Give --topic with a topic it has.") from None
