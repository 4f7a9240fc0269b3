"""Every attempt on the in-memory index leaves its audit entry; a refusal leaves nothing else, not even the
events the attempt had raised, and names a merged id's survivor only to a caller allowed to see it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from identity_kit.callers import la, trust
from identity_kit.children import identifier, incoming_record
from identity_kit.person_index_fakes import FakePersonIndex
from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.audit import Actor, AuditAction, AuditOutcome, Purpose
from pathfinder.identity.persons.domain.person import Person, SourceRecord
from pathfinder.identity.persons.service_layer import corrections
from pathfinder.identity.persons.service_layer.attempts import Attempt, Caller
from pathfinder.identity.persons.service_layer.matching import match_person
from pathfinder.identity.persons.service_layer.refusals import Conflict, PersonMerged, PersonNotFound

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


async def test_a_refusal_undoes_the_attempt_and_keeps_only_its_audit_entry(index: FakePersonIndex) -> None:
    person_id, number = uuid4(), identifier(IdentifierKind.NHS_NUMBER)
    record = incoming_record()
    raised = Person.register(
        person_id,
        responsible_la="841",
        record=SourceRecord(person_id, "RR8", "nhs-trust", record.demographics, frozenset(), NOW, NOW),
        identifiers=frozenset({number}),
        link_ids={number: uuid4()},
        at=NOW,
    )
    caller = Caller(la("841"), Purpose.RECORD_LINKAGE, correlation_id="case-7")

    async def add_then_refuse() -> None:
        async with index.unit_of_work() as uow:
            await uow.persons.add(raised)
            attempt = Attempt(uow, caller, AuditAction.LINK, NOW, person_id=person_id, responsible_la="841")
            await attempt.refuse(Conflict("not today"), AuditOutcome.DENIED, reason="testing")

    with pytest.raises(Conflict, match="not today"):
        await add_then_refuse()
    assert (index.state.persons, index.state.links, index.committed.events) == ({}, {}, [])
    [entry] = index.audited()
    assert (entry.outcome, entry.person_id, entry.correlation_id, entry.detail) == (
        AuditOutcome.DENIED,
        person_id,
        "case-7",
        {"reason": "testing"},
    )
    assert entry.actor == Actor(caller.principal.subject, "client", "841", "local-authority")


async def registered(index: FakePersonIndex, given: str, born: date) -> UUID:
    found = await match_person(
        incoming_record(given=(given,), born=born),
        Caller(trust("RR8"), Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )
    assert found.person_id is not None
    return found.person_id


async def test_a_merged_id_names_its_survivor_only_to_a_caller_allowed_to_change_it(index: FakePersonIndex) -> None:
    survivor = await registered(index, "Amelia", date(2019, 4, 12))
    retired = await registered(index, "Oliver", date(2014, 1, 1))
    responsible = Caller(la("841"), Purpose.RECORD_LINKAGE)
    await corrections.merge_persons(survivor, retired, responsible, uow=index.unit_of_work(), now=NOW)
    case_id = identifier(IdentifierKind.LA_CASE_ID, "SEN-1", "841")
    with pytest.raises(PersonMerged) as merged:
        await corrections.link_identifier(retired, case_id, responsible, uow=index.unit_of_work(), now=NOW)
    assert merged.value.survivor == survivor
    other = Caller(la("805"), Purpose.RECORD_LINKAGE)
    with pytest.raises(PersonNotFound):  # another LA's: as if absent
        await corrections.link_identifier(retired, case_id, other, uow=index.unit_of_work(), now=NOW)
    outcomes = [(entry.outcome, entry.detail.get("merged_into")) for entry in index.audited()[-2:]]
    assert outcomes == [(AuditOutcome.NOT_FOUND, str(survivor)), (AuditOutcome.DENIED, None)]
