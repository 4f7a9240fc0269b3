"""A reader's check that a partition's log was replaced: a relay epoch other than the first one seen on the
partition sends the reader back to the partition's start, once; records with no epoch, or the known one, do not."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, TopicPartition
from pathfinder.messaging.envelope import EPOCH_HEADER
from pathfinder.messaging.partition_reading import log_was_replaced

PARTITION = TopicPartition("pathfinder.notifications.early-years", 1)
OTHER = TopicPartition("pathfinder.notifications.early-years", 2)


@dataclass
class SeekingConsumer:
    sought: list[tuple[TopicPartition, int]] = field(default_factory=list)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.sought.append((partition, offset))


@dataclass(frozen=True)
class Record:
    headers: tuple[tuple[str, bytes], ...]


def records(*epochs: str | None) -> list[Any]:
    return [Record(((EPOCH_HEADER, epoch.encode()),) if epoch else ()) for epoch in epochs]


def test_a_new_epoch_after_the_first_sends_the_reader_back_to_the_start_once() -> None:
    consumer, seen = SeekingConsumer(), dict[TopicPartition, set[str]]()
    reader = cast(AIOKafkaConsumer, consumer)

    assert not log_was_replaced(reader, PARTITION, records("a", None, "a"), seen)
    assert not log_was_replaced(reader, OTHER, records("b"), seen), "each partition has its own first epoch"
    assert consumer.sought == []

    assert log_was_replaced(reader, PARTITION, records("a", "b"), seen)
    assert consumer.sought == [(PARTITION, 0)]
    assert not log_was_replaced(reader, PARTITION, records("a", "b"), seen), "read again: both epochs known"
    assert consumer.sought == [(PARTITION, 0)]


def test_records_without_an_epoch_never_replace_the_log() -> None:
    consumer, seen = SeekingConsumer(), dict[TopicPartition, set[str]]()
    assert not log_was_replaced(cast(AIOKafkaConsumer, consumer), PARTITION, records(None, None), seen)
    assert consumer.sought == [] and seen == {PARTITION: set()}
