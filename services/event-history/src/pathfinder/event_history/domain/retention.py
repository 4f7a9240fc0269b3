"""How long the archive keeps each topic's records: for ever unless a topic is given a number of days, after
which its records (by their time on the broker) are pruned."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


class InvalidRetention(ValueError):
    pass


@dataclass(frozen=True)
class RetentionPolicy:
    days_by_topic: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        short = sorted(topic for topic, days in self.days_by_topic.items() if days < 1)
        if short:
            raise InvalidRetention(f"keep each topic at least 1 day (or leave it out to keep it for ever): {short}")

    def keeps_for_ever(self, topic: str) -> bool:
        return topic not in self.days_by_topic

    def cutoffs(self, now: datetime) -> dict[str, datetime]:
        """For each topic that is pruned, the record time before which its records go."""
        return {topic: now - timedelta(days=days) for topic, days in sorted(self.days_by_topic.items())}
