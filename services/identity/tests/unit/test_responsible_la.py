"""The person index owns each child's responsible LA: a record's LA counts only for a child new to the index;
an LA never finds, links to or learns of another LA's child, and the holding LA's audit shows it was asked;
a possible match is decided by the LA whose children the candidates are; LA codes must be registered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from identity_kit.callers import la, trust
from identity_kit.children import identifier, incoming_record
from identity_kit.person_index_fakes import FakePersonIndex
from pathfinder.auth import Principal
from pathfinder.contracts.identity import IdentifierKind, PossibleMatchResolved
from pathfinder.identity.persons.domain.audit import AuditOutcome, Purpose
from pathfinder.identity.persons.domain.demographics import Sex
from pathfinder.identity.persons.domain.matching import MatchOutcome
from pathfinder.identity.persons.domain.review import IncomingRecord
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.identity.persons.service_layer.matching import MatchResult, match_person
from pathfinder.identity.persons.service_layer.refusals import Conflict, UnregisteredLa
from pathfinder.identity.persons.service_layer.review_decisions import decide_review

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NHS = IdentifierKind.NHS_NUMBER


async def match(index: FakePersonIndex, record: IncomingRecord, by: Principal | None = None) -> MatchResult:
    caller = Caller(by or trust(record.source_organisation), Purpose.RECORD_LINKAGE)
    return await match_person(
        record, caller, uow=index.unit_of_work(), local_authorities=index.local_authorities, now=NOW
    )


async def test_a_trust_naming_another_la_does_not_move_a_child_the_index_holds(index: FakePersonIndex) -> None:
    number = identifier(NHS)
    darlington = await match(index, incoming_record("841", identifiers=[number], verified=True))
    assert darlington.responsible_la == "841"
    elsewhere = await match(index, incoming_record("805", identifiers=[number], verified=True, source="RX1"))
    assert (elsewhere.outcome, elsewhere.person_id, elsewhere.responsible_la) == (
        MatchOutcome.MATCH,
        darlington.person_id,
        "841",
    ), "the index's LA wins: the LA a record names counts only for a child new to the index"
    assert index.state.persons[darlington.person_id].responsible_la == "841"  # type: ignore[index]
    entry = index.audited()[-1]
    assert (entry.responsible_la, entry.detail.get("named_la")) == ("841", "805"), "in 841's audit, with the claim"


async def test_another_la_never_finds_links_to_or_learns_of_an_las_child(index: FakePersonIndex) -> None:
    number = identifier(NHS)
    darlington = await match(index, incoming_record("841", identifiers=[number], verified=True))
    probe = incoming_record("805", identifiers=[number], verified=True, source="805", source_role="local-authority")
    by_hartlepool = await match(index, probe, la("805"))
    assert by_hartlepool.person_id != darlington.person_id
    assert (by_hartlepool.responsible_la, by_hartlepool.held_elsewhere) == ("805", ()), "told nothing of 841's child"
    assert (darlington.person_id, "805") not in index.state.records, "805's record is not attached to 841's child"
    [link] = [link for link in index.state.links.values() if link.identifier == number and link.in_force]
    assert link.owner_id == darlington.person_id, "841's child keeps its NHS number; 805's link is only contested"
    in_841s_audit = [e for e in index.audited() if e.responsible_la == "841" and e.actor.organisation == "805"]
    assert [(e.person_id, e.outcome) for e in in_841s_audit] == [(darlington.person_id, AuditOutcome.DENIED)]

    by_name = incoming_record("805", source="805", source_role="local-authority")  # the same child, no NHS number
    found = await match(index, by_name, la("805"))
    assert (found.person_id, found.responsible_la) == (by_hartlepool.person_id, "805"), "805's own record, not 841's"
    fresh = FakePersonIndex()
    await match(fresh, incoming_record("841"))
    unseen = await match(fresh, by_name, la("805"))
    assert unseen.outcome is MatchOutcome.NO_MATCH and unseen.review_id is None, "841's children are not candidates"


async def test_a_possible_match_is_decided_by_the_la_whose_children_the_candidates_are(index: FakePersonIndex) -> None:
    twin = await match(index, incoming_record("841", given=("Isla",)))
    assert twin.responsible_la == "841"
    record = incoming_record("805", given=("Isla",), sex=Sex.MALE, source="RX1")  # a twin brother, perhaps
    possible = await match(index, record)
    assert possible.outcome is MatchOutcome.POSSIBLE_MATCH and possible.review_id is not None
    review = index.state.reviews[possible.review_id]
    assert (review.responsible_la, possible.responsible_la) == ("841", "841")
    assert {candidate.person_id for candidate in review.candidates} == {twin.person_id}

    decided = await decide_review(
        possible.review_id,
        "same-person",
        twin.person_id,
        Caller(la("841"), Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )
    assert decided.responsible_la == "841"
    [resolved] = [event for event in index.committed.events if isinstance(event, PossibleMatchResolved)]
    assert (resolved.person_id, resolved.responsible_la) == (twin.person_id, "841"), "the child's LA, announced"


async def test_a_record_naming_an_unregistered_la_is_refused_and_audited(index: FakePersonIndex) -> None:
    with pytest.raises(UnregisteredLa, match="999"):
        await match(index, incoming_record("999"))
    assert index.state.persons == {}
    [entry] = index.audited()
    assert (entry.responsible_la, entry.outcome) == ("999", AuditOutcome.DENIED)


async def test_a_request_id_used_again_for_another_record_is_refused(index: FakePersonIndex) -> None:
    caller = Caller(trust("RR8"), Purpose.RECORD_LINKAGE)

    async def ask(record: IncomingRecord) -> MatchResult:
        return await match_person(
            record,
            caller,
            uow=index.unit_of_work(),
            local_authorities=index.local_authorities,
            now=NOW,
            request_id="trust-request-1",
        )

    first = await ask(incoming_record("841", given=("Amelia",)))
    assert (await ask(incoming_record("841", given=("Amelia",)))).person_id == first.person_id, "a retry"
    with pytest.raises(Conflict, match="another record"):
        await ask(incoming_record("841", given=("Oliver",), sex=Sex.MALE))
    assert len(index.state.persons) == 1, "the other record made no person"
