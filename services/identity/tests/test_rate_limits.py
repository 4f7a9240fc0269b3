# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Identity's rate limits: token buckets in its database, so every API process spends from the same bucket; over
the limit, 429 problem+json with Retry-After. Per client on every authenticated route ($match by its own rate),
per client on the token endpoint (only once its assertion verifies) and its failures per source, per account and
per source on people's sign-in."""

from __future__ import annotations

import time

import httpx
import pytest
from identity_kit import TEST_ENVIRONMENT, migrated_identity_database
from identity_kit.access import running_identity, token_form
from identity_kit.callers import platform
from identity_kit.persons import child, running_person_index
from pathfinder.auth import Scope
from pathfinder.auth.keys import SigningKey
from pathfinder.identity.access.service_layer import onboarding

SLOW = "0.001"  # a token a quarter of an hour: a bucket spent in a test stays spent


@pytest.fixture(autouse=True)
def environment(monkeypatch) -> None:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def assert_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Too Many Requests"
    assert int(response.headers["retry-after"]) >= 1


async def test_two_service_instances_on_one_database_share_a_clients_bucket(fresh_database, monkeypatch) -> None:
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_CLIENT_BURST", "3")
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_CLIENT_PER_SECOND", SLOW)
    url = await fresh_database("identity_rate_shared")
    caller, other = platform(), platform()
    async with running_person_index(url) as first, running_person_index(url, migrate=False) as second:
        answers = []
        for instance in (first, second, first, second):
            answers.append(await instance.http.get("/organisations", headers=instance.headers(caller)))
        assert [answer.status_code for answer in answers[:3]] == [200, 200, 200]
        assert_limited(answers[3])
        assert 800 <= int(answers[3].headers["retry-after"]) <= 1000
        assert (await first.http.get("/organisations", headers=first.headers(other))).status_code == 200
        # $match has a bucket of its own: the client's spent one does not stop it.
        matched = await second.http.post("/persons/$match", json=child(), headers=second.headers(caller))
        assert matched.status_code == 200, matched.text


async def test_match_is_limited_per_client(fresh_database, monkeypatch) -> None:
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_MATCH_BURST", "2")
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_MATCH_PER_SECOND", SLOW)
    async with running_person_index(await fresh_database("identity_rate_match")) as index:
        caller = platform()
        answers = [await index.http.post("/persons/$match", json=child(), headers=index.headers(caller)) for _ in "abc"]
        assert [answer.status_code for answer in answers[:2]] == [200, 200]
        assert_limited(answers[2])


async def test_the_token_endpoint_limits_each_client_that_signs_and_failures_per_source(
    fresh_database, monkeypatch
) -> None:
    for limit, burst in (("TOKEN", "2"), ("TOKEN_FAILURES", "3")):
        monkeypatch.setenv(f"PATHFINDER_IDENTITY_RATE_LIMIT_{limit}_BURST", burst)
        monkeypatch.setenv(f"PATHFINDER_IDENTITY_RATE_LIMIT_{limit}_PER_SECOND", SLOW)
    url = await migrated_identity_database(await fresh_database("identity_rate_token"))
    async with running_identity(url) as identity:
        trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
        other = await identity.register_client("RK9", Scope.NOTIFICATIONS_SUBMIT)
        # Someone without the trust's key, from the trust's own address, sends assertions in the trust's name.
        forger = SigningKey.generate(bits=2048)
        forged = [
            await identity.http.post(
                "/oauth2/token", data=token_form(trust.assertion(key=forger, header={"kid": trust.key.kid}))
            )
            for _ in range(4)
        ]
        assert [answer.status_code for answer in forged[:3]] == [401, 401, 401]
        assert_limited(forged[3])
        # None of that was the trust's: it signs, so it gets its tokens, up to its own limit.
        answers = [await identity.token(trust) for _ in "abc"]
        assert [answer.status_code for answer in answers[:2]] == [200, 200]
        assert_limited(answers[2])
        assert (await identity.token(other)).status_code == 200


async def test_guessing_a_persons_password_gets_429_long_before_sixty_tries(fresh_database, monkeypatch) -> None:
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_SIGN_IN_SOURCE_BURST", "100")  # the account's limit, alone
    # Its default burst, without the refill (a token every 10 s) that a slow machine would see mid-test.
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_SIGN_IN_ACCOUNT_PER_SECOND", SLOW)
    url = await migrated_identity_database(await fresh_database("identity_rate_sign_in"))
    async with running_identity(url) as identity:
        for username in ("dco@devon.example.nhs.uk", "senco@devon.example.sch.uk"):
            await onboarding.open_person_account(
                username,
                "Designated Clinical Officer",
                "QJK",
                [Scope.ADVICE_READ],
                "correct horse battery staple",
                uow=identity.access.unit_of_work(),
                passwords=identity.access.passwords,
                now=identity.clock(),
            )
        started, answers = time.monotonic(), []
        for attempt in range(60):
            guess = {"username": "DCO@devon.example.nhs.uk ", "password": f"guess {attempt}"}
            answers.append(await identity.http.post("/people/sign-in", json=guess))
        statuses = [answer.status_code for answer in answers]
        assert set(statuses[:10]) == {401} and set(statuses[10:]) == {429}, statuses
        assert_limited(answers[-1])
        assert time.monotonic() - started < 30
        # The account's bucket is spent, whatever the password; another account from the same source is not.
        right = {"username": "dco@devon.example.nhs.uk", "password": "correct horse battery staple"}
        assert_limited(await identity.http.post("/people/sign-in", json=right))
        other = {"username": "senco@devon.example.sch.uk", "password": "correct horse battery staple"}
        assert (await identity.http.post("/people/sign-in", json=other)).status_code == 200


async def test_sign_in_is_limited_per_source_across_accounts(fresh_database, monkeypatch) -> None:
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_SIGN_IN_SOURCE_BURST", "3")
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_SIGN_IN_SOURCE_PER_SECOND", SLOW)
    url = await migrated_identity_database(await fresh_database("identity_rate_source"))
    async with running_identity(url) as identity:
        answers = [
            await identity.http.post("/people/sign-in", json={"username": f"user{n}@example.org", "password": "x"})
            for n in range(4)
        ]
        guess = {"username": "user4@example.org", "password": "x"}
        assert [answer.status_code for answer in answers[:3]] == [401, 401, 401]
        assert_limited(answers[3])
        # Without trusted proxies, X-Forwarded-For is the caller's own say, and changes nothing.
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        assert_limited(await identity.http.post("/people/sign-in", json=guess, headers=forwarded))


async def test_behind_a_trusted_proxy_the_source_is_whom_it_forwarded_for(fresh_database, monkeypatch) -> None:
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_SIGN_IN_SOURCE_BURST", "2")
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_SIGN_IN_SOURCE_PER_SECOND", SLOW)
    monkeypatch.setenv("PATHFINDER_IDENTITY_RATE_LIMIT_TRUSTED_PROXIES", '["127.0.0.0/8"]')  # the test's peer
    url = await migrated_identity_database(await fresh_database("identity_rate_proxy"))
    async with running_identity(url) as identity:

        async def attempt(forwarded_for: str) -> httpx.Response:
            guess = {"username": "someone@example.org", "password": "x"}
            return await identity.http.post("/people/sign-in", json=guess, headers={"X-Forwarded-For": forwarded_for})

        assert [(await attempt("203.0.113.5")).status_code for _ in "ab"] == [401, 401]
        assert_limited(await attempt("203.0.113.5"))
        # What a caller writes to the left of the proxy's entry is not believed: the proxy saw 203.0.113.5.
        assert_limited(await attempt("198.51.100.1, 203.0.113.5"))
        assert (await attempt("203.0.113.6")).status_code == 401
