# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Erasure by crypto-shredding: once a person is erased no endpoint gives their details to anyone, their key
and blind indexes are gone, what was sealed under the key no longer opens, and the audit log shows it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from identity_kit import TEST_ENVIRONMENT
from identity_kit.callers import la, platform, trust
from identity_kit.children import nhs_number, upn
from identity_kit.persons import PersonIndexUnderTest, child, nhs, running_person_index
from pathfinder.identity.persons.adapters.tables import (
    person,
    person_blocking_key,
    person_key,
    person_link,
    person_record,
)
from pathfinder.identity.persons.adapters.vault import DataKey, VaultError

ERASED = "pathfinder.identity.person-erased.v1"


@pytest.fixture
async def index(fresh_database, monkeypatch) -> AsyncIterator[PersonIndexUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    async with running_person_index(await fresh_database("person_erasure")) as running:
        yield running


async def test_an_erased_person_is_gone_for_every_caller_and_their_key_with_them(index) -> None:
    number = nhs_number()
    person_id = (await index.match(trust("RR8"), child(identifiers=[nhs(number)], verified=True)))["person_id"]
    pupil = {"kind": "upn", "value": upn()}
    link_id = (
        await index.http.post(f"/persons/{person_id}/links", json=pupil, headers=index.headers(la("841")))
    ).json()["link_id"]
    [key_row] = await index.rows(person_key, person_key.c.person_id == person_id)
    [record_row] = await index.rows(person_record, person_record.c.person_id == person_id)
    key = index.vault.unwrap(key_row.person_id, key_row.wrapped_key)
    assert b"Amelia" in index.vault.open(key, "record|RR8", record_row.sealed_demographics)

    for refused in (la("805"), trust("RR8")):  # a child it may not act on is not there for it
        erase = await index.http.post(f"/persons/{person_id}/$erase", headers=index.headers(refused))
        assert erase.status_code == 404
    erased = await index.http.post(f"/persons/{person_id}/$erase", headers=index.headers(la("841")))
    assert erased.status_code == 200, erased.text

    answers = set()
    for caller in (la("841"), la("805"), trust("RR8"), trust("RX9"), platform()):
        for path in (f"/persons/{person_id}", f"/persons/{person_id}/identifiers"):
            response = await index.http.get(path, headers=index.headers(caller))
            answers.add((response.status_code, response.text))
        link = await index.http.post(f"/persons/{person_id}/links", json=pupil, headers=index.headers(caller))
        unlink = await index.http.delete(f"/persons/{person_id}/links/{link_id}", headers=index.headers(caller))
        again = await index.http.post(f"/persons/{person_id}/$erase", headers=index.headers(caller))
        answers |= {(r.status_code, r.text) for r in (link, unlink, again)}
    [(status, body)] = answers
    assert status == 410 and "erased" in body and "Amelia" not in body

    assert await index.rows(person_key, person_key.c.person_id == person_id) == []
    assert await index.rows(person_record, person_record.c.person_id == person_id) == []
    assert await index.rows(person_blocking_key, person_blocking_key.c.person_id == person_id) == []
    links = await index.rows(person_link, person_link.c.person_id == person_id)
    assert links and all(row.value_digest is None and row.sealed_value is None for row in links)
    [row] = await index.rows(person, person.c.person_id == person_id)
    assert (row.status, row.erased_at is not None) == ("erased", True)
    # A copy of the ciphertext opens only with that person's data key: no wrapped form of it is left in the
    # database, and no other key opens it.
    stranger = DataKey(row.person_id, index.vault.new_data_key(row.person_id)[0].material)
    with pytest.raises(VaultError):
        index.vault.open(stranger, "record|RR8", record_row.sealed_demographics)

    [(_, key_, payload)] = await index.events(ERASED)
    assert (key_, payload["person_id"], payload["responsible_la"]) == (person_id, person_id, "841")
    audit = await index.http.get("/audit-events", params={"person_id": person_id}, headers=index.headers(la("841")))
    actions = [(event["action"], event["outcome"]) for event in audit.json()["events"]]
    assert ("erase", "allowed") in actions and ("erase", "denied") in actions and ("read-details", "gone") in actions

    newcomer = await index.match(trust("RR8"), child(identifiers=[nhs(number)], verified=True))
    assert newcomer["outcome"] == "no-match" and newcomer["person_id"] != person_id


async def test_erasing_a_merged_person_erases_every_id_it_stands_for(index) -> None:
    survivor = (await index.match(trust("RR8"), child()))["person_id"]
    retired = (await index.match(trust("RR8"), child(given=["Oliver"], born="2014-01-01", sex="male")))["person_id"]
    merged = await index.http.post(
        f"/persons/{survivor}/merges", json={"merged_person_id": retired}, headers=index.headers(la("841"))
    )
    assert merged.status_code == 201
    retired_refused = await index.http.post(f"/persons/{retired}/$erase", headers=index.headers(la("841")))
    assert retired_refused.status_code == 410 and survivor in retired_refused.json()["detail"]
    assert (await index.http.post(f"/persons/{survivor}/$erase", headers=index.headers(la("841")))).status_code == 200
    assert await index.rows(person_key, person_key.c.person_id.in_([survivor, retired])) == []
    assert {key for _, key, _ in await index.events(ERASED)} == {survivor, retired}
    for person_id in (survivor, retired):
        response = await index.http.get(f"/persons/{person_id}", headers=index.headers(la("841")))
        assert response.status_code == 410
