"""An event's place in its child's history, which copy of an id is meant, and how long each topic is kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

import pytest
from event_history_kit.builders import T0, dead_letter_of, kept
from pathfinder.event_history.domain.archived_event import archived
from pathfinder.event_history.domain.history import chosen_copy, place_in_history
from pathfinder.event_history.domain.retention import InvalidRetention, RetentionPolicy
from pathfinder.event_history.settings import EventHistorySettings
from pydantic import ValidationError


def test_an_event_stands_among_its_childs_events_in_the_order_they_happened() -> None:
    person = uuid4()
    # Archived out of order: the fourth event to happen reached the archive first.
    events = [kept(position=n, person=person, at=T0 + timedelta(minutes=minute))
              for n, minute in enumerate([3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 10], start=1)]  # fmt: skip
    summaries = [event.summary() for event in events]
    place = place_in_history(summaries[3], summaries)  # happened at minute 2
    assert (place.person_id, place.index, place.of) == (person, 3, 11)
    assert [one.position for one in place.before] == [2, 3]
    assert [one.position for one in place.after] == [1, 5, 6, 7, 8]
    last = place_in_history(summaries[-1], summaries)
    assert (last.index, len(last.before), last.after) == (11, 5, ())


def test_a_dead_letter_copy_stands_where_its_original_does_and_is_not_counted_twice() -> None:
    person = uuid4()
    first, second = kept(position=1, person=person), kept(position=2, person=person, at=T0 + timedelta(minutes=1))
    letter = archived(dead_letter_of(first), fallback_id=uuid4(), problem=None)
    copies = [first.summary(), second.summary(), replace(letter, position=3).summary()]
    place = place_in_history(copies[2], copies)
    assert (place.index, place.of, place.before, [one.position for one in place.after]) == (1, 2, (), [2])


def test_the_copy_meant_is_the_one_named_else_the_platform_topics() -> None:
    original = kept(position=1)
    letter = replace(archived(dead_letter_of(original), fallback_id=uuid4(), problem=None), position=2)
    assert chosen_copy([letter, original], None) is original
    assert chosen_copy([letter, original], letter.topic) is letter
    assert chosen_copy([letter], None) is letter, "only its dead letter was kept"
    assert chosen_copy([letter, original], "pathfinder.nowhere") is None
    assert chosen_copy([], None) is None


def test_retention_keeps_for_ever_unless_a_topic_is_given_days() -> None:
    policy = RetentionPolicy({"pathfinder.ehcp.lifecycle": 30, "a.dead-letter": 7})
    assert policy.keeps_for_ever("pathfinder.identity.persons")
    assert not policy.keeps_for_ever("pathfinder.ehcp.lifecycle")
    assert policy.cutoffs(T0) == {"a.dead-letter": T0 - timedelta(days=7),
                                  "pathfinder.ehcp.lifecycle": T0 - timedelta(days=30)}  # fmt: skip
    assert RetentionPolicy().cutoffs(T0) == {}
    with pytest.raises(InvalidRetention, match="at least 1 day"):
        RetentionPolicy({"pathfinder.ehcp.lifecycle": 0})


def test_retention_and_the_outboxes_are_settings_read_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHFINDER_EVENT_HISTORY_DATABASE_URL", "postgresql://nobody@/nothing")
    monkeypatch.setenv("PATHFINDER_EVENT_HISTORY_RETENTION_DAYS", '{"pathfinder.ehcp.lifecycle": 3650}')
    monkeypatch.setenv("PATHFINDER_EVENT_HISTORY_GAP_CHECK_OUTBOX_URLS", '{"ehcp": "postgresql://reader@/ehcp"}')
    settings = EventHistorySettings()
    assert settings.retention == RetentionPolicy({"pathfinder.ehcp.lifecycle": 3650})
    assert settings.gap_check_outbox_urls == {"ehcp": "postgresql://reader@/ehcp"}
    assert settings.http_port == 8005
    monkeypatch.setenv("PATHFINDER_EVENT_HISTORY_RETENTION_DAYS", '{"pathfinder.ehcp.lifecycle": 0}')
    with pytest.raises(ValidationError, match="at least 1 day"):
        EventHistorySettings()
