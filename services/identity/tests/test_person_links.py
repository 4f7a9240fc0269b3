# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Correcting the index by hand: link, unlink, merge and unmerge, each committing its contract event in the
outbox with the change, or neither."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest
from identity_kit import TEST_ENVIRONMENT
from identity_kit.callers import la, platform, trust
from identity_kit.children import nhs_number, upn
from identity_kit.persons import PersonIndexUnderTest, child, nhs, running_person_index
from pathfinder.contracts.identity import PersonLinked
from pathfinder.identity.persons.adapters.tables import person_audit_event, person_link
from sqlalchemy import event

LINKED = PersonLinked.event_type
UNLINKED = "pathfinder.identity.person-unlinked.v1"
MERGED = "pathfinder.identity.persons-merged.v1"
UNMERGED = "pathfinder.identity.persons-unmerged.v1"


@pytest.fixture
async def index(fresh_database, monkeypatch) -> AsyncIterator[PersonIndexUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    async with running_person_index(await fresh_database("person_links")) as running:
        yield running


async def registered(index: PersonIndexUnderTest, **changes) -> str:
    answer = await index.match(trust("RR8"), child(**changes))
    assert answer["outcome"] == "no-match"
    person_id: str = answer["person_id"]
    return person_id


async def link(index: PersonIndexUnderTest, person_id: str, body: dict, caller=None):
    return await index.http.post(
        f"/persons/{person_id}/links", json=body, headers=index.headers(caller or la("841"), purpose=None)
    )


async def identifiers(index: PersonIndexUnderTest, person_id: str) -> list[dict]:
    response = await index.http.get(f"/persons/{person_id}/identifiers", headers=index.headers(la("841")))
    assert response.status_code == 200, response.text
    found: list[dict] = response.json()["identifiers"]
    return found


async def test_a_manual_link_commits_with_its_event(index) -> None:
    person_id = await registered(index)
    case = {"kind": "la-case-id", "value": "SEN/2026/0042", "issuer": "841"}
    response = await link(index, person_id, case)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["kind"], created["value"], created["linked_by"], created["source_organisation"]) == (
        "la-case-id",
        "SEN/2026/0042",
        "manual",
        "841",
    )
    [(_, key, payload)] = await index.events(LINKED, linked_by="manual")
    assert key == person_id
    assert payload == {
        "person_id": person_id,
        "responsible_la": "841",
        "link_id": created["link_id"],
        "identifier_kind": "la-case-id",
        "linked_by": "manual",
        "linked_at": payload["linked_at"],
    }
    again = await link(index, person_id, case)
    assert again.json()["link_id"] == created["link_id"]
    assert len(await index.events(LINKED, linked_by="manual")) == 1


async def test_an_identifier_linked_to_another_person_is_refused_and_nothing_changes(index) -> None:
    pupil = {"kind": "upn", "value": upn()}
    first, second = await registered(index), await registered(index, given=["Oliver"], born="2016-05-05")
    assert (await link(index, first, pupil)).status_code == 201
    refused = await link(index, second, pupil)
    assert refused.status_code == 409
    assert pupil["value"] not in refused.text
    assert await identifiers(index, second) == []
    assert len(await index.events(LINKED, linked_by="manual")) == 1
    denied = await index.rows(person_audit_event, person_audit_event.c.outcome == "denied")
    assert [(row.action, str(row.person_id), row.detail["reason"]) for row in denied] == [
        ("link", second, "identifier-held-elsewhere")
    ]


async def test_unlinking_frees_the_identifier_and_says_so(index) -> None:
    pupil = {"kind": "upn", "value": upn()}
    first, second = await registered(index), await registered(index, given=["Oliver"], born="2016-05-05")
    link_id = (await link(index, first, pupil)).json()["link_id"]
    url = f"/persons/{first}/links/{link_id}"
    removed = await index.http.delete(url, headers=index.headers(la("841"), purpose=None))
    assert removed.status_code == 204
    [(_, key, payload)] = await index.events(UNLINKED)
    assert (key, payload["link_id"], payload["identifier_kind"]) == (first, link_id, "upn")
    assert await identifiers(index, first) == []
    assert (await index.http.delete(url, headers=index.headers(la("841")))).status_code == 404
    assert (await link(index, second, pupil)).status_code == 201
    [old] = await index.rows(person_link, person_link.c.link_id == link_id)
    assert old.unlinked_at is not None


async def test_merge_retires_one_id_and_unmerge_gives_it_back(index) -> None:
    number = nhs_number()
    survivor = await registered(index, identifiers=[nhs(number)])
    retired = await registered(index, given=["Amelia-Rose"], born="2019-05-12", postcode="DL3 7QQ")
    pupil = (await link(index, retired, {"kind": "upn", "value": upn()})).json()
    merged = await index.http.post(
        f"/persons/{survivor}/merges", json={"merged_person_id": retired}, headers=index.headers(la("841"))
    )
    assert merged.status_code == 201, merged.text
    merge_id = merged.json()["merge_id"]
    [(_, key, payload)] = await index.events(MERGED)
    assert (key, payload["merged_person_id"], payload["merge_id"]) == (survivor, retired, merge_id)

    gone = await index.http.get(f"/persons/{retired}", headers=index.headers(la("841")))
    assert gone.status_code == 410 and survivor in gone.json()["detail"]
    assert {link["link_id"] for link in await identifiers(index, survivor)} >= {pupil["link_id"]}
    details = (await index.http.get(f"/persons/{survivor}", headers=index.headers(la("841")))).json()
    assert len(details["records"]) == 2
    found = await index.match(trust("RX1"), child(family="Other", identifiers=[nhs(number)], verified=True))
    assert found["person_id"] == survivor

    undone = await index.http.delete(f"/persons/{survivor}/merges/{merge_id}", headers=index.headers(la("841")))
    assert undone.status_code == 200 and undone.json()["unmerged_at"] is not None
    [(_, key, payload)] = await index.events(UNMERGED)
    assert (key, payload["restored_person_id"]) == (survivor, retired)
    assert [link["link_id"] for link in await identifiers(index, retired)] == [pupil["link_id"]]
    assert pupil["link_id"] not in {link["link_id"] for link in await identifiers(index, survivor)}


async def test_merges_stay_within_one_responsible_la(index) -> None:
    ours = await registered(index)
    theirs = (await index.match(trust("RR8"), child("805", given=["Oliver"], born="2016-05-05")))["person_id"]
    body = {"merged_person_id": theirs}
    refused = await index.http.post(f"/persons/{ours}/merges", json=body, headers=index.headers(la("841")))
    assert refused.status_code == 404, "for 841, 805's child is not there"
    across = await index.http.post(f"/persons/{ours}/merges", json=body, headers=index.headers(platform()))
    assert across.status_code == 409
    assert await index.events(MERGED) == []
    also_ours = await registered(index, given=["Isla"], born="2017-07-07")
    allowed = await index.http.post(
        f"/persons/{ours}/merges", json={"merged_person_id": also_ours}, headers=index.headers(platform())
    )
    assert allowed.status_code == 201
    itself = await index.http.post(
        f"/persons/{ours}/merges", json={"merged_person_id": ours}, headers=index.headers(platform())
    )
    assert itself.status_code == 409


async def test_candidates_loaded_together_are_the_persons_loaded_one_by_one(index) -> None:
    survivor, retired = await registered(index), await registered(index, given=["Maisie"], born="2022-02-02")
    alone = await registered(index, given=["Otto"], family="Quill", born="2021-03-03")
    assert (await link(index, survivor, {"kind": "upn", "value": upn()})).status_code == 201
    merged = await index.http.post(
        f"/persons/{survivor}/merges", json={"merged_person_id": retired}, headers=index.headers(la("841"))
    )
    assert merged.status_code == 201, merged.text
    wanted = [UUID(alone), UUID(survivor), UUID(alone), uuid4()]  # a repeat, and an id no one has
    async with index.service.person_index.unit_of_work() as uow:
        together = await uow.persons.get_many(wanted)
        one_by_one = [await uow.persons.get(person_id, lock=False) for person_id in sorted({*wanted})]
    assert together == [found for found in one_by_one if found is not None]
    [kept] = [person for person in together if person.person_id == UUID(survivor)]
    assert kept.members == {UUID(survivor), UUID(retired)} and len(kept.records) == 2 and len(kept.merges) == 1


def statements_sent(index: PersonIndexUnderTest) -> list[str]:
    """Every statement the service sends PostgreSQL from now on."""
    sent: list[str] = []
    engine = index.service.engine.sync_engine
    event.listen(engine, "before_cursor_execute", lambda _c, _k, statement, *_rest: sent.append(statement))
    return sent


async def test_loading_no_candidates_costs_one_statement_at_most(index) -> None:
    statements = statements_sent(index)
    async with index.service.person_index.unit_of_work() as uow:
        assert await uow.persons.get_many([]) == []
        asked_for_nobody = len(statements)
        assert await uow.persons.get_many([uuid4(), uuid4()]) == []
    assert asked_for_nobody == 0, statements
    assert len(statements) == 1, statements  # the persons' rows, and with none found nothing more


async def test_a_child_new_to_the_index_is_indexed_without_clearing_keys_it_cannot_have(index) -> None:
    statements = statements_sent(index)
    person_id = await registered(index, given=["Ottoline"], family="Verity", born="2021-05-05")

    assert not [sent for sent in statements if sent.lstrip().upper().startswith("DELETE")], statements
    again = await index.match(trust("RR8"), child(given=["Ottoline"], family="Verity", born="2021-05-05"))
    assert (again["outcome"], again["person_id"]) == ("match", person_id), "found again by its blocking keys"
