"""Reading the in-memory index: each caller sees what disclosure allows and no more, the review queue shows
the held record to its own LA only, and each LA reads the audit entries about its own children."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from identity_kit.callers import la, platform, trust
from identity_kit.children import identifier, incoming_record
from identity_kit.person_index_fakes import FakePersonIndex
from pathfinder.auth import AccessDenied, Principal
from pathfinder.contracts.identity import IdentifierKind
from pathfinder.identity.persons.domain.audit import AuditAction, AuditOutcome, Purpose
from pathfinder.identity.persons.domain.demographics import Sex
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.service_layer import corrections, reading
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.identity.persons.service_layer.matching import match_person
from pathfinder.identity.persons.service_layer.refusals import PersonNotFound

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def by(principal: Principal) -> Caller:
    return Caller(principal, Purpose.DIRECT_CARE)


@dataclass
class Darlington:
    """A child of LA 841: RR8 supplied the NHS number, RX1 a second record with a ULN, 841 a UPN and the platform
    a case id issued by LA 805; a twin's record waits for review."""

    person_id: UUID
    review_id: UUID


@pytest.fixture
async def child(index: FakePersonIndex) -> Darlington:
    number = identifier(IdentifierKind.NHS_NUMBER)
    first = await match_person(
        incoming_record(identifiers=[number], verified=True),
        by(trust("RR8")),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )
    assert first.person_id is not None
    second = incoming_record(identifiers=[number, identifier(IdentifierKind.ULN)], source="RX1", verified=True)
    await match_person(
        second, by(trust("RX1")), uow=index.unit_of_work(), local_authorities=index.local_authorities, now=NOW
    )
    for caller, linked in (
        (la("841"), identifier(IdentifierKind.UPN)),
        (platform(), AgencyIdentifier.parse(IdentifierKind.LA_CASE_ID, "DAR-77", "805")),
    ):
        await corrections.link_identifier(first.person_id, linked, by(caller), uow=index.unit_of_work(), now=NOW)
    twin = await match_person(
        incoming_record(given=("Isla",), sex=Sex.MALE),
        by(trust("RR8")),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )
    assert twin.review_id is not None
    return Darlington(first.person_id, twin.review_id)


async def test_an_nhs_body_sees_only_what_it_supplied(index: FakePersonIndex, child: Darlington) -> None:
    details = await reading.person_details(child.person_id, by(trust("RX1")), uow=index.unit_of_work(), now=NOW)
    assert [record.organisation for record in details.records] == ["RX1"]
    links = await reading.person_identifiers(child.person_id, by(trust("RX1")), uow=index.unit_of_work(), now=NOW)
    assert [link.kind for link in links] == [IdentifierKind.ULN]
    with pytest.raises(PersonNotFound):  # another LA's: as if absent
        await reading.person_details(child.person_id, by(trust("RX9")), uow=index.unit_of_work(), now=NOW)
    denied = index.audited()[-1]
    assert (denied.action, denied.outcome, denied.actor.organisation) == (
        AuditAction.READ_DETAILS,
        AuditOutcome.DENIED,
        "RX9",
    )


async def test_the_responsible_la_sees_everything_but_case_ids_other_las_issued(
    index: FakePersonIndex, child: Darlington
) -> None:
    details = await reading.person_details(child.person_id, by(la("841")), uow=index.unit_of_work(), now=NOW)
    assert sorted(record.organisation for record in details.records) == ["RR8", "RX1"]
    links = await reading.person_identifiers(child.person_id, by(la("841")), uow=index.unit_of_work(), now=NOW)
    assert sorted(link.kind for link in links) == [IdentifierKind.NHS_NUMBER, IdentifierKind.ULN, IdentifierKind.UPN]
    with pytest.raises(PersonNotFound):  # another LA's: as if absent
        await reading.person_details(child.person_id, by(la("805")), uow=index.unit_of_work(), now=NOW)


async def test_the_platform_matches_but_does_not_read(index: FakePersonIndex, child: Darlington) -> None:
    for read in (reading.person_details, reading.person_identifiers):
        with pytest.raises(AccessDenied):
            await read(child.person_id, by(platform()), uow=index.unit_of_work(), now=NOW)
    assert [entry.outcome for entry in index.audited()[-2:]] == [AuditOutcome.DENIED] * 2


async def test_the_review_queue_shows_the_held_record_to_its_own_la_only(
    index: FakePersonIndex, child: Darlington
) -> None:
    [ours] = await reading.match_reviews(by(la("841")), uow=index.unit_of_work(), now=NOW, limit=10)
    assert ours.review.review_id == child.review_id
    assert ours.incoming is not None and ours.incoming.demographics.given_names == ("Isla",)
    assert [candidate.person_id for candidate in ours.candidates] == [child.person_id]
    [as_platform] = await reading.match_reviews(by(platform()), uow=index.unit_of_work(), now=NOW, limit=10)
    assert as_platform.incoming is None
    assert await reading.match_reviews(by(la("805")), uow=index.unit_of_work(), now=NOW, limit=10) == []
    with pytest.raises(AccessDenied):
        await reading.match_reviews(by(trust("RR8")), uow=index.unit_of_work(), now=NOW, limit=10)
    shown = [entry for entry in index.audited() if entry.action is AuditAction.READ_REVIEW and entry.review_id]
    assert [entry.detail["record_shown"] for entry in shown] == ["true", "false"]


async def test_each_la_reads_the_audit_of_its_own_children_and_nhs_bodies_none(
    index: FakePersonIndex, child: Darlington
) -> None:
    theirs = await match_person(
        incoming_record("805", given=("Oliver",), family="Brown", born=date(2014, 1, 1), postcode="TS24 7AA"),
        by(trust("RR8")),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )
    assert theirs.person_id is not None
    ours = await reading.audit_events(None, by(la("841")), uow=index.unit_of_work(), now=NOW, before=None, limit=100)
    assert {stored.entry.responsible_la for stored in ours} == {"841"}
    assert theirs.person_id not in {stored.entry.person_id for stored in ours}
    probed = await reading.audit_events(
        child.person_id, by(la("805")), uow=index.unit_of_work(), now=NOW, before=None, limit=5
    )
    never_held = await reading.audit_events(
        uuid4(), by(la("805")), uow=index.unit_of_work(), now=NOW, before=None, limit=5
    )
    assert probed == never_held == [], "another LA's child is answered as a child never held"
    denied = index.audited()[-2]
    assert (denied.outcome, denied.actor.organisation, denied.responsible_la) == (AuditOutcome.DENIED, "805", "841")
    with pytest.raises(AccessDenied):
        await reading.audit_events(None, by(trust("RR8")), uow=index.unit_of_work(), now=NOW, before=None, limit=5)
    everything = await reading.audit_events(
        None, by(platform()), uow=index.unit_of_work(), now=NOW, before=None, limit=500
    )
    assert {child.person_id, theirs.person_id} <= {stored.entry.person_id for stored in everything}
    page = await reading.audit_events(None, by(platform()), uow=index.unit_of_work(), now=NOW, before=None, limit=2)
    older = await reading.audit_events(
        None, by(platform()), uow=index.unit_of_work(), now=NOW, before=page[-1].audit_id, limit=2
    )
    assert [stored.audit_id for stored in page + older] == sorted((s.audit_id for s in page + older), reverse=True)
    assert page[0].entry.action is AuditAction.READ_AUDIT  # reading the log is itself in the log, newest first
