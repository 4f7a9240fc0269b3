# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Who may see and change a child, beyond the platform-wide matrix in tests/authorisation: an NHS body sees
only what it supplied; the platform matches but never reads; tokens, scopes and a stated purpose are required."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from identity_kit import TEST_ENVIRONMENT
from identity_kit.callers import la, platform, trust
from identity_kit.children import nhs_number, upn
from identity_kit.persons import PersonIndexUnderTest, child, nhs, running_person_index
from pathfinder.auth import Scope


@dataclass
class Child:
    person_id: str
    link_id: str
    review_id: str
    other_person_id: str


@pytest.fixture
async def index(fresh_database, monkeypatch) -> AsyncIterator[PersonIndexUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    async with running_person_index(await fresh_database("person_access")) as running:
        yield running


@pytest.fixture
async def darlington_child(index) -> Child:
    """A child of LA 841 whose NHS number RR8 supplied; 841 linked a UPN and the platform a case id of LA 805."""
    registered = await index.match(trust("RR8"), child(identifiers=[nhs(nhs_number())], verified=True))
    person_id = registered["person_id"]
    pupil = {"kind": "upn", "value": upn()}
    made = await index.http.post(f"/persons/{person_id}/links", json=pupil, headers=index.headers(la("841")))
    case = {"kind": "la-case-id", "value": "DAR-77", "issuer": "805"}
    await index.http.post(f"/persons/{person_id}/links", json=case, headers=index.headers(platform()))
    review = await index.match(trust("RR8"), child(given=["Millie"]))
    other = await index.match(trust("RR8"), child(given=["Oliver"], born="2014-01-01", sex="male"))
    return Child(person_id, made.json()["link_id"], review["review_id"], other["person_id"])


async def test_an_nhs_body_sees_only_what_it_supplied(index, darlington_child) -> None:
    url = f"/persons/{darlington_child.person_id}"
    details = (await index.http.get(url, headers=index.headers(trust("RR8")))).json()
    assert [record["source_organisation"] for record in details["records"]] == ["RR8"]
    ids = (await index.http.get(f"{url}/identifiers", headers=index.headers(trust("RR8")))).json()
    assert [link["kind"] for link in ids["identifiers"]] == ["nhs-number"]


async def test_the_responsible_la_sees_everything_but_other_las_case_ids(index, darlington_child) -> None:
    url = f"/persons/{darlington_child.person_id}/identifiers"
    ids = (await index.http.get(url, headers=index.headers(la("841")))).json()["identifiers"]
    assert sorted(link["kind"] for link in ids) == ["nhs-number", "upn"]


async def test_platform_services_match_but_do_not_read(index, darlington_child) -> None:
    for path in (f"/persons/{darlington_child.person_id}", f"/persons/{darlington_child.person_id}/identifiers"):
        assert (await index.http.get(path, headers=index.headers(platform()))).status_code == 403
    assert (await index.match(platform(), child()))["person_id"] == darlington_child.person_id


async def test_an_la_matches_only_for_itself(index) -> None:
    response = await index.http.post("/persons/$match", json=child("841"), headers=index.headers(la("805")))
    assert response.status_code == 403


async def test_tokens_scopes_and_purpose_are_all_required(index, darlington_child) -> None:
    url = f"/persons/{darlington_child.person_id}"
    assert (await index.http.get(url, headers={"X-Purpose": "direct-care"})).status_code == 401
    no_scope = await index.http.get(url, headers=index.headers(la("841", Scope.PERSONS_MATCH)))
    assert (no_scope.status_code, no_scope.json()["required_scopes"]) == (403, ["persons:read"])
    unsaid = await index.http.get(url, headers=index.headers(la("841"), purpose=None))
    assert unsaid.status_code == 400 and unsaid.headers["content-type"] == "application/problem+json"
    made_up = await index.http.get(url, headers=index.headers(la("841"), purpose="curiosity"))
    assert made_up.status_code == 422
    as_query = await index.http.get(
        url, params={"purpose": "safeguarding"}, headers=index.headers(la("841"), purpose=None)
    )
    assert as_query.status_code == 200
