"""Who may read what: the platform's engineers every event, an LA's client its own LA's only (its slice narrowed
to its LA before anything else), anyone else nothing."""

from __future__ import annotations

import pytest
from event_history_kit.builders import engineer, kept, la_engineer
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal
from pathfinder.event_history.domain.access import ensure_engineer, ensure_may_read, may_see, visible_slice
from pathfinder.event_history.domain.event_slice import EventSlice
from pathfinder.event_history.domain.refusals import AnotherLasEvents, NotAllowed

ALL = EventSlice(event_types=("pathfinder.ehcp.plan-ceased.v1",))


def test_an_engineer_reads_the_slice_as_asked() -> None:
    assert visible_slice(engineer(), ALL) == ALL
    assert visible_slice(engineer(), EventSlice(la_code="805")).la_code == "805"


def test_an_la_is_narrowed_to_its_own_la_whatever_it_asks() -> None:
    assert visible_slice(la_engineer("841"), ALL) == EventSlice(event_types=ALL.event_types, la_code="841")
    assert visible_slice(la_engineer("841"), EventSlice(la_code="841")).la_code == "841"


def test_an_la_asking_for_another_las_events_is_refused_saying_so() -> None:
    with pytest.raises(AnotherLasEvents, match="this token is LA 841's and the slice asks for LA 805's"):
        visible_slice(la_engineer("841"), EventSlice(la_code="805"))


@pytest.mark.parametrize(
    "caller",
    [
        principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.CASES_READ),
        principal(OrganisationRole.NHS_TRUST, "RH8", Scope.EVENTS_REPLAY),
        principal(OrganisationRole.ICB, "QHM", Scope.EVENTS_ENGINEER),
        principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.EVENTS_ENGINEER),
        principal(OrganisationRole.PLATFORM, "pathfinder", Scope.EVENTS_REPLAY),
    ],
    ids=[
        "la-without-the-scope",
        "trust-with-replay",
        "icb-claiming-engineer",
        "la-claiming-engineer",
        "platform-with-replay-only",
    ],
)
def test_anyone_else_is_refused(caller: object) -> None:
    from pathfinder.auth import Principal

    assert isinstance(caller, Principal)
    with pytest.raises(NotAllowed, match="events:engineer"):
        visible_slice(caller, ALL)
    with pytest.raises(NotAllowed):
        ensure_may_read(caller)
    assert not may_see(caller, kept(position=1, la="841").summary())


def test_one_event_is_seen_by_its_own_la_and_the_engineers_only() -> None:
    event = kept(position=1, la="841").summary()
    no_la = kept(position=2, la=None).summary()
    assert may_see(engineer(), event) and may_see(engineer(), no_la)
    assert may_see(la_engineer("841"), event)
    assert not may_see(la_engineer("805"), event)
    assert not may_see(la_engineer("841"), no_la), "an event no LA may receive is the platform's alone"


def test_the_audit_is_for_the_engineers_alone() -> None:
    ensure_engineer(engineer())
    with pytest.raises(NotAllowed, match="events:engineer"):
        ensure_engineer(la_engineer("841"))
