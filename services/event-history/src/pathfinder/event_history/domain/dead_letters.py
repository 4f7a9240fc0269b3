"""A dead letter as an engineer reads it: the archived record of a consumer group's dead-letter topic, with the
consumer's reason and error from its ``pathfinder_dlt_*`` headers; and whether it may be redriven."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pathfinder.contracts.wire import DEAD_LETTER_PREFIX
from pathfinder.event_history.domain.archived_event import ArchivedEvent


@dataclass(frozen=True)
class Redriven:
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class DeadLetter:
    record: ArchivedEvent
    redriven: Redriven | None = None

    @property
    def position(self) -> int:
        assert self.record.position is not None, "a dead letter read from the archive has its position"
        return self.record.position

    def detail(self, name: str) -> str | None:
        return self.record.header_texts().get(DEAD_LETTER_PREFIX + name)

    @property
    def group(self) -> str | None:
        return self.detail("consumer_group")

    @property
    def original_event_id(self) -> UUID:
        return self.record.event_id

    def why_not_redriven(self) -> str | None:
        """Why this dead letter may not be sent back (None: it may)."""
        if self.redriven is not None:
            return (f"already redriven at {self.redriven.at.isoformat()} by {self.redriven.by}: a dead letter is "
                    "redriven once (if it failed again, its new dead letter can be)")  # fmt: skip
        if not self.group:
            return "the record names no consumer group to send it back to"
        return None
