# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""``$match-batch`` on a real PostgreSQL: each record answered as ``$match`` answers it alone, in order, with
the same idempotency on its request id and the same audit; one record's refusal leaves the others' answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from identity_kit import TEST_ENVIRONMENT
from identity_kit.callers import la, platform, trust
from identity_kit.persons import PersonIndexUnderTest, child, running_person_index
from pathfinder.identity.persons.adapters.tables import person, person_audit_event


@pytest.fixture
async def index(fresh_database, monkeypatch) -> AsyncIterator[PersonIndexUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    async with running_person_index(await fresh_database("person_match_batch")) as running:
        yield running


async def match_batch(index: PersonIndexUnderTest, caller, records: list[dict]) -> list[dict]:
    response = await index.http.post(
        "/persons/$match-batch",
        json={"records": records},
        params={"purpose": "early-years-notification"},
        headers=index.headers(caller, purpose=None),
    )
    assert response.status_code == 200, response.text
    answers: list[dict] = response.json()["answers"]
    return answers


async def test_each_record_is_answered_as_match_would_in_order_and_a_retry_the_same(index) -> None:
    freya, arlo = child(given=["Freya"], born="2020-02-02"), child(given=["Arlo"], born="2021-06-30")
    records = [
        {**freya, "request_id": "r-1"},
        {**arlo, "request_id": "r-2"},
        {**freya, "request_id": "r-3"},  # the same child again: a match
        {**child("999"), "request_id": "r-4"},  # an LA no one registered
        {**child(family=None), "request_id": "r-5"},  # says too little
    ]
    first = await match_batch(index, platform(), records)
    assert [(answer["request_id"], answer["status"]) for answer in first] == [
        ("r-1", 200), ("r-2", 200), ("r-3", 200), ("r-4", 422), ("r-5", 422)
    ]  # fmt: skip
    assert [answer["match"]["outcome"] for answer in first[:3]] == ["no-match", "no-match", "match"]
    assert first[2]["match"]["person_id"] == first[0]["match"]["person_id"]
    assert first[3]["problem"]["type"] == "urn:pathfinder:problem:responsible-la-not-registered"
    again = await match_batch(index, platform(), records[:3])
    assert again == first[:3], "a retry of each request id answers as the first"
    assert len(await index.rows(person)) == 2
    single = await index.http.post(
        "/persons/$match",
        json=freya,
        params={"purpose": "early-years-notification"},
        headers=index.headers(platform(), purpose=None, **{"X-Request-ID": "r-1"}),
    )
    assert single.json() == first[0]["match"], "$match answers the same request id the same"


async def test_each_record_is_audited_as_match_audits_it(index) -> None:
    before = len(await index.rows(person_audit_event))
    answers = await match_batch(index, trust("RR8"), [child(given=["Ada"]), child("999")])
    assert [answer["status"] for answer in answers] == [200, 422]
    audited = (await index.rows(person_audit_event))[before:]
    assert [(row.action, row.outcome, row.purpose) for row in audited] == [
        ("match", "allowed", "early-years-notification"),
        ("match", "denied", "early-years-notification"),
    ]
    assert audited[0].person_id is not None and str(audited[0].person_id) == answers[0]["match"]["person_id"]


async def test_an_la_is_refused_records_naming_another_la_and_only_those(index) -> None:
    answers = await match_batch(index, la("841"), [child("841", given=["Mia"]), child("805", given=["Leo"])])
    assert [answer["status"] for answer in answers] == [200, 403]
    assert answers[1]["match"] is None and answers[1]["problem"]["title"] == "Forbidden"


async def test_a_batch_larger_than_the_limit_is_refused_whole(index) -> None:
    response = await index.http.post(
        "/persons/$match-batch",
        json={"records": [child() for _ in range(501)]},
        headers=index.headers(platform(), purpose=None),
    )
    assert response.status_code == 422
    assert len(await index.rows(person)) == 0
