"""A replay's shards: its slice split by partition key, each part sent in archive order after a cursor of its own,
so that several processes send one replay at once while each child's events (one key) stay in one shard, in order.

A record's shard is a hash of its partition key (of its topic and partition when it has none: such records have no
order but their partition's), reduced modulo the number of shards: the first 28 bits of the key's MD5, as
PostgreSQL computes it too when it reads a shard's records (``adapters/archive_replays.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from pathfinder.event_history.domain.archived_event import ArchivedRecord

MAX_SHARDS = 64


def shard_of(key: bytes | None, topic: str, partition: int, count: int) -> int:
    """The shard, of ``count``, that a record with this key (on this topic and partition) belongs to."""
    if count == 1:
        return 0
    hashed = key if key is not None else f"{topic}:{partition}".encode()
    return int(hashlib.md5(hashed, usedforsecurity=False).hexdigest()[:7], 16) % count


@dataclass(frozen=True, slots=True)
class Shard:
    """Which part of a replay's slice a batch is read from: the records whose key falls to ``index`` of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count <= MAX_SHARDS:
            raise ValueError(f"shard {self.index} of {self.count}")

    def holds(self, key: bytes | None, topic: str, partition: int) -> bool:
        return shard_of(key, topic, partition, self.count) == self.index


WHOLE = Shard(0, 1)


class ReplayBatch(list[ArchivedRecord]):
    """A shard's next records in archive order, and how far they reach: every record of the shard after the
    cursor and up to ``through`` is among them, so the shard's cursor moves to ``through`` once they are
    acknowledged."""

    def __init__(self, records: Iterable[ArchivedRecord], through: int) -> None:
        super().__init__(records)
        self.through = through


@dataclass(frozen=True, slots=True)
class ShardProgress:
    """How far one shard of a replay has got: ``cursor`` is the last archive position up to which every record of
    the shard was sent and acknowledged; ``done`` once it reached the replay's end."""

    index: int
    cursor: int = 0
    sent: int = 0
    done: bool = False
    updated_at: datetime | None = None
    events_per_second: float = 0.0

    def advanced(
        self, through: int, count: int, *, last_position: int, since: datetime, now: datetime
    ) -> ShardProgress:
        """``count`` more records sent and acknowledged, every record of the shard up to ``through`` among them."""
        seconds = (now - (self.updated_at or since)).total_seconds()
        rate = count / seconds if seconds > 0 else self.events_per_second
        done = through >= last_position
        cursor = last_position if done else max(self.cursor, through)
        return replace(self, cursor=cursor, sent=self.sent + count, done=done, updated_at=now, events_per_second=rate)


def rate_share(rate: int, index: int, count: int) -> int:
    """Shard ``index``'s share of a replay's rate: the shares add up to the rate, none below one a second while
    there are no more shards than events a second."""
    return rate // count + (1 if index < rate % count else 0)
