"""Sending archived records back to the broker: a replay's batch to its target, dead letters to their consumer
groups' redrive topics. One producer, started on first use. The records are written straight into the
producer's record batches, one open batch per partition in the records' order, and every batch's acknowledgement
is awaited before the call returns: handing the producer one record at a time cost a future and a scheduling
round per record, and held a replay under half of what the same producer sends in whole batches."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple
from uuid import UUID

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder
from pathfinder.contracts.wire import (
    EPOCH_HEADER,
    REPLAY_ID_HEADER,
    REPLAY_LA_DELIVERY_TOPIC,
    REPLAY_SUBSCRIPTION_HEADER,
)
from pathfinder.event_history.domain.archived_event import ArchivedEvent, ArchivedRecord
from pathfinder.event_history.domain.replay import ReplayTarget, TargetKind
from pathfinder.messaging.broker import producer_options, track_topics
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


def replayed(records: Iterable[ArchivedRecord], target: ReplayTarget, replay_id: UUID) -> Iterator[Outgoing]:
    """The records that replay ``records`` to ``target``: each its own key, headers and value, naming the replay."""
    if target.kind is TargetKind.CONSUMER_GROUP:
        raise ValueError("a consumer group is rewound, not sent records")
    naming = [(REPLAY_ID_HEADER, str(replay_id).encode())]
    if target.kind is TargetKind.SUBSCRIPTION:
        assert target.subscription_id is not None
        naming.append((REPLAY_SUBSCRIPTION_HEADER, str(target.subscription_id).encode()))
    for record in records:
        headers = [header for header in record.headers if header[0] not in _NOT_REPLAYED]
        headers += naming
        if target.kind is TargetKind.SUBSCRIPTION:
            yield Outgoing(REPLAY_LA_DELIVERY_TOPIC, record.key, headers, record.payload)
        elif target.topic is None:  # back to its own topic: to the partition it was on (what the key chose then)
            yield Outgoing(record.topic, record.key, headers, record.payload, record.partition)
        else:
            yield Outgoing(target.topic, record.key, headers, record.payload)


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
        self._tracked: set[str] = set()

    async def send(self, records: Sequence[ArchivedRecord], target: ReplayTarget, replay_id: UUID) -> None:
        await self._send_all(replayed(records, target, replay_id))

    async def redrive(self, dead_letters: Sequence[ArchivedEvent]) -> None:
        records = (redrive_record(list(one.headers), one.key, one.payload) for one in dead_letters)
        await self._send_all(Outgoing(*record) for record in records)

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        self._chosen.clear()  # the topics' partitions are read again on the next connection
        self._tracked.clear()
        if producer is not None:
            await producer.stop()

    async def _partition(self, producer: AIOKafkaProducer, record: Outgoing) -> int:
        if record.topic not in self._tracked:
            await track_topics(producer, [record.topic])
            self._tracked.add(record.topic)
        if record.partition is not None:
            return record.partition
        if record.key is None:
            partitions = sorted(await producer.partitions_for(record.topic))
            return int(self._partitioner(None, partitions, partitions))
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
        filling: dict[tuple[str, int], BatchBuilder] = {}
        try:
            for record in records:
                place = (record.topic, await self._partition(producer, record))
                batch = filling.get(place)
                if batch is None:
                    batch = filling[place] = producer.create_batch()
                if batch.append(key=record.key, value=record.value, timestamp=None, headers=record.headers) is None:
                    # Full: it goes now, and the record starts the partition's next batch (a first record always
                    # fits, so a record larger than a batch travels alone).
                    acknowledgements.append(await _sent(producer, batch, place))
                    batch = filling[place] = producer.create_batch()
                    batch.append(key=record.key, value=record.value, timestamp=None, headers=record.headers)
            for place, batch in filling.items():
                acknowledgements.append(await _sent(producer, batch, place))
            filling.clear()
        finally:
            for batch in filling.values():
                batch.close()
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


async def _sent(producer: AIOKafkaProducer, batch: BatchBuilder, place: tuple[str, int]) -> asyncio.Future[Any]:
    batch.close()
    topic, partition = place
    acknowledgement: asyncio.Future[Any] = await producer.send_batch(batch, topic, partition=partition)
    return acknowledgement
