# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The responsible LA over HTTP on PostgreSQL (docs/decisions/0007-responsible-la.md): a new child whose postcode's
LA disagrees with the LA named waits for the platform, which names the LA; a transfer moves a child, announced;
an LA trying another LA's child's NHS number gets a contested link that reads like any other and is never found
by that number."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from identity_kit import TEST_ENVIRONMENT
from identity_kit.callers import la, platform, trust
from identity_kit.children import nhs_number
from identity_kit.persons import PersonIndexUnderTest, child, nhs, running_person_index
from pathfinder.contracts.identity import PossibleMatchResolved, ResponsibleLaChanged
from pathfinder.identity.persons.adapters.tables import match_review, person, person_audit_event, person_link


@pytest.fixture
async def index(fresh_database, monkeypatch) -> AsyncIterator[PersonIndexUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    async with running_person_index(await fresh_database("responsible_la")) as running:
        yield running


async def reviews(index: PersonIndexUnderTest, caller) -> list[dict]:
    response = await index.http.get("/match-reviews", headers=index.headers(caller, purpose="record-linkage"))
    assert response.status_code == 200, response.text
    found: list[dict] = response.json()["reviews"]
    return found


async def decide(index: PersonIndexUnderTest, review_id: str, caller, **body):
    return await index.http.post(
        f"/match-reviews/{review_id}/decision",
        json={"decision": "new-person", **body},
        headers=index.headers(caller, purpose=None),
    )


async def test_a_disputed_new_child_waits_for_the_platform_which_names_its_la(index) -> None:
    held = await index.match(trust("RR8"), {**child("805"), "postcode_la": "841"})
    assert (held["outcome"], held["person_id"], held["responsible_la"], held["review_kind"]) == (
        "possible-match",
        None,
        None,
        "responsible-la",
    )
    assert await index.rows(person) == [], "no child yet, so no LA has one"
    assert await reviews(index, la("805")) == [] and await reviews(index, la("841")) == []
    [shown] = await reviews(index, platform())
    assert (shown["kind"], shown["responsible_la"], shown["la_choices"], shown["incoming"]) == (
        "responsible-la",
        None,
        ["805", "841"],
        None,
    ), "the platform sees the two LAs and who sent it, not the child's details"

    assert (await decide(index, held["review_id"], la("805"), responsible_la="805")).status_code == 403
    wrong = await decide(index, held["review_id"], platform(), responsible_la="878")
    assert wrong.status_code == 409, wrong.text
    decided = await decide(index, held["review_id"], platform(), responsible_la="841")
    assert decided.status_code == 200, decided.text
    assert (decided.json()["outcome"], decided.json()["responsible_la"]) == ("no-match", "841")
    [row] = await index.rows(person)
    assert (str(row.person_id), row.responsible_la) == (decided.json()["person_id"], "841")
    [(_, _, resolved)] = await index.events(PossibleMatchResolved.event_type)
    assert (resolved["review_id"], resolved["responsible_la"]) == (held["review_id"], "841")
    [stored] = await index.rows(match_review)
    assert (stored.kind, stored.status, stored.sealed_record) == ("responsible-la", "new-person", None)


async def test_a_possible_match_found_new_is_referred_with_its_record_and_registered_under_the_la_named(index) -> None:
    await index.match(trust("RR8"), child("841", given=["Isla"]))
    brother = {**child("805", given=["Isla"], sex="male"), "postcode_la": "841"}
    possible = await index.match(trust("RX1"), brother)
    assert (possible["outcome"], possible["review_kind"], possible["responsible_la"]) == (
        "possible-match",
        "possible-match",
        "841",
    )
    referred = await decide(index, possible["review_id"], la("841"))
    assert referred.status_code == 200, referred.text
    assert (referred.json()["review_id"], referred.json()["review_kind"]) == (possible["review_id"], "responsible-la")
    [stored] = await index.rows(match_review)
    assert (stored.kind, stored.status, stored.responsible_la, stored.candidates) == (
        "responsible-la",
        "pending",
        None,
        [],
    )
    assert stored.sealed_record is not None, "the record waits on, sealed"
    decided = await decide(index, possible["review_id"], platform(), responsible_la="805")
    assert decided.status_code == 200, decided.text
    assert decided.json()["responsible_la"] == "805", "the LA the record named, not the LA that was asked first"


async def test_a_transfer_moves_the_child_and_is_announced_and_audited_under_both_las(index) -> None:
    person_id = (await index.match(trust("RR8"), child("805")))["person_id"]
    moved = await index.http.post(
        f"/persons/{person_id}/$transfer", json={"responsible_la": "841"}, headers=index.headers(la("805"), None)
    )
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"person_id": person_id, "responsible_la": "841", "previous_la": "805"}
    [(_, key, changed)] = await index.events(ResponsibleLaChanged.event_type)
    assert (key, changed["responsible_la"], changed["previous_la"]) == (person_id, "841", "805")
    reading = f"/persons/{person_id}"
    assert (await index.http.get(reading, headers=index.headers(la("841")))).status_code == 200
    assert (await index.http.get(reading, headers=index.headers(la("805")))).status_code == 404
    entries = await index.rows(person_audit_event, person_audit_event.c.action == "transfer")
    assert sorted((row.responsible_la, row.outcome) for row in entries) == [("805", "allowed"), ("841", "allowed")]
    again = await index.http.post(
        f"/persons/{person_id}/$transfer", json={"responsible_la": "805"}, headers=index.headers(la("805"), None)
    )
    assert again.status_code == 404, "805 no longer holds the child: for it, the child is not there"


async def test_another_las_nhs_number_reads_back_like_any_link_and_is_never_found_by(index) -> None:
    number = nhs_number()
    darlington = await index.match(trust("RR8"), child("841", identifiers=[nhs(number)], verified=True))
    probe = child("805", given=["Oliver"], born="2016-05-05", postcode="TS24 7AA", identifiers=[nhs(number)])
    hartlepool = await index.match(la("805"), {**probe, "nhs_number_verification": "01"})
    assert (hartlepool["outcome"], hartlepool["identifiers_held_elsewhere"]) == ("no-match", [])
    own = hartlepool["person_id"]
    listed = await index.http.get(f"/persons/{own}/identifiers", headers=index.headers(la("805")))
    assert [(i["kind"], i["value"]) for i in listed.json()["identifiers"]] == [("nhs-number", number)]
    [contested] = await index.rows(person_link, person_link.c.person_id == own)
    assert (contested.contested, contested.value_digest) == (True, None), "kept, never found by its value"
    again = await index.match(trust("RX1"), child("841", identifiers=[nhs(number)], verified=True))
    assert again["person_id"] == darlington["person_id"]

    other_number = nhs_number()
    other = await index.match(trust("RR8"), child("841", given=["Ada"], identifiers=[nhs(other_number)]))
    linked = await index.http.post(
        f"/persons/{own}/links", json={"kind": "nhs-number", "value": other_number}, headers=index.headers(la("805"))
    )
    assert linked.status_code == 201, "answered as though the number were free"
    in_841s_audit = await index.http.get(
        "/audit-events",
        params={"person_id": other["person_id"]},
        headers=index.headers(la("841"), purpose="audit-oversight"),
    )
    seen = [(e["action"], e["outcome"], e["actor"]["organisation"]) for e in in_841s_audit.json()["events"]]
    assert ("link", "denied", "805") in seen, "841 sees, in its own audit, that 805 tried its child's number"
