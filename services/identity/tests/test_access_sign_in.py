# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""People signing in with a local account: the same kind of access token, a session cookie for browser pages,
backoff after repeated failures, and one answer for every refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from identity_kit import TEST_ENVIRONMENT, migrated_identity_database
from identity_kit.access import IdentityUnderTest, running_identity
from pathfinder.auth import Scope
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.web.access import SESSION_COOKIE

PASSWORD = "correct horse battery staple"
USERNAME = "dco@devon.example.nhs.uk"


@pytest.fixture
async def identity(fresh_database, monkeypatch) -> AsyncIterator[IdentityUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    url = await migrated_identity_database(await fresh_database("identity_sign_in"))
    async with running_identity(url) as running:
        await onboarding.open_person_account(
            USERNAME,
            "Designated Clinical Officer",
            "QJK",
            [Scope.ADVICE_READ, Scope.NOTIFICATIONS_READ],
            PASSWORD,
            uow=running.access.unit_of_work(),
            passwords=running.access.passwords,
            now=running.clock(),
        )
        yield running


async def sign_in(identity: IdentityUnderTest, username: str = USERNAME, password: str = PASSWORD, *, form=False):
    fields = {"username": username, "password": password}
    if form:
        return await identity.http.post("/people/sign-in", data=fields)
    return await identity.http.post("/people/sign-in", json=fields)


def assert_refused(response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Sign-in failed",
        "status": 401,
        "detail": "The username or password is not right, or the account cannot sign in just now.",
    }
    assert "set-cookie" not in response.headers


async def test_the_right_password_gives_a_person_token(identity: IdentityUnderTest) -> None:
    response = await sign_in(identity)
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 600, "advice:read notifications:read")
    me = await identity.http.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["kind"] == "person"
    assert (me.json()["organisation"], me.json()["role"]) == ("QJK", "icb")


async def test_the_session_cookie_is_httponly_secure_and_strict(identity: IdentityUnderTest) -> None:
    response = await sign_in(identity)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}={response.json()['access_token']};")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/", "max-age=600"} <= attributes
    assert not any(attribute.startswith("domain") for attribute in attributes)


async def test_browser_pages_are_served_from_the_cookie(identity: IdentityUnderTest) -> None:
    await sign_in(identity)
    assert (await identity.http.get("/me")).json()["kind"] == "person"
    assert (await identity.http.post("/people/sign-out")).status_code == 204
    assert (await identity.http.get("/me")).status_code == 401


async def test_a_form_works_as_well_as_json(identity: IdentityUnderTest) -> None:
    response = await sign_in(identity, USERNAME.upper(), form=True)
    assert response.status_code == 200


async def test_a_wrong_password_and_an_unknown_person_read_the_same(identity: IdentityUnderTest) -> None:
    assert_refused(await sign_in(identity, password="not the password"))
    assert_refused(await sign_in(identity, username="nobody@example.org"))


async def test_repeated_failures_lock_the_account_for_a_while(identity: IdentityUnderTest) -> None:
    for _ in range(5):
        assert_refused(await sign_in(identity, password="guess"))
    assert_refused(await sign_in(identity))
    identity.clock.advance(seconds=61)
    assert (await sign_in(identity)).status_code == 200


async def test_each_failure_after_the_lock_doubles_it(identity: IdentityUnderTest) -> None:
    for _ in range(5):
        await sign_in(identity, password="guess")
    identity.clock.advance(seconds=61)
    assert_refused(await sign_in(identity, password="guess again"))
    identity.clock.advance(seconds=61)
    assert_refused(await sign_in(identity))
    identity.clock.advance(seconds=60)
    assert (await sign_in(identity)).status_code == 200


async def test_a_success_forgives_earlier_failures(identity: IdentityUnderTest) -> None:
    for _ in range(4):
        await sign_in(identity, password="guess")
    assert (await sign_in(identity)).status_code == 200
    for _ in range(4):
        await sign_in(identity, password="guess")
    assert (await sign_in(identity)).status_code == 200


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"username": "x"}', "application/json", 400),
        (b"not json", "application/json", 400),
        (b"username=x&password=y", "text/plain", 415),
    ],
)
async def test_a_request_without_both_fields_is_refused(
    identity: IdentityUnderTest, content: bytes, content_type: str, status: int
) -> None:
    response = await identity.http.post("/people/sign-in", content=content, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"username": "dco@devon.example.nhs.uk\\u0000", "password": "x"}', "application/json"),
        (b"username=dco%00%40devon.example.nhs.uk&password=x", "application/x-www-form-urlencoded"),
        (b'{"username": "dco\\u001b@devon.example.nhs.uk", "password": "x"}', "application/json"),
    ],
)
async def test_a_username_with_a_control_character_is_refused_before_it_is_looked_up(
    identity: IdentityUnderTest, content: bytes, content_type: str
) -> None:
    response = await identity.http.post("/people/sign-in", content=content, headers={"Content-Type": content_type})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "control characters" in response.json()["detail"]
    assert (await sign_in(identity)).status_code == 200, "and it cost the account nothing"
