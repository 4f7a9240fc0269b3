"""What every reader of the platform's partitions checks for itself, whatever it does with the records: that the
log it reads was not replaced under it, how far behind it is, and committing where it got to.

A broker that lost its log (the embedded broker keeps nothing across a restart) gets it published again by the
outbox relays under a new epoch (:mod:`pathfinder.messaging.epoch`); a reader then reads the partition again from
its start, and its inbox (or the archive's keys) turns the repeats into no-ops.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from pathfinder.messaging.envelope import EPOCH_HEADER, header_value

log = logging.getLogger(__name__)


def log_was_replaced(
    consumer: AIOKafkaConsumer,
    partition: TopicPartition,
    records: Sequence[Any],
    epochs_seen: dict[TopicPartition, set[str]],
) -> bool:
    """True, with the partition sought back to its start, when ``records`` (aiokafka ConsumerRecords) carry a relay
    epoch other than the one first seen on ``partition``: the broker lost the log read before. ``epochs_seen`` is
    the reader's memory of epochs per partition, to be cleared when it leaves the group."""
    seen = epochs_seen.setdefault(partition, set())
    for record in records:
        epoch = header_value(record.headers or (), EPOCH_HEADER)
        if epoch is None or epoch in seen:
            continue
        first_sight = not seen
        seen.add(epoch)
        if not first_sight:
            log.warning("relay epoch changed: reading the partition again", extra={"partition": str(partition)})
            consumer.seek(partition, 0)
            return True
    return False


async def lag_after_fetch(consumer: AIOKafkaConsumer) -> dict[TopicPartition, int]:
    """Each assigned partition's lag: its high watermark from the last fetch response minus our position. Never
    ``end_offsets()``, which the embedded broker answers wrongly. A partition that shrank below our position (its
    log was lost) is sought back to its start and left out."""
    lags: dict[TopicPartition, int] = {}
    for partition in consumer.assignment():
        highwater = consumer.highwater(partition)
        if highwater is None:
            continue
        position = await consumer.position(partition)
        if position > highwater:
            log.warning("partition shrank below our position: reading it again", extra={"partition": str(partition)})
            consumer.seek(partition, 0)
            continue
        lags[partition] = highwater - position
    return lags


async def commit_offsets(consumer: AIOKafkaConsumer, offsets: Mapping[TopicPartition, int], *, group: str) -> None:
    """Commit the next offsets to read. A failure is logged, not raised: the group moved on (a rebalance, a broker
    restart), so whoever reads the partition next starts from the last committed offset, and what we already
    kept or applied is recognised again."""
    if not offsets:
        return
    try:
        await consumer.commit(dict(offsets))
    except (CommitFailedError, IllegalStateError, KafkaError) as error:
        log.warning("offset commit failed", extra={"group": group, "error": repr(error)})
