"""What the gap check found: records on a topic, and published rows of a service's outbox, that the archive
lacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class Located:
    """A record the gap check read, with the id the archive would keep it under."""

    event_id: UUID
    topic: str
    partition: int | None = None  # None: an outbox row, which does not know where the broker put it
    offset: int | None = None
    at: datetime | None = None  # its time on the broker, or when its outbox published it


@dataclass
class SourceGaps:
    """One topic's, or one service's outbox's, comparison with the archive."""

    source: str
    checked: int = 0
    missing: list[Located] = field(default_factory=list)
    unidentified: int = 0  # outbox rows with no id the archive could know them by


@dataclass
class GapReport:
    topics: list[SourceGaps] = field(default_factory=list)
    outboxes: list[SourceGaps] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(len(one.missing) for one in (*self.topics, *self.outboxes))
