"""Sending archived records back to the broker: a replay's batch to its target, dead letters to their consumer
groups' redrive topics. One producer, started on first use; a batch is handed to it whole and then every
acknowledgement awaited, so the producer fills its own batches instead of waiting for one record at a time."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple
from uuid import UUID

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from pathfinder.contracts.wire import (
    EPOCH_HEADER,
    REPLAY_ID_HEADER,
    REPLAY_LA_DELIVERY_TOPIC,
    REPLAY_SUBSCRIPTION_HEADER,
)
from pathfinder.event_history.domain.archived_event import ArchivedEvent
from pathfinder.event_history.domain.replay import ReplayTarget, TargetKind
from pathfinder.messaging.broker import producer_options
from pathfinder.messaging.redrive import redrive_record
from pathfinder.messaging.settings import KafkaSettings

# A consumer takes a relay epoch it has not seen on a partition for a log the broker lost, and reads the partition
# again: a replayed record is no publication of the relay, so it carries none. Replay headers of an earlier
# replay are replaced by this one's.
_NOT_REPLAYED = frozenset({EPOCH_HEADER, REPLAY_ID_HEADER, REPLAY_SUBSCRIPTION_HEADER})


class Outgoing(NamedTuple):
    topic: str
    key: bytes | None
    headers: list[tuple[str, bytes]]
    value: bytes | None
    partition: int | None = None  # None: the producer's partitioner picks by key


def replayed(event: ArchivedEvent, target: ReplayTarget, replay_id: UUID) -> Outgoing:
    """The record that replays ``event`` to ``target``: its own key, headers and value, naming the replay."""
    headers = [(name, value) for name, value in event.headers if name not in _NOT_REPLAYED]
    headers.append((REPLAY_ID_HEADER, str(replay_id).encode()))
    if target.kind is TargetKind.SUBSCRIPTION:
        assert target.subscription_id is not None
        headers.append((REPLAY_SUBSCRIPTION_HEADER, str(target.subscription_id).encode()))
        return Outgoing(REPLAY_LA_DELIVERY_TOPIC, event.key, headers, event.payload)
    if target.kind is TargetKind.TOPIC:
        if target.topic is None:  # back to its own topic: to the partition it was on (what the key chose then)
            return Outgoing(event.topic, event.key, headers, event.payload, event.partition)
        return Outgoing(target.topic, event.key, headers, event.payload)
    raise ValueError("a consumer group is rewound, not sent records")


class KafkaReplaySender:
    def __init__(
        self, kafka: KafkaSettings, *, client_id: str = "event-history-replay", linger_ms: int = 20,
        max_batch_size: int = 1024 * 1024,
    ) -> None:  # fmt: skip
        self._options: dict[str, Any] = {
            **producer_options(kafka), "linger_ms": linger_ms, "max_batch_size": max_batch_size,
        }  # fmt: skip
        self._client_id = client_id
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()
        # The partition aiokafka's own partitioner gives a key, kept: a replay sends each child's events many
        # times over, and hashing every record's key in Python was a fifth of a replay's time.
        self._partitioner = DefaultPartitioner()
        self._chosen: dict[tuple[str, bytes], int] = {}

    async def send(self, events: Sequence[ArchivedEvent], target: ReplayTarget, replay_id: UUID) -> None:
        await self._send_all(replayed(event, target, replay_id) for event in events)

    async def redrive(self, dead_letters: Sequence[ArchivedEvent]) -> None:
        records = (redrive_record(list(one.headers), one.key, one.payload) for one in dead_letters)
        await self._send_all(Outgoing(*record) for record in records)

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        self._chosen.clear()  # the topics' partitions are read again on the next connection
        if producer is not None:
            await producer.stop()

    async def _partition(self, producer: AIOKafkaProducer, record: Outgoing) -> int | None:
        if record.partition is not None or record.key is None:
            return record.partition
        chosen = self._chosen.get((record.topic, record.key))
        if chosen is None:
            partitions = sorted(await producer.partitions_for(record.topic))
            chosen = self._partitioner(record.key, partitions, partitions)
            if len(self._chosen) > 1_000_000:
                self._chosen.clear()
            self._chosen[(record.topic, record.key)] = chosen
        return chosen

    async def _send_all(self, records: Iterable[Outgoing]) -> None:
        producer = await self._started()
        acknowledgements: list[asyncio.Future[Any]] = []
        try:
            for record in records:
                acknowledgements.append(
                    await producer.send(
                        record.topic,
                        value=record.value,
                        key=record.key,
                        headers=record.headers,
                        partition=await self._partition(producer, record),
                    )
                )
        finally:
            # Every acknowledgement is awaited, even after a failure, so that none is left unread.
            outcomes = await asyncio.gather(*acknowledgements, return_exceptions=True)
        failed = next((outcome for outcome in outcomes if isinstance(outcome, BaseException)), None)
        if failed is not None:
            await self.close()  # the next batch starts on a fresh connection
            raise failed

    async def _started(self) -> AIOKafkaProducer:
        async with self._starting:
            if self._producer is None:
                producer = AIOKafkaProducer(client_id=self._client_id, **self._options)
                await producer.start()
                self._producer = producer
            return self._producer
