"""Matching a child on the in-memory index: an unknown child becomes a new person and is announced; a verified
NHS number decides; a messy record matches by its score; a twin waits for a reviewer and changes nothing
else; a refusal leaves only its audit entry; a retry gets the first answer."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from identity_kit.callers import la, platform, trust
from identity_kit.children import identifier, incoming_record
from identity_kit.person_index_fakes import FakePersonIndex
from pathfinder.auth import AccessDenied, Principal
from pathfinder.contracts.identity import IdentifierKind, PersonLinked
from pathfinder.identity.persons.domain.audit import AuditAction, AuditOutcome, Purpose
from pathfinder.identity.persons.domain.demographics import Sex
from pathfinder.identity.persons.domain.matching import MatchOutcome
from pathfinder.identity.persons.domain.person import LinkMethod, PersonStatus
from pathfinder.identity.persons.domain.review import IncomingRecord, ReviewStatus
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.identity.persons.service_layer.matching import MatchResult, match_person

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NHS = IdentifierKind.NHS_NUMBER


async def match(
    index: FakePersonIndex, record: IncomingRecord, by: Principal | None = None, request_id: str | None = None
) -> MatchResult:
    caller = Caller(by or trust(record.source_organisation), Purpose.RECORD_LINKAGE)
    return await match_person(
        record,
        caller,
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
        request_id=request_id,
    )


def linked(index: FakePersonIndex) -> list[PersonLinked]:
    return [event for event in index.committed.events if isinstance(event, PersonLinked)]


async def test_a_child_the_index_does_not_know_becomes_a_person_announced_with_its_identifiers(
    index: FakePersonIndex,
) -> None:
    number = identifier(NHS)
    result = await match(index, incoming_record(identifiers=[number]))
    assert result.outcome is MatchOutcome.NO_MATCH and result.person_id is not None
    stored = index.state.persons[result.person_id]
    assert (stored.status, stored.responsible_la) == (PersonStatus.ACTIVE, "841")
    [link] = index.state.links.values()
    assert (link.identifier, link.method, link.source_organisation) == (number, LinkMethod.REGISTERED, "RR8")
    [event] = linked(index)
    assert (event.person_id, event.identifier_kind, event.linked_by) == (result.person_id, NHS, "registered")
    [entry] = index.audited()
    assert (entry.action, entry.outcome, entry.person_id) == (AuditAction.MATCH, AuditOutcome.ALLOWED, result.person_id)
    assert entry.detail == {"outcome": "no-match"}


async def test_a_verified_nhs_number_decides_even_when_the_rest_differs(index: FakePersonIndex) -> None:
    number = identifier(NHS)
    first = await match(index, incoming_record(identifiers=[number], verified=True))
    uln = identifier(IdentifierKind.ULN)
    other = incoming_record(family="Jones", postcode="TS24 7AA", identifiers=[number, uln], source="RX1", verified=True)
    second = await match(index, other)
    assert (second.outcome, second.person_id) == (MatchOutcome.MATCH, first.person_id)
    assert {link.kind: link.method for link in index.state.links.values()} == {
        NHS: LinkMethod.REGISTERED,
        IdentifierKind.ULN: LinkMethod.DETERMINISTIC,
    }
    assert sorted(organisation for _, organisation in index.state.records) == ["RR8", "RX1"]
    assert [event.linked_by for event in linked(index)] == ["registered", "deterministic-match"]


async def test_an_unverified_nhs_number_held_by_another_child_is_reported_not_linked(index: FakePersonIndex) -> None:
    number = identifier(NHS)
    first = await match(index, incoming_record(identifiers=[number], verified=True))
    stranger = incoming_record(
        given=("Oliver",), family="Brown", born=date(2015, 1, 3), sex=Sex.MALE, identifiers=[number]
    )
    second = await match(index, stranger)
    assert second.outcome is MatchOutcome.NO_MATCH and second.person_id != first.person_id
    assert second.held_elsewhere == (NHS,)
    assert [link.owner_id for link in index.state.links.values()] == [first.person_id]


async def test_a_messy_record_without_an_nhs_number_matches_by_its_score(index: FakePersonIndex) -> None:
    first = await match(index, incoming_record(given=("Amelia", "Rose"), family="Smith-Jones"))
    pupil = identifier(IdentifierKind.UPN)
    messy = incoming_record(
        given=("AMELIA",),
        family="smith jones",
        born=date(2019, 12, 4),
        sex=None,
        postcode="dl14ab",
        identifiers=[pupil],
    )
    second = await match(index, messy, by=la("841"))
    assert (second.outcome, second.person_id) == (MatchOutcome.MATCH, first.person_id)
    [link] = index.state.links.values()
    assert (link.identifier, link.method, link.owner_id) == (pupil, LinkMethod.PROBABILISTIC, first.person_id)


async def test_a_twin_waits_for_a_reviewer_and_nothing_else_changes(index: FakePersonIndex) -> None:
    amelia = await match(index, incoming_record())
    events = list(index.committed.events)
    isla = await match(index, incoming_record(given=("Isla",), sex=Sex.MALE))
    assert (isla.outcome, isla.person_id) == (MatchOutcome.POSSIBLE_MATCH, None)
    assert list(index.state.persons) == [amelia.person_id]
    assert isla.review_id is not None
    review = index.state.reviews[isla.review_id]
    assert review.status is ReviewStatus.PENDING and review.incoming is not None
    assert review.incoming.demographics.given_names == ("Isla",)
    assert [candidate.person_id for candidate in review.candidates] == [amelia.person_id]
    assert index.committed.events == events
    assert index.audited()[-1].detail == {"outcome": "possible-match"}


async def test_an_la_matching_for_another_la_is_refused_and_only_the_refusal_is_kept(index: FakePersonIndex) -> None:
    with pytest.raises(AccessDenied):
        await match(index, incoming_record("841", identifiers=[identifier(NHS)]), by=la("805"))
    assert (index.state.persons, index.state.links, index.committed.events) == ({}, {}, [])
    [entry] = index.audited()
    assert (entry.action, entry.outcome, entry.actor.organisation, entry.responsible_la) == (
        AuditAction.MATCH,
        AuditOutcome.DENIED,
        "805",
        "841",
    )


async def test_a_retried_request_gets_the_first_answer(index: FakePersonIndex) -> None:
    record = incoming_record(given=("Freya",), born=date(2020, 2, 2))
    first = await match(index, record, request_id="retry-1")
    again = await match(index, record, request_id="retry-1")
    assert again == first and first.outcome is MatchOutcome.NO_MATCH
    assert len(index.state.persons) == 1
    assert index.audited()[-1].detail == {"outcome": "no-match", "answered": "earlier"}
    third = await match(index, record, request_id="retry-2")
    assert (third.outcome, third.person_id) == (MatchOutcome.MATCH, first.person_id)


async def test_the_platform_matches_for_any_la(index: FakePersonIndex) -> None:
    first = await match(index, incoming_record("805"))
    again = await match(index, incoming_record("805"), by=platform())
    assert (again.outcome, again.person_id) == (MatchOutcome.MATCH, first.person_id)
