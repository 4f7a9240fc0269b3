"""The responsible LA has one owner, the index (docs/decisions/0007-responsible-la.md): a child new to the index
whose named LA and postcode's LA disagree waits, told to neither LA, for the platform to decide; a possible
match found to be a new child with its LA in dispute goes on to the platform; a child changes LA only by a
transfer, audited under both LAs and announced."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

import pytest
from identity_kit.callers import la, platform, trust
from identity_kit.children import incoming_record
from identity_kit.person_index_fakes import FakePersonIndex
from pathfinder.auth import AccessDenied, Principal
from pathfinder.contracts.identity import PossibleMatchResolved, ResponsibleLaChanged
from pathfinder.identity.persons.domain.audit import AuditAction, AuditOutcome, Purpose
from pathfinder.identity.persons.domain.demographics import Sex
from pathfinder.identity.persons.domain.matching import MatchOutcome
from pathfinder.identity.persons.domain.review import IncomingRecord, ReviewKind, ReviewStatus
from pathfinder.identity.persons.service_layer import corrections, reading
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.identity.persons.service_layer.matching import MatchResult, match_person
from pathfinder.identity.persons.service_layer.refusals import Conflict, PersonNotFound, UnregisteredLa
from pathfinder.identity.persons.service_layer.review_decisions import decide_review

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
REQUEST = "early-years-notification:disputed"


async def match(index: FakePersonIndex, record: IncomingRecord, request_id: str | None = None) -> MatchResult:
    return await match_person(
        record,
        Caller(trust(record.source_organisation), Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
        request_id=request_id,
    )


async def decide(
    index: FakePersonIndex,
    review_id: UUID,
    by: Principal,
    responsible_la: str | None = None,
    decision: Literal["same-person", "new-person"] = "new-person",
    person_id: UUID | None = None,
) -> MatchResult:
    return await decide_review(
        review_id,
        decision,
        person_id,
        Caller(by, Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
        responsible_la=responsible_la,
    )


async def pending(index: FakePersonIndex, by: Principal) -> list[reading.ReviewView]:
    return await reading.match_reviews(Caller(by, Purpose.RECORD_LINKAGE), uow=index.unit_of_work(), now=NOW, limit=50)


async def test_a_new_child_whose_postcode_is_in_another_la_waits_for_the_platform(index: FakePersonIndex) -> None:
    disputed = await match(index, incoming_record("805", postcode_la="841"), request_id=REQUEST)
    assert (disputed.outcome, disputed.person_id, disputed.responsible_la, disputed.review_kind) == (
        MatchOutcome.POSSIBLE_MATCH,
        None,
        None,
        ReviewKind.RESPONSIBLE_LA,
    ), "held, not delivered to the LA named"
    assert disputed.review_id is not None
    assert index.state.persons == {} and index.committed.events == [], "no child, nothing announced to either LA"
    assert await pending(index, la("805")) == [] and await pending(index, la("841")) == [], "neither LA is told"
    [view] = await pending(index, platform())
    assert (view.review.kind, view.review.la_choices, view.incoming) == (
        ReviewKind.RESPONSIBLE_LA,
        ("805", "841"),
        None,
    )
    [entry] = [e for e in index.audited() if e.action is AuditAction.MATCH]
    assert (entry.responsible_la, entry.detail["named_la"], entry.detail["postcode_la"]) == (None, "805", "841")

    with pytest.raises(AccessDenied):
        await decide(index, disputed.review_id, la("805"), "805")
    with pytest.raises(Conflict, match="neither the LA named nor"):
        await decide(index, disputed.review_id, platform(), "878")
    with pytest.raises(Conflict, match="naming the LA responsible"):
        await decide(index, disputed.review_id, platform())
    decided = await decide(index, disputed.review_id, platform(), "841")
    assert (decided.outcome, decided.responsible_la) == (MatchOutcome.NO_MATCH, "841")
    assert decided.person_id is not None and index.state.persons[decided.person_id].responsible_la == "841"
    [resolved] = [event for event in index.committed.events if isinstance(event, PossibleMatchResolved)]
    assert (resolved.review_id, resolved.person_id, resolved.responsible_la, resolved.decision) == (
        disputed.review_id,
        decided.person_id,
        "841",
        "new-person",
    ), "the held notification is released to the LA the platform chose"
    assert index.state.reviews[disputed.review_id].status is ReviewStatus.NEW_PERSON
    retried = await match(index, incoming_record("805", postcode_la="841"), request_id=REQUEST)
    assert (retried.person_id, retried.responsible_la) == (decided.person_id, "841")
    decision = [
        e for e in index.audited() if e.action is AuditAction.DECIDE_REVIEW and e.outcome is AuditOutcome.ALLOWED
    ]
    assert [(e.responsible_la, e.person_id, e.detail["responsible_la"]) for e in decision] == [
        ("841", decided.person_id, "841")
    ], "the decision is in the audit of the LA now responsible"


async def test_the_platform_may_only_choose_a_registered_la(index: FakePersonIndex) -> None:
    disputed = await match(index, incoming_record("805", postcode_la="999"))
    assert disputed.review_id is not None
    with pytest.raises(UnregisteredLa):
        await decide(index, disputed.review_id, platform(), "999")
    assert (await decide(index, disputed.review_id, platform(), "805")).responsible_la == "805"


@pytest.mark.parametrize("postcode_la", ["841", None], ids=["agreeing", "no postcode LA"])
async def test_a_new_child_whose_evidence_agrees_is_registered_at_once(
    index: FakePersonIndex, postcode_la: str | None
) -> None:
    found = await match(index, incoming_record("841", postcode_la=postcode_la))
    assert (found.outcome, found.responsible_la, found.review_id) == (MatchOutcome.NO_MATCH, "841", None)


async def test_a_child_the_index_holds_stays_with_its_la_and_the_disagreement_is_in_its_audit(
    index: FakePersonIndex,
) -> None:
    known = await match(index, incoming_record("841"))
    again = await match(index, incoming_record("841", postcode_la="805", source="RX1"))
    assert (again.outcome, again.person_id, again.responsible_la) == (MatchOutcome.MATCH, known.person_id, "841")
    assert index.audited()[-1].detail["postcode_la"] == "805"


async def test_a_possible_match_found_new_with_its_la_in_dispute_goes_on_to_the_platform(
    index: FakePersonIndex,
) -> None:
    twin = await match(index, incoming_record("841", given=("Isla",)))
    record = incoming_record("805", given=("Isla",), sex=Sex.MALE, source="RX1", postcode_la="841")
    possible = await match(index, record, request_id=REQUEST)
    assert possible.review_id is not None and possible.review_kind is ReviewKind.POSSIBLE_MATCH
    referred = await decide(index, possible.review_id, la("841"))
    assert (referred.outcome, referred.review_id, referred.review_kind, referred.person_id) == (
        MatchOutcome.POSSIBLE_MATCH,
        possible.review_id,
        ReviewKind.RESPONSIBLE_LA,
        None,
    )
    assert not any(isinstance(event, PossibleMatchResolved) for event in index.committed.events)
    assert await pending(index, la("841")) == [], "841 has decided its part"
    [view] = await pending(index, platform())
    assert (view.review.review_id, view.review.la_choices, view.review.candidates) == (
        possible.review_id,
        ("805", "841"),
        (),
    )
    retried = await match(index, record, request_id=REQUEST)
    assert (retried.review_id, retried.review_kind) == (possible.review_id, ReviewKind.RESPONSIBLE_LA), "still held"
    decided = await decide(index, possible.review_id, platform(), "805")
    assert decided.person_id not in (None, twin.person_id) and decided.responsible_la == "805"


async def transfer(index: FakePersonIndex, person_id: UUID, to_la: str, by: Principal) -> str:
    return await corrections.transfer_person(
        person_id,
        to_la,
        Caller(by, Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )


async def test_the_responsible_la_hands_a_child_over_audited_under_both_and_announced(
    index: FakePersonIndex,
) -> None:
    child = await match(index, incoming_record("805"))
    assert child.person_id is not None
    assert await transfer(index, child.person_id, "841", la("805")) == "805"
    assert index.state.persons[child.person_id].responsible_la == "841"
    [changed] = [event for event in index.committed.events if isinstance(event, ResponsibleLaChanged)]
    assert (changed.person_id, changed.responsible_la, changed.previous_la) == (child.person_id, "841", "805")
    moved = [e for e in index.audited() if e.action is AuditAction.TRANSFER]
    assert [(e.responsible_la, e.outcome, dict(e.detail)) for e in moved] == [
        ("805", AuditOutcome.ALLOWED, {"to_la": "841"}),
        ("841", AuditOutcome.ALLOWED, {"from_la": "805"}),
    ]
    found = await match(index, incoming_record("805", source="RX1"))
    assert (found.person_id, found.responsible_la) == (child.person_id, "841"), "the index answers with the new LA"
    reader = Caller(la("805"), Purpose.DIRECT_CARE)
    with pytest.raises(PersonNotFound):  # another LA's: as if absent
        await reading.person_details(child.person_id, reader, uow=index.unit_of_work(), now=NOW)


async def test_only_the_responsible_la_or_the_platform_transfers_and_only_to_a_registered_la(
    index: FakePersonIndex,
) -> None:
    child = await match(index, incoming_record("841"))
    assert child.person_id is not None
    with pytest.raises(PersonNotFound):  # another LA's: as if absent
        await transfer(index, child.person_id, "805", la("805"))
    denied = index.audited()[-1]
    assert (denied.action, denied.outcome, denied.responsible_la) == (
        AuditAction.TRANSFER,
        AuditOutcome.DENIED,
        "841",
    ), "the attempt is in the audit of the LA responsible"
    with pytest.raises(UnregisteredLa):
        await transfer(index, child.person_id, "999", la("841"))
    with pytest.raises(Conflict, match="already responsible"):
        await transfer(index, child.person_id, "841", platform())
    assert index.state.persons[child.person_id].responsible_la == "841"
    assert await transfer(index, child.person_id, "805", platform()) == "841"
    assert index.state.persons[child.person_id].responsible_la == "805"
