# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Matching through the API on a real PostgreSQL: deterministic NHS number matches, probabilistic matches of
messy records, the review queue, retries and concurrent requests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from identity_kit import TEST_ENVIRONMENT
from identity_kit.callers import la, platform, trust
from identity_kit.children import nhs_number, upn
from identity_kit.persons import PersonIndexUnderTest, child, nhs, running_person_index
from pathfinder.contracts.identity import PersonLinked, PossibleMatchResolved
from pathfinder.identity.persons.adapters.tables import match_review, person

LINKED = PersonLinked.event_type
RESOLVED = PossibleMatchResolved.event_type


@pytest.fixture
async def index(fresh_database, monkeypatch) -> AsyncIterator[PersonIndexUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    async with running_person_index(await fresh_database("person_matching")) as running:
        yield running


async def identifiers_of(index: PersonIndexUnderTest, person_id: str) -> dict[str, str]:
    response = await index.http.get(f"/persons/{person_id}/identifiers", headers=index.headers(la("841")))
    assert response.status_code == 200, response.text
    return {link["kind"]: link["linked_by"] for link in response.json()["identifiers"]}


async def test_a_verified_nhs_number_decides_even_when_the_rest_differs(index) -> None:
    number = nhs_number()
    first = await index.match(trust("RR8"), child(identifiers=[nhs(number)], verified=True))
    assert first["outcome"] == "no-match"
    uln = {"kind": "uln", "value": "9276308686"}
    other = child(family="Jones", postcode="TS24 7AA", identifiers=[nhs(number), uln], verified=True)
    second = await index.match(trust("RX1"), other)
    assert (second["outcome"], second["person_id"]) == ("match", first["person_id"])
    assert await identifiers_of(index, first["person_id"]) == {"nhs-number": "registered", "uln": "deterministic-match"}
    [(_, registered_key, registered)] = await index.events(LINKED, linked_by="registered")
    assert (registered_key, registered["identifier_kind"]) == (first["person_id"], "nhs-number")
    [(_, key, payload)] = await index.events(LINKED, linked_by="deterministic-match")
    assert key == first["person_id"]
    assert (payload["identifier_kind"], payload["linked_by"], payload["responsible_la"]) == (
        "uln",
        "deterministic-match",
        "841",
    )
    assert "9276308686" not in str(payload)


async def test_an_unverified_nhs_number_is_evidence_not_proof(index) -> None:
    number = nhs_number()
    first = await index.match(trust("RR8"), child(identifiers=[nhs(number)], verified=True))
    stranger = child(given=["Oliver"], family="Brown", born="2015-01-03", sex="male", identifiers=[nhs(number)])
    second = await index.match(trust("RR8"), stranger)
    assert second["outcome"] == "no-match" and second["person_id"] != first["person_id"]
    assert second["identifiers_held_elsewhere"] == ["nhs-number"]
    assert await identifiers_of(index, second["person_id"]) == {}


async def test_a_messy_record_without_an_nhs_number_matches_probabilistically(index) -> None:
    first = await index.match(
        trust("RR8"),
        child(given=["Amelia", "Rose"], family="Smith-Jones", identifiers=[nhs(nhs_number())], verified=True),
    )
    messy = child(given=["AMELIA"], family="smith jones", postcode="dl14ab", born="2019-12-04", sex=None)
    messy["identifiers"] = [{"kind": "upn", "value": upn()}]
    second = await index.match(la("841"), messy)
    assert (second["outcome"], second["person_id"]) == ("match", first["person_id"])
    assert (await identifiers_of(index, first["person_id"]))["upn"] == "probabilistic-match"
    [(_, key, payload)] = await index.events(LINKED, linked_by="probabilistic-match")
    assert (key, payload["identifier_kind"]) == (first["person_id"], "upn")


async def test_twins_wait_for_a_reviewer_and_are_never_linked_by_the_matcher(index) -> None:
    amelia = await index.match(trust("RR8"), child(given=["Amelia"]))
    isla = await index.match(trust("RR8"), child(given=["Isla"], sex="male"))
    assert isla["outcome"] == "possible-match" and isla["person_id"] is None
    assert len(await index.rows(person)) == 1
    decided = await index.http.post(
        f"/match-reviews/{isla['review_id']}/decision",
        json={"decision": "new-person"},
        headers=index.headers(la("841")),
    )
    assert decided.status_code == 200, decided.text
    isla_id = decided.json()["person_id"]
    assert isla_id != amelia["person_id"]
    again = await index.match(trust("RR8"), child(given=["Isla"], sex="male", postcode="DL14AB"))
    assert (again["outcome"], again["person_id"]) == ("match", isla_id)
    assert (await index.match(trust("RR8"), child(given=["Amelia"])))["person_id"] == amelia["person_id"]


async def test_twins_with_their_own_nhs_numbers_are_two_children(index) -> None:
    await index.match(trust("RR8"), child(given=["Amelia"], identifiers=[nhs(nhs_number())], verified=True))
    isla = await index.match(
        trust("RR8"), child(given=["Isla"], sex="male", identifiers=[nhs(nhs_number())], verified=True)
    )
    assert isla["outcome"] == "no-match"


async def test_the_review_queue_shows_the_record_to_its_la_and_links_on_a_decision(index) -> None:
    registered = await index.match(trust("RR8"), child(given=["Amelia"], identifiers=[nhs(nhs_number())]))
    pupil = upn()
    nickname = await index.match(la("841"), child(given=["Millie"], identifiers=[{"kind": "upn", "value": pupil}]))
    assert nickname["outcome"] == "possible-match"
    review_id = nickname["review_id"]

    listed = (await index.http.get("/match-reviews", headers=index.headers(la("841")))).json()["reviews"]
    [review] = [found for found in listed if found["review_id"] == review_id]
    assert review["incoming"]["demographics"]["given_names"] == ["Millie"]
    assert review["incoming"]["identifiers"] == [{"kind": "upn", "value": pupil, "issuer": None}]
    assert [c["person_id"] for c in review["candidates"]] == [registered["person_id"]]
    assert review["candidates"][0]["levels"]["forename"] == "different"
    as_platform = (await index.http.get("/match-reviews", headers=index.headers(platform()))).json()["reviews"]
    assert [r["incoming"] for r in as_platform] == [None]
    assert (await index.http.get("/match-reviews", headers=index.headers(la("805")))).json() == {"reviews": []}

    decision = {"decision": "same-person", "person_id": registered["person_id"]}
    url = f"/match-reviews/{review_id}/decision"
    decided = await index.http.post(url, json=decision, headers=index.headers(la("841")))
    assert decided.json()["person_id"] == registered["person_id"], decided.text
    assert (await identifiers_of(index, registered["person_id"]))["upn"] == "reviewed-possible-match"
    [(_, key, payload)] = await index.events(LINKED, linked_by="reviewed-possible-match")
    assert (key, payload["linked_by"], payload["identifier_kind"]) == (
        registered["person_id"],
        "reviewed-possible-match",
        "upn",
    )
    [row] = await index.rows(match_review)
    assert (row.status, row.sealed_record, row.wrapped_key) == ("same-person", None, None)
    assert (await index.http.get("/match-reviews", headers=index.headers(la("841")))).json() == {"reviews": []}
    twice = await index.http.post(url, json=decision, headers=index.headers(la("841")))
    assert twice.status_code == 409
    assert twice.headers["content-type"] == "application/problem+json"


async def test_a_reviewer_cannot_choose_someone_who_was_not_a_candidate(index) -> None:
    await index.match(trust("RR8"), child(given=["Amelia"]))
    stranger = await index.match(trust("RR8"), child(given=["Oliver"], family="Brown", born="2015-01-03"))
    review = await index.match(trust("RR8"), child(given=["Millie"]))
    decided = await index.http.post(
        f"/match-reviews/{review['review_id']}/decision",
        json={"decision": "same-person", "person_id": stranger["person_id"]},
        headers=index.headers(la("841")),
    )
    assert decided.status_code == 409


async def test_a_retried_request_gets_the_first_answer(index) -> None:
    body = child(given=["Freya"], born="2020-02-02")
    first = await index.match(trust("RR8"), body, **{"X-Request-ID": "retry-1"})
    second = await index.match(trust("RR8"), body, **{"X-Request-ID": "retry-1"})
    assert first == second and first["outcome"] == "no-match"
    third = await index.match(trust("RR8"), body, **{"X-Request-ID": "retry-2"})
    assert (third["outcome"], third["person_id"]) == ("match", first["person_id"])


async def test_concurrent_requests_about_one_new_child_create_one_person(index) -> None:
    body = child(given=["Arlo"], family="Okafor", born="2021-06-30", sex="male", postcode="EX4 4QJ")
    answers = await asyncio.gather(*(index.match(trust(f"RR{n}"), body) for n in range(6)))
    assert len({answer["person_id"] for answer in answers}) == 1
    assert sorted(answer["outcome"] for answer in answers) == ["match"] * 5 + ["no-match"]


async def test_a_record_that_says_too_little_or_is_malformed_is_refused(index) -> None:
    for body in (
        child(family=None),
        child(postcode="NOT A POSTCODE"),
        child(born="2999-01-01"),
        child(identifiers=[nhs("9990000019")]),
        child(verified=True),
    ):
        response = await index.http.post("/persons/$match", json=body, headers=index.headers(trust("RR8")))
        assert response.status_code == 422, body
        assert "9990000019" not in response.text and "NOT A POSTCODE" not in response.text


async def test_a_decision_is_announced_and_is_the_answer_to_the_request_held_for_it(index) -> None:
    registered = await index.match(trust("RR8"), child(given=["Amelia"], identifiers=[nhs(nhs_number())]))
    held_request = {"X-Request-ID": "early-years-notification:held"}
    millie = child(given=["Millie"])
    held = await index.match(trust("RR8"), millie, **held_request)
    assert (held["outcome"], held["person_id"]) == ("possible-match", None)
    assert await index.events(RESOLVED) == []

    decision = {"decision": "same-person", "person_id": registered["person_id"]}
    url = f"/match-reviews/{held['review_id']}/decision"
    assert (await index.http.post(url, json=decision, headers=index.headers(la("841")))).status_code == 200

    [(_, key, announced)] = await index.events(RESOLVED)
    assert key == registered["person_id"]
    assert (announced["review_id"], announced["decision"], announced["responsible_la"]) == (
        held["review_id"],
        "same-person",
        "841",
    )
    asked_again = await index.match(trust("RR8"), millie, **held_request)
    assert (asked_again["outcome"], asked_again["person_id"], asked_again["review_id"]) == (
        "match",
        registered["person_id"],
        held["review_id"],
    )


async def test_a_new_person_decision_names_the_new_child_to_the_request_held_for_it(index) -> None:
    await index.match(trust("RR8"), child(given=["Amelia"], identifiers=[nhs(nhs_number())]))
    held_request = {"X-Request-ID": "early-years-notification:twin"}
    isla = child(given=["Isla"], sex="male")
    held = await index.match(trust("RR8"), isla, **held_request)
    assert held["outcome"] == "possible-match"
    url = f"/match-reviews/{held['review_id']}/decision"
    decided = await index.http.post(url, json={"decision": "new-person"}, headers=index.headers(la("841")))
    new_person = decided.json()["person_id"]

    [(_, key, announced)] = await index.events(RESOLVED)
    assert (key, announced["decision"]) == (new_person, "new-person")
    asked_again = await index.match(trust("RR8"), isla, **held_request)
    assert (asked_again["outcome"], asked_again["person_id"]) == ("no-match", new_person)
