"""An LA learns nothing of another LA's children by probing the index, and each probe is in the audit of the LA
holding the child: an identifier it holds, tried in a match or a manual link, is answered as though free (a
contested link, never matched on); a record scoring against its child leaves an entry in its audit."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from identity_kit.callers import la, platform, trust
from identity_kit.children import identifier, incoming_record
from identity_kit.person_index_fakes import FakePersonIndex
from pathfinder.auth import Principal
from pathfinder.contracts.identity import IdentifierKind, PersonLinked
from pathfinder.identity.persons.domain.audit import AuditAction, AuditEntry, AuditOutcome, Purpose
from pathfinder.identity.persons.domain.identifiers import AgencyIdentifier
from pathfinder.identity.persons.domain.matching import MatchOutcome
from pathfinder.identity.persons.domain.review import IncomingRecord
from pathfinder.identity.persons.service_layer import corrections, reading
from pathfinder.identity.persons.service_layer.attempts import Caller
from pathfinder.identity.persons.service_layer.matching import MatchResult, match_person
from pathfinder.identity.persons.service_layer.refusals import Conflict

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
NHS = IdentifierKind.NHS_NUMBER


async def match(index: FakePersonIndex, record: IncomingRecord, by: Principal) -> MatchResult:
    return await match_person(
        record,
        Caller(by, Purpose.RECORD_LINKAGE),
        uow=index.unit_of_work(),
        local_authorities=index.local_authorities,
        now=NOW,
    )


def hartlepool_record(*identifiers: AgencyIdentifier, given: tuple[str, ...] = ("Oliver",)) -> IncomingRecord:
    return incoming_record(
        "805",
        given=given,
        born=date(2016, 5, 5),
        postcode="TS24 7AA",
        identifiers=identifiers,
        source="805",
        source_role="local-authority",
        verified=bool(identifiers),
    )


async def darlingtons_child(index: FakePersonIndex, number: AgencyIdentifier) -> UUID:
    found = await match(index, incoming_record("841", identifiers=[number], verified=True), trust("RR8"))
    assert found.person_id is not None
    return found.person_id


async def identifiers_seen_by_805(index: FakePersonIndex, person_id: UUID) -> list[tuple[object, ...]]:
    links = await reading.person_identifiers(
        person_id, Caller(la("805"), Purpose.DIRECT_CARE), uow=index.unit_of_work(), now=NOW
    )
    return [(link.kind, link.identifier, link.method, link.source_organisation) for link in links]


def audit_of(index: FakePersonIndex, la_code: str) -> list[AuditEntry]:
    return [entry for entry in index.audited() if entry.responsible_la == la_code]


def shape(entries: list[AuditEntry]) -> list[tuple[object, ...]]:
    """What an LA's audit shows of its own activity, ids aside."""
    return [(e.action, e.outcome, tuple(sorted(k for k in e.detail if k != "link_id"))) for e in entries]


async def probe_by_match(index: FakePersonIndex, number: AgencyIdentifier) -> UUID:
    found = await match(index, hartlepool_record(number), la("805"))
    assert found.person_id is not None
    return found.person_id


async def test_a_matched_identifier_of_another_las_child_reads_back_as_though_it_were_free() -> None:
    """805 registers its own child with an NHS number: held by 841's child, or by nobody. Nothing 805 can read
    tells the two apart; 841's audit shows the probe."""
    held_index, free_index = FakePersonIndex(), FakePersonIndex()
    number = identifier(NHS)
    darlington = await darlingtons_child(held_index, number)
    await darlingtons_child(free_index, identifier(NHS))

    probed, control = await probe_by_match(held_index, number), await probe_by_match(free_index, number)
    assert await identifiers_seen_by_805(held_index, probed) == await identifiers_seen_by_805(free_index, control)
    assert shape(audit_of(held_index, "805")) == shape(audit_of(free_index, "805")), "805's audit alike too"
    announced = [
        [
            (e.responsible_la, e.identifier_kind, e.linked_by)
            for e in index.committed.events
            if isinstance(e, PersonLinked)
        ]
        for index in (held_index, free_index)
    ]
    assert announced[0] == announced[1], "805's subscriptions are told the same"

    [in_841s_audit] = [e for e in audit_of(held_index, "841") if e.actor.organisation == "805"]
    assert (in_841s_audit.person_id, in_841s_audit.action, in_841s_audit.outcome) == (
        darlington,
        AuditAction.MATCH,
        AuditOutcome.DENIED,
    )
    assert "identifier" in in_841s_audit.detail["reason"]
    again = await match(
        held_index, incoming_record("841", identifiers=[number], verified=True, source="RX1"), trust("RX1")
    )
    assert again.person_id == darlington, "the number still names 841's child: 805's link is never matched on"


async def test_a_manual_link_of_another_las_childs_identifier_answers_as_though_it_were_free() -> None:
    held_index, free_index = FakePersonIndex(), FakePersonIndex()
    number = identifier(NHS)
    darlington = await darlingtons_child(held_index, number)
    await darlingtons_child(free_index, identifier(NHS))
    indexes, own_number = (held_index, free_index), identifier(NHS)
    own = [await probe_by_match(index, own_number) for index in indexes]
    caller = Caller(la("805"), Purpose.RECORD_LINKAGE)
    made = [
        await corrections.link_identifier(person_id, number, caller, uow=index.unit_of_work(), now=NOW)
        for index, person_id in zip(indexes, own, strict=True)
    ]
    assert [(link.kind, link.method, link.source_organisation) for link in made] == [(NHS, "manual", "805")] * 2
    assert await identifiers_seen_by_805(held_index, own[0]) == await identifiers_seen_by_805(free_index, own[1])
    assert shape(audit_of(held_index, "805")) == shape(audit_of(free_index, "805"))
    [in_841s_audit] = [e for e in audit_of(held_index, "841") if e.actor.organisation == "805"]
    assert (in_841s_audit.person_id, in_841s_audit.action, in_841s_audit.outcome) == (
        darlington,
        AuditAction.LINK,
        AuditOutcome.DENIED,
    ), "filed under 841, the LA of the child whose number it is"
    assert made[0].contested and not made[1].contested


async def test_an_identifier_held_by_a_child_the_caller_may_see_is_still_refused(index: FakePersonIndex) -> None:
    number = identifier(NHS)
    darlington = await darlingtons_child(index, number)
    other = await match(index, hartlepool_record(), trust("RR8"))
    assert other.person_id is not None
    with pytest.raises(Conflict, match="linked to another person"):
        await corrections.link_identifier(
            other.person_id, number, Caller(platform(), Purpose.RECORD_LINKAGE), uow=index.unit_of_work(), now=NOW
        )
    assert [link.owner_id for link in index.state.links.values()] == [darlington]


async def test_a_probe_by_name_birth_date_and_postcode_is_in_the_audit_of_the_child_it_scored_against(
    index: FakePersonIndex,
) -> None:
    darlington = await darlingtons_child(index, identifier(NHS))
    probe = incoming_record("805", source="805", source_role="local-authority")  # 841's child, by name alone
    found = await match(index, probe, la("805"))
    assert (found.outcome, found.review_id, found.responsible_la) == (MatchOutcome.NO_MATCH, None, "805")
    assert all(e.person_id != darlington for e in audit_of(index, "805")), "805's audit says nothing of it"
    [in_841s_audit] = [e for e in audit_of(index, "841") if e.actor.organisation == "805"]
    assert (in_841s_audit.person_id, in_841s_audit.outcome) == (darlington, AuditOutcome.DENIED)
    assert "scored as a match" in in_841s_audit.detail["reason"]

    unlike = hartlepool_record(given=("Noah",))
    await match(index, unlike, la("805"))
    assert len([e for e in audit_of(index, "841") if e.actor.organisation == "805"]) == 1, "no score, no entry"
