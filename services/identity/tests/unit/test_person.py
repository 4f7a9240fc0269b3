"""The person aggregate and the match review, without I/O: what each change raises, and what each refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from identity_kit.children import identifier
from pathfinder.contracts.identity import IdentifierKind, PersonErased, PersonLinked, PersonsMerged, PersonUnlinked
from pathfinder.identity.persons.domain.demographics import Demographics, Sex
from pathfinder.identity.persons.domain.disclosure import Disclosure, NotEntitled
from pathfinder.identity.persons.domain.matching import Score, ScoredCandidate
from pathfinder.identity.persons.domain.person import (
    LinkMethod,
    LinkNotFound,
    MergeRefused,
    Person,
    PersonNotActive,
    PersonStatus,
    SourceRecord,
)
from pathfinder.identity.persons.domain.review import IncomingRecord, MatchReview, ReviewDecisionRefused, ReviewStatus

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AMELIA = Demographics(("Amelia",), "Smith", date(2019, 4, 12), Sex.FEMALE, "DL1 4AB")


def person(source: str = "RR8", *kinds: IdentifierKind) -> Person:
    person_id = uuid4()
    identifiers = frozenset(identifier(kind) for kind in kinds)
    record = SourceRecord(person_id, source, "nhs-trust", AMELIA, frozenset(kinds), NOW, NOW)
    return Person.register(
        person_id,
        responsible_la="841",
        record=record,
        identifiers=identifiers,
        link_ids={found: uuid4() for found in identifiers},
        at=NOW,
    )


def test_a_registered_person_announces_each_identifier_it_came_with() -> None:
    amelia = person("RR8", IdentifierKind.NHS_NUMBER, IdentifierKind.UPN)
    assert [type(event) for event in amelia.events] == [PersonLinked, PersonLinked]
    assert {event.identifier_kind for event in amelia.events if isinstance(event, PersonLinked)} == {
        IdentifierKind.NHS_NUMBER,
        IdentifierKind.UPN,
    }
    assert {link.method for link in amelia.links} == {LinkMethod.REGISTERED}
    assert amelia.sources == {"RR8"}


def test_linking_what_the_person_holds_changes_nothing_and_unlinking_needs_an_active_link() -> None:
    amelia = person()
    pupil = identifier(IdentifierKind.UPN)
    made = amelia.link(pupil, LinkMethod.MANUAL, "841", NOW, uuid4())
    assert amelia.link(pupil, LinkMethod.MANUAL, "841", NOW, uuid4()) is made
    amelia.unlink(made.link_id, NOW)
    assert [type(event) for event in amelia.events] == [PersonLinked, PersonUnlinked]
    assert amelia.active_links == [] and amelia.sources == {"RR8"}
    with pytest.raises(LinkNotFound):
        amelia.unlink(made.link_id, NOW)


def test_a_merge_makes_the_retired_ids_records_and_links_count_as_the_survivors() -> None:
    survivor, retired = person("RR8"), person("RX1", IdentifierKind.UPN)
    merge = survivor.absorb(retired, uuid4(), NOW)
    assert (retired.status, retired.merged_into) == (PersonStatus.MERGED, survivor.person_id)
    assert survivor.members == {survivor.person_id, retired.person_id}
    assert survivor.sources == {"RR8", "RX1"} and len(survivor.match_profiles()) == 2
    assert isinstance(survivor.events[-1], PersonsMerged) and survivor.events[-1].merge_id == merge.merge_id
    with pytest.raises(PersonNotActive):
        survivor.absorb(retired, uuid4(), NOW)
    with pytest.raises(MergeRefused):
        survivor.unmerge(uuid4(), NOW)
    survivor.unmerge(merge.merge_id, NOW)
    retired.restore()
    assert retired.status is PersonStatus.ACTIVE
    with pytest.raises(MergeRefused):
        retired.restore()


def test_erasure_forgets_every_value_announces_each_member_and_ends_all_change() -> None:
    survivor, retired = person("RR8", IdentifierKind.NHS_NUMBER), person("RX1")
    survivor.absorb(retired, uuid4(), NOW)
    survivor.events.clear()
    survivor.erase(NOW)
    assert (survivor.status, survivor.records) == (PersonStatus.ERASED, [])
    assert all(link.identifier is None and not link.active for link in survivor.links)
    assert {event.person_id for event in survivor.events if isinstance(event, PersonErased)} == survivor.members
    with pytest.raises(PersonNotActive):
        survivor.link(identifier(IdentifierKind.UPN), LinkMethod.MANUAL, "841", NOW, uuid4())


def test_an_nhs_body_that_supplied_nothing_is_not_entitled_to_the_child() -> None:
    amelia = person("RR8", IdentifierKind.NHS_NUMBER)
    amelia.link(identifier(IdentifierKind.UPN), LinkMethod.MANUAL, "841", NOW, uuid4())
    assert [link.kind for link in Disclosure.for_nhs_body("RR8", amelia).links(amelia)] == [IdentifierKind.NHS_NUMBER]
    with pytest.raises(NotEntitled, match="supplied nothing"):
        Disclosure.for_nhs_body("RX9", amelia)


def review() -> MatchReview:
    incoming = IncomingRecord(AMELIA, frozenset(), "RR8", "nhs-trust", "841")
    candidate = ScoredCandidate(uuid4(), Score(20.0, {}))
    return MatchReview.open(uuid4(), incoming, (candidate,), NOW)


def test_a_review_is_decided_once_for_one_of_its_candidates_and_gives_its_record_up() -> None:
    held = review()
    with pytest.raises(ReviewDecisionRefused, match="not one of the review's candidates"):
        held.decide_same_person(uuid4(), by="reviewer", at=NOW)
    chosen = held.candidates[0].person_id
    incoming = held.decide_same_person(chosen, by="reviewer", at=NOW)
    assert incoming.source_organisation == "RR8"
    assert (held.status, held.incoming, held.decided_person_id) == (ReviewStatus.SAME_PERSON, None, chosen)
    with pytest.raises(ReviewDecisionRefused, match="already been decided"):
        held.decide_new_person(uuid4(), by="reviewer", at=NOW)
