"""Correcting the in-memory index by hand: links and unlinks, merges and unmerges, erasure; each committed
with its event and audit entry, or refused with nothing but the audit entry kept."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TypeVar
from uuid import UUID, uuid4

import pytest
from identity_kit.callers import la, platform, trust
from identity_kit.children import identifier, incoming_record
from identity_kit.person_index_fakes import FakePersonIndex
from pathfinder.auth import Principal
from pathfinder.contracts import ContractEvent
from pathfinder.contracts.identity import (
    IdentifierKind,
    PersonErased,
    PersonLinked,
    PersonsMerged,
    PersonsUnmerged,
    PersonUnlinked,
)
from pathfinder.identity.persons.domain.audit import AuditAction, AuditOutcome, Purpose
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.person import LinkMethod, PersonStatus
from pathfinder.identity.persons.service_layer import corrections, reading
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.identity.persons.service_layer.matching import match_person
from pathfinder.identity.persons.service_layer.refusals import (
    Conflict,
    LinkNotHeld,
    MergeNotHeld,
    PersonMerged,
    PersonNotFound,
)
from pathfinder.identity.persons.service_layer.refusals import (
    PersonErased as Erased,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
Event = TypeVar("Event", bound=ContractEvent)
CASE_ID = AgencyIdentifier.parse(IdentifierKind.LA_CASE_ID, "SEN/2026/0042", "841")


def by(principal: Principal | None = None) -> Caller:
    return Caller(principal or la("841"), Purpose.RECORD_LINKAGE)


async def registered(
    index: FakePersonIndex,
    responsible_la: str = "841",
    *,
    given: tuple[str, ...] = ("Amelia",),
    born: date = date(2019, 4, 12),
    postcode: str = "DL1 4AB",
    identifiers: tuple[AgencyIdentifier, ...] = (),
) -> UUID:
    record = incoming_record(responsible_la, given=given, born=born, postcode=postcode, identifiers=identifiers)
    result = await match_person(
        record,
        Caller(trust("RR8"), Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )
    assert result.person_id is not None
    return result.person_id


async def link(
    index: FakePersonIndex, person_id: UUID, identifier: AgencyIdentifier, caller: Caller | None = None
) -> UUID:
    made = await corrections.link_identifier(person_id, identifier, caller or by(), uow=index.unit_of_work(), now=NOW)
    return made.link_id


def events(index: FakePersonIndex, kind: type[Event]) -> list[Event]:
    return [event for event in index.committed.events if isinstance(event, kind)]


async def test_a_manual_link_commits_with_its_event_and_linking_again_changes_nothing(index: FakePersonIndex) -> None:
    person_id = await registered(index)
    link_id = await link(index, person_id, CASE_ID)
    stored = index.state.links[link_id]
    assert (stored.owner_id, stored.method, stored.source_organisation) == (person_id, LinkMethod.MANUAL, "841")
    [event] = events(index, PersonLinked)
    assert (event.person_id, event.link_id, event.linked_by) == (person_id, link_id, "manual")
    assert await link(index, person_id, CASE_ID) == link_id
    assert len(events(index, PersonLinked)) == 1
    assert index.audited()[-1].detail == {"identifier_kind": "la-case-id", "link_id": str(link_id)}


async def test_an_identifier_linked_to_another_person_is_refused_and_nothing_changes(index: FakePersonIndex) -> None:
    pupil = identifier(IdentifierKind.UPN)
    first, second = await registered(index), await registered(index, given=("Oliver",), born=date(2016, 5, 5))
    await link(index, first, pupil)
    with pytest.raises(Conflict, match="linked to another person"):
        await link(index, second, pupil)
    assert [held.owner_id for held in index.state.links.values()] == [first]
    denied = index.audited()[-1]
    assert (denied.action, denied.outcome, denied.person_id, denied.detail["reason"]) == (
        AuditAction.LINK,
        AuditOutcome.DENIED,
        second,
        "identifier-held-elsewhere",
    )


async def test_unlinking_frees_the_identifier_and_says_so(index: FakePersonIndex) -> None:
    pupil = identifier(IdentifierKind.UPN)
    first, second = await registered(index), await registered(index, given=("Oliver",), born=date(2016, 5, 5))
    link_id = await link(index, first, pupil)
    await corrections.unlink_identifier(first, link_id, by(), uow=index.unit_of_work(), now=NOW)
    [event] = events(index, PersonUnlinked)
    assert (event.person_id, event.link_id, event.identifier_kind) == (first, link_id, IdentifierKind.UPN)
    assert index.state.links[link_id].unlinked_at == NOW
    with pytest.raises(LinkNotHeld):
        await corrections.unlink_identifier(first, link_id, by(), uow=index.unit_of_work(), now=NOW)
    assert index.audited()[-1].outcome is AuditOutcome.NOT_FOUND
    await link(index, second, pupil)


async def test_a_merge_retires_one_id_and_an_unmerge_gives_it_back_with_what_it_brought(index: FakePersonIndex) -> None:
    survivor = await registered(index)
    retired = await registered(index, given=("Amelia-Rose",), born=date(2019, 5, 12), postcode="DL3 7QQ")
    pupil = await link(index, retired, identifier(IdentifierKind.UPN))
    merge = await corrections.merge_persons(survivor, retired, by(), uow=index.unit_of_work(), now=NOW)
    [merged] = events(index, PersonsMerged)
    assert (merged.person_id, merged.merged_person_id, merged.merge_id) == (survivor, retired, merge.merge_id)
    assert (index.state.persons[retired].status, index.state.persons[retired].merged_into) == (
        PersonStatus.MERGED,
        survivor,
    )
    with pytest.raises(PersonMerged, match=str(survivor)):
        await reading.person_details(retired, by(), uow=index.unit_of_work(), now=NOW)
    details = await reading.person_details(survivor, by(), uow=index.unit_of_work(), now=NOW)
    assert len(details.records) == 2
    assert pupil in {
        held.link_id for held in await reading.person_identifiers(survivor, by(), uow=index.unit_of_work(), now=NOW)
    }

    await corrections.unmerge_persons(survivor, merge.merge_id, by(), uow=index.unit_of_work(), now=NOW)
    [unmerged] = events(index, PersonsUnmerged)
    assert (unmerged.person_id, unmerged.restored_person_id) == (survivor, retired)
    assert index.state.persons[retired].status is PersonStatus.ACTIVE
    restored = await reading.person_identifiers(retired, by(), uow=index.unit_of_work(), now=NOW)
    assert [held.link_id for held in restored] == [pupil]
    kept = await reading.person_identifiers(survivor, by(), uow=index.unit_of_work(), now=NOW)
    assert pupil not in {held.link_id for held in kept}
    with pytest.raises(MergeNotHeld):
        await corrections.unmerge_persons(survivor, merge.merge_id, by(), uow=index.unit_of_work(), now=NOW)


async def test_merges_stay_within_one_responsible_la_and_never_into_itself(index: FakePersonIndex) -> None:
    ours, theirs = await registered(index), await registered(index, "805", given=("Oliver",), born=date(2016, 5, 5))
    with pytest.raises(PersonNotFound):  # another LA's: as if absent
        await corrections.merge_persons(ours, theirs, by(), uow=index.unit_of_work(), now=NOW)
    with pytest.raises(Conflict, match="different responsible LAs"):
        await corrections.merge_persons(ours, theirs, by(platform()), uow=index.unit_of_work(), now=NOW)
    with pytest.raises(Conflict, match="itself"):
        await corrections.merge_persons(ours, ours, by(platform()), uow=index.unit_of_work(), now=NOW)
    assert events(index, PersonsMerged) == []
    assert {row.status for row in index.state.persons.values()} == {PersonStatus.ACTIVE}


async def test_erasure_forgets_every_id_the_person_stands_for_and_is_gone_for_every_caller(
    index: FakePersonIndex,
) -> None:
    survivor = await registered(index, identifiers=(identifier(IdentifierKind.NHS_NUMBER),))
    retired = await registered(index, given=("Oliver",), born=date(2014, 1, 1))
    await corrections.merge_persons(survivor, retired, by(), uow=index.unit_of_work(), now=NOW)
    with pytest.raises(PersonNotFound):  # another LA's: as if absent
        await corrections.erase_person(survivor, by(la("805")), uow=index.unit_of_work(), now=NOW)
    erased_at = await corrections.erase_person(survivor, by(), uow=index.unit_of_work(), now=NOW)
    assert erased_at == NOW
    assert {event.person_id for event in events(index, PersonErased)} == {survivor, retired}
    assert (index.state.records, index.state.blocking) == ({}, {})
    assert all(held.identifier is None for held in index.state.links.values())
    assert {row.status for row in index.state.persons.values()} == {PersonStatus.ERASED}
    for caller in (la("841"), la("805"), trust("RR8"), platform()):
        with pytest.raises(Erased):
            await reading.person_details(survivor, by(caller), uow=index.unit_of_work(), now=NOW)
        with pytest.raises(Erased):
            await link(index, survivor, CASE_ID, by(caller))
    outcomes = [(entry.action, entry.outcome) for entry in index.audited() if entry.person_id == survivor]
    assert (AuditAction.ERASE, AuditOutcome.ALLOWED) in outcomes and (
        AuditAction.ERASE,
        AuditOutcome.DENIED,
    ) in outcomes
    assert (AuditAction.READ_DETAILS, AuditOutcome.GONE) in outcomes


async def test_an_unknown_person_is_not_found_and_the_attempt_audited(index: FakePersonIndex) -> None:
    missing = uuid4()
    with pytest.raises(PersonNotFound):
        await link(index, missing, CASE_ID)
    [entry] = index.audited()
    assert (entry.action, entry.outcome, entry.person_id) == (AuditAction.LINK, AuditOutcome.NOT_FOUND, missing)
