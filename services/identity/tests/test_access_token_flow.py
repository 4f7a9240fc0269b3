# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The token endpoint on a real PostgreSQL with real keys: a client's assertion buys an access token that opens
protected routes, and every kind of bad assertion is refused the OAuth way."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from identity_kit import TEST_ENVIRONMENT, TOKEN_URL, migrated_identity_database
from identity_kit.access import IdentityUnderTest, running_identity, token_form
from pathfinder.auth import Scope
from pathfinder.auth.keys import SigningKey
from pathfinder.identity.access.adapters.tables import client_assertion_jti
from pathfinder.identity.access.service_layer import onboarding, token_grant
from pathfinder.identity.access.service_layer.token_grant import CLIENT_NOT_AUTHENTICATED
from sqlalchemy import insert, select


@pytest.fixture
async def identity(fresh_database, monkeypatch) -> AsyncIterator[IdentityUnderTest]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    url = await migrated_identity_database(await fresh_database("identity_tokens"))
    async with running_identity(url) as running:
        yield running


async def refused_as(identity: IdentityUnderTest, form: dict[str, str], status: int, error: str) -> str:
    response = await identity.http.post("/oauth2/token", data=form)
    assert (response.status_code, response.json()["error"]) == (status, error), response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    description: str = response.json()["error_description"]
    return description


async def client_refused(identity: IdentityUnderTest, form: dict[str, str], caplog: pytest.LogCaptureFixture) -> str:
    """The client is told only that it could not be authenticated, always in the same words; the precise reason
    is in identity's log (returned)."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=token_grant.__name__):
        assert await refused_as(identity, form, 401, "invalid_client") == CLIENT_NOT_AUTHENTICATED
    [logged] = [record for record in caplog.records if record.name == token_grant.__name__]
    return logged.getMessage()


async def test_an_assertion_buys_a_token_that_opens_protected_routes(identity: IdentityUnderTest) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT, Scope.ADVICE_SUBMIT)
    response = await identity.token(trust)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 600
    assert body["scope"] == "advice:submit notifications:submit"
    me = await identity.http.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {
        "subject": trust.client_id,
        "kind": "client",
        "organisation": "RH8",
        "role": "nhs-trust",
        "scopes": ["advice:submit", "notifications:submit"],
    }


async def test_the_token_is_signed_by_a_key_the_jwks_publishes(identity: IdentityUnderTest) -> None:
    trust = await identity.register_client("RK9", Scope.NOTIFICATIONS_SUBMIT)
    token = (await identity.token(trust)).json()["access_token"]
    jwks = (await identity.http.get("/.well-known/jwks.json")).json()
    [published] = jwks["keys"]
    assert jwt.get_unverified_header(token)["kid"] == published["kid"]
    assert published["alg"] == "RS512"
    assert "d" not in published
    key = jwt.PyJWK(published).key
    claims = jwt.decode(token, key, algorithms=["RS512"], audience="urn:pathfinder:notifications")
    assert claims["aud"] == ["urn:pathfinder:identity", "urn:pathfinder:notifications"], "its scopes' API, and identity"
    assert claims["iss"] == "https://identity.pathfinder.test"
    assert (claims["org"], claims["role"], claims["kind"]) == ("RK9", "nhs-trust", "client")


async def test_a_client_may_ask_for_fewer_scopes(identity: IdentityUnderTest) -> None:
    trust = await identity.register_client("RXP", Scope.NOTIFICATIONS_SUBMIT, Scope.ADVICE_SUBMIT)
    response = await identity.token(trust, scope="advice:submit")
    assert response.json()["scope"] == "advice:submit"


async def test_a_scope_not_granted_is_invalid_scope(identity: IdentityUnderTest) -> None:
    trust = await identity.register_client("RVW", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion(), scope="notifications:submit persons:erase")
    assert "persons:erase" in await refused_as(identity, form, 400, "invalid_scope")


async def test_a_missing_scope_at_a_protected_route_is_403(identity: IdentityUnderTest) -> None:
    trust = await identity.register_client("RA9", Scope.NOTIFICATIONS_SUBMIT)
    response = await identity.http.get("/organisations/RA9/clients", headers=await identity.bearer(trust))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["error"] == "insufficient_scope"


async def test_a_platform_client_manages_organisations(identity: IdentityUnderTest) -> None:
    operator = await identity.register_client("pathfinder", Scope.ORGANISATIONS_MANAGE)
    trust = await identity.register_client("RA9", Scope.ADVICE_SUBMIT)
    response = await identity.http.get("/organisations/RA9/clients", headers=await identity.bearer(operator))
    assert response.status_code == 200
    [listed] = response.json()
    assert (listed["client_id"], listed["active"], listed["keys"][0]["kid"]) == (trust.client_id, True, trust.key.kid)


async def test_without_a_token_a_protected_route_is_401(identity: IdentityUnderTest) -> None:
    response = await identity.http.get("/organisations")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("algorithm", ["RS256", "HS256", "PS512"])
async def test_an_assertion_not_signed_rs512_is_refused(identity: IdentityUnderTest, algorithm: str, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion(algorithm=algorithm))
    assert "RS512" in await client_refused(identity, form, caplog)


async def test_an_expired_assertion_is_refused(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    form = token_form(trust.assertion(now=ten_minutes_ago))
    assert "expired" in await client_refused(identity, form, caplog)


async def test_an_assertion_valid_for_more_than_five_minutes_is_refused(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion(lifetime=timedelta(minutes=6)))
    assert "5 minutes" in await client_refused(identity, form, caplog)


async def test_clock_skew_within_the_leeway_is_tolerated(identity: IdentityUnderTest) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    ahead = datetime.now(UTC) + timedelta(seconds=20)
    response = await identity.http.post("/oauth2/token", data=token_form(trust.assertion(now=ahead)))
    assert response.status_code == 200


async def test_a_replayed_jti_is_refused(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion())
    assert (await identity.http.post("/oauth2/token", data=form)).status_code == 200
    assert "used before" in await client_refused(identity, form, caplog)


async def test_a_jti_spent_at_one_replica_is_refused_at_another(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion())
    assert (await identity.http.post("/oauth2/token", data=form)).status_code == 200
    async with running_identity(identity.service.settings.database_url, seed=False) as replica:
        assert "used before" in await client_refused(replica, form, caplog)


async def test_spent_jtis_are_forgotten_once_they_could_no_longer_pass(identity: IdentityUnderTest) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    async with identity.service.engine.begin() as connection:
        await connection.execute(
            insert(client_assertion_jti).values(
                client_id=trust.client_id, jti="long-ago", remember_until=datetime.now(UTC) - timedelta(minutes=1)
            )
        )
    assert (await identity.token(trust)).status_code == 200
    async with identity.service.engine.connect() as connection:
        jtis = (await connection.execute(select(client_assertion_jti.c.jti))).scalars().all()
    assert jtis != [] and "long-ago" not in jtis


async def test_an_assertion_for_another_audience_is_refused(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion(aud="https://api.service.nhs.uk/oauth2/token"))
    assert TOKEN_URL in await client_refused(identity, form, caplog)


async def test_an_unknown_kid_is_refused(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion(key=SigningKey.generate(bits=2048)))
    assert "kid" in await client_refused(identity, form, caplog)


async def test_a_missing_kid_is_refused(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion(header={"kid": None}))
    assert "Missing 'kid'" in await client_refused(identity, form, caplog)


async def test_iss_and_sub_must_both_be_the_client(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion(sub="someone-else"))
    assert "'iss'/'sub'" in await client_refused(identity, form, caplog)


async def test_a_tampered_assertion_is_refused(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    header, _, signature = trust.assertion().split(".")
    _, payload, _ = trust.assertion(exp=int((datetime.now(UTC) + timedelta(minutes=4)).timestamp())).split(".")
    form = token_form(f"{header}.{payload}.{signature}")
    assert "signature" in await client_refused(identity, form, caplog)


async def test_a_key_of_another_client_does_not_authenticate(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    other = await identity.register_client("RK9", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion(key=other.key))
    await client_refused(identity, form, caplog)


async def test_an_unknown_client_is_refused(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    form = token_form(trust.assertion(iss="not-a-client", sub="not-a-client"))
    assert "not registered" in await client_refused(identity, form, caplog)


async def test_a_revoked_client_is_refused(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    await onboarding.revoke_client(trust.client_id, uow=identity.access.unit_of_work(), now=identity.clock())
    assert "revoked" in await client_refused(identity, token_form(trust.assertion()), caplog)


async def test_rotation_adds_a_kid_and_revoking_the_old_one_stops_it(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    new_key = SigningKey.generate(bits=2048)
    jwks = {"keys": [new_key.public_jwk()]}
    await onboarding.add_client_keys(
        trust.client_id,
        jwks,
        uow=identity.access.unit_of_work(),
        now=identity.clock(),
        key_check=identity.access.key_check,
    )
    ok = await identity.http.post("/oauth2/token", data=token_form(trust.assertion(key=new_key)))
    assert ok.status_code == 200
    await onboarding.revoke_client_key(
        trust.client_id, trust.key.kid, uow=identity.access.unit_of_work(), now=identity.clock()
    )
    await client_refused(identity, token_form(trust.assertion()), caplog)
    again = await identity.http.post("/oauth2/token", data=token_form(trust.assertion(key=new_key)))
    assert again.status_code == 200


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": ""}, "invalid_request"),
        ({"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"}, "invalid_request"),
        ({"client_assertion": ""}, "invalid_request"),
    ],
)
async def test_malformed_requests_are_invalid_request(
    identity: IdentityUnderTest, changes: dict[str, str], error: str
) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    await refused_as(identity, {**token_form(trust.assertion()), **changes}, 400, error)


async def test_the_token_endpoint_takes_only_a_form(identity: IdentityUnderTest) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    response = await identity.http.post("/oauth2/token", json=token_form(trust.assertion()))
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")
    repeated = "grant_type=client_credentials&grant_type=client_credentials"
    response = await identity.http.post(
        "/oauth2/token", content=repeated, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


async def test_a_garbled_assertion_is_invalid_client(identity: IdentityUnderTest, caplog) -> None:
    await client_refused(identity, token_form("not.a.jwt"), caplog)


async def test_the_answer_tells_no_one_which_clients_and_keys_exist(identity: IdentityUnderTest, caplog) -> None:
    trust = await identity.register_client("RH8", Scope.NOTIFICATIONS_SUBMIT)
    revoked = await identity.register_client("RK9", Scope.NOTIFICATIONS_SUBMIT)
    await onboarding.revoke_client(revoked.client_id, uow=identity.access.unit_of_work(), now=identity.clock())
    attempts = {
        "not registered": token_form(trust.assertion(iss="not-a-client", sub="not-a-client")),
        "revoked": token_form(revoked.assertion()),
        "no active public key": token_form(trust.assertion(key=SigningKey.generate(bits=2048))),
        "signature": token_form(trust.assertion(key=revoked.key, header={"kid": trust.key.kid})),
    }
    answers = set()
    for reason, form in attempts.items():
        caplog.clear()
        with caplog.at_level(logging.INFO, logger=token_grant.__name__):
            response = await identity.http.post("/oauth2/token", data=form)
        headers = {name: value for name, value in response.headers.items() if name != "x-correlation-id"}
        answers.add((response.status_code, response.content, tuple(sorted(headers.items()))))
        assert any(reason in record.getMessage() for record in caplog.records), reason
    assert len(answers) == 1, answers


async def test_a_token_asked_for_one_api_names_that_api_alone(identity: IdentityUnderTest) -> None:
    la = await identity.register_client("841", Scope.NOTIFICATIONS_READ, Scope.PERSONS_READ)
    both = (await identity.token(la)).json()
    assert jwt.decode(both["access_token"], options={"verify_signature": False})["aud"] == [
        "urn:pathfinder:identity",
        "urn:pathfinder:notifications",
    ]
    one = (await identity.token(la, resource="urn:pathfinder:identity")).json()
    assert one["scope"] == "persons:read"
    assert jwt.decode(one["access_token"], options={"verify_signature": False})["aud"] == "urn:pathfinder:identity"
    refused = await identity.token(la, resource="urn:pathfinder:ehcp")
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_target")
