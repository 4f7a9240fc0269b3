"""The archive keeps every platform topic and every consumer group's dead-letter topic: the groups every
installed service declares included, found by name so that the archive needs none of their code."""

from __future__ import annotations

import re

from pathfinder.contracts.catalogue import all_event_classes
from pathfinder.contracts.consumers import declared_consumer_contracts
from pathfinder.contracts.wire import dead_letter_topic
from pathfinder.event_history.domain.topics import ArchiveTopics

TOPICS = ArchiveTopics.of(cls.topic for cls in all_event_classes())


def test_every_platform_topic_and_every_declared_groups_dead_letters_are_archived() -> None:
    groups = [contract.group for contract in declared_consumer_contracts()]
    assert len(groups) >= 4
    wanted = {cls.topic for cls in all_event_classes()} | {dead_letter_topic(group) for group in groups}
    pattern = re.compile(TOPICS.pattern())
    for topic in wanted:
        assert TOPICS.includes(topic) and pattern.match(topic), topic


def test_nothing_else_is() -> None:
    pattern = re.compile(TOPICS.pattern())
    for topic in (
        "pathfinder.la.841.events",
        "pathfinder.replay.la-delivery",
        "ehcp.intake.redrive",
        ".dead-letter",
        "pathfinder.ehcp.lifecycle.x",
        "xpathfinder.ehcp.lifecycle",
        "__consumer_offsets",
    ):
        assert not TOPICS.includes(topic) and not pattern.match(topic), topic  # fmt: skip
