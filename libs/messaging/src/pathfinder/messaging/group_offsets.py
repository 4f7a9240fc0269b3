"""A consumer group's committed offsets: rewinding them to a time, and how far the group is behind.

Offsets are read with ``committed()`` and written by committing through a consumer of the group; the admin
``list_consumer_group_offsets()`` fails on the embedded broker, and ``end_offsets()`` is wrong there (see
:mod:`pathfinder.messaging.log_reader`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import CommitFailedError, GroupIdNotFound, for_code
from pathfinder.messaging.broker import connection_options, consumer_options
from pathfinder.messaging.log_reader import LogReader, offsets_at
from pathfinder.messaging.settings import KafkaSettings

log = logging.getLogger(__name__)

# The shortest session Kafka accepts by default (group.min.session.timeout.ms): how long a stand-in member
# of a group stays listed if it dies before it leaves.
_STAND_IN_SESSION_MS = 6000


class GroupHasLiveMembers(RuntimeError):
    def __init__(self, group: str, members: Sequence[str]) -> None:
        self.group = group
        self.members = list(members)
        super().__init__(
            f"consumer group {group!r} has {len(self.members)} live member(s): stop its consumers, then rewind it "
            "(a live member would go on from its own position and overwrite the rewound offsets)"
        )


@dataclass(frozen=True, slots=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group never committed an offset here
    end: int  # the high watermark
    lag: int  # records the group has still to read: from its committed offset, or the log's start


async def group_members(kafka: KafkaSettings, group: str) -> list[str]:
    """The member ids the broker lists for the group (none when the group is empty or unknown)."""
    admin = AIOKafkaAdminClient(client_id=f"{group}-members", **connection_options(kafka))
    await admin.start()
    try:
        responses = await admin.describe_consumer_groups([group])
    finally:
        await admin.close()
    members: list[str] = []
    for response in responses:
        for error_code, _group, _state, _protocol_type, _protocol, listed, *_ in response.groups:
            error = for_code(error_code)
            if error_code and error is not GroupIdNotFound:
                raise error(f"describing consumer group {group!r}")
            members.extend(str(member[0]) for member in listed)
    return members


async def rewind_group(
    kafka: KafkaSettings, group: str, topics: Iterable[str], at: datetime, *, stand_in_timeout_seconds: float = 60.0
) -> dict[TopicPartition, int]:
    """Set ``group``'s committed offsets on every partition of ``topics`` to the first offset at or after ``at``
    (the end where there is none: nothing is replayed), so that its next consumer reads from there.

    Refused with :class:`GroupHasLiveMembers` while the group has members: Kafka takes offsets committed from
    outside a group only while it is empty. The embedded broker keeps listing a member that stopped without
    leaving until the group next rebalances, so there a stand-in member joins to make it rebalance: members
    that are gone are dropped after their session timeout, live ones rejoin (the rewind is refused, and they
    have seen one rebalance). Returns the offsets set.
    """
    members = await group_members(kafka, group)
    if members and kafka.profile != "embedded":
        raise GroupHasLiveMembers(group, members)
    async with LogReader(kafka) as reader:
        partitions = reader.partitions(topics)
    offsets = await offsets_at(kafka, partitions, at)
    if not offsets:
        return offsets
    if members:
        await _commit_as_only_member(kafka, group, offsets, stand_in_timeout_seconds)
    else:
        await _commit_from_outside(kafka, group, offsets)
    log.info("consumer group rewound", extra={"group": group, "at": at.isoformat(), "partitions": len(offsets)})
    return offsets


async def group_lag(kafka: KafkaSettings, group: str, topics: Iterable[str]) -> list[PartitionLag]:
    """How far ``group`` is behind on each partition of ``topics``: the high watermark of a fetch minus the
    group's committed offset (or minus the log's start where it committed none)."""
    async with LogReader(kafka) as reader:
        partitions = reader.partitions(topics)
        committed = await _committed(kafka, group, partitions)  # before the ends, which only grow
        bounds = await reader.bounds(partitions)
    lags = []
    for partition in partitions:
        read_to = committed[partition]
        end = bounds[partition].end
        behind = end - (bounds[partition].start if read_to is None else read_to)
        lags.append(PartitionLag(partition.topic, partition.partition, read_to, end, max(behind, 0)))
    return lags


async def _committed(
    kafka: KafkaSettings, group: str, partitions: Sequence[TopicPartition]
) -> dict[TopicPartition, int | None]:
    consumer = _outside_consumer(kafka, group)
    await consumer.start()
    try:
        consumer.assign(list(partitions))
        return {partition: await consumer.committed(partition) for partition in partitions}
    finally:
        await consumer.stop()


async def _commit_from_outside(kafka: KafkaSettings, group: str, offsets: Mapping[TopicPartition, int]) -> None:
    consumer = _outside_consumer(kafka, group)
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        try:
            await consumer.commit(dict(offsets))
        except CommitFailedError as error:  # a member joined since we looked
            raise GroupHasLiveMembers(group, await group_members(kafka, group)) from error
    finally:
        await consumer.stop()


async def _commit_as_only_member(
    kafka: KafkaSettings, group: str, offsets: Mapping[TopicPartition, int], timeout_seconds: float
) -> None:
    topics = sorted({partition.topic for partition in offsets})
    me = f"{group}-rewind-{uuid4().hex[:8]}"  # brokers make a member id from the client id
    stand_in = AIOKafkaConsumer(
        *topics, client_id=me, **consumer_options(kafka, group, session_timeout_ms=_STAND_IN_SESSION_MS)
    )
    await stand_in.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_seconds
        while (assigned := set(stand_in.assignment())) != set(offsets):
            if assigned:  # the group has rebalanced with us in it: whoever else is listed now is live
                others = [member for member in await group_members(kafka, group) if not member.startswith(me)]
                if others:
                    raise GroupHasLiveMembers(group, others)
            if loop.time() > deadline:
                raise TimeoutError(f"could not take over consumer group {group!r} within {timeout_seconds} s")
            await asyncio.sleep(0.2)
        try:
            await stand_in.commit(dict(offsets))
        except CommitFailedError as error:
            raise GroupHasLiveMembers(group, await group_members(kafka, group)) from error
    finally:
        await stand_in.stop()


def _outside_consumer(kafka: KafkaSettings, group: str) -> AIOKafkaConsumer:
    """A consumer carrying the group's id that never joins it (its partitions are assigned by hand)."""
    return AIOKafkaConsumer(
        client_id=f"{group}-offsets", group_id=group, enable_auto_commit=False, **connection_options(kafka)
    )
