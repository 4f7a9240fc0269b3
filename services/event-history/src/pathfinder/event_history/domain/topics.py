"""Which topics the archive keeps: every platform topic of the event catalogue, and every consumer group's
dead-letter topic.

Dead-letter topics are known by their name (``<consumer group>.dead-letter``), not from a list of groups: the
archive runs where other services' code is not installed, and a consumer group added later is archived from its
first dead letter without a change here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pathfinder.contracts.wire import dead_letter_topic

DEAD_LETTER_SUFFIX = dead_letter_topic("")


def is_dead_letter_topic(topic: str) -> bool:
    return topic.endswith(DEAD_LETTER_SUFFIX) and len(topic) > len(DEAD_LETTER_SUFFIX)


@dataclass(frozen=True)
class ArchiveTopics:
    platform: frozenset[str]

    @classmethod
    def of(cls, platform_topics: Iterable[str]) -> ArchiveTopics:
        return cls(frozenset(platform_topics))

    def includes(self, topic: str) -> bool:
        return topic in self.platform or is_dead_letter_topic(topic)

    def pattern(self) -> str:
        """A regular expression matching exactly the topics :meth:`includes`, for a pattern subscription."""
        named = "|".join(re.escape(topic) for topic in sorted(self.platform))
        dead_letters = f".+{re.escape(DEAD_LETTER_SUFFIX)}"
        return f"^(?:{named}|{dead_letters})$" if named else f"^{dead_letters}$"
