"""The client credentials grant on the in-memory registry: a client's assertion buys a token for its own
principal, once; every way an assertion can be wrong is refused the OAuth way, and buys nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from identity_kit.access_fakes import AllowanceSpent, FakeAccess, FakeAllowance, FakeClientKey, fake_key_check
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.identity.access.domain.client_assertions import ASSERTION_TYPE, AssertionRules
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.access.service_layer.ports import IssuedToken
from pathfinder.identity.access.service_layer.token_grant import (
    CLIENT_NOT_AUTHENTICATED,
    ClientNotAuthenticated,
    OAuthError,
    TokenRequest,
    grant_client_credentials,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TOKEN_URL = "https://identity.pathfinder.test/oauth2/token"
RULES = AssertionRules(token_url=TOKEN_URL)
KEY = FakeClientKey("2026-11")


@pytest.fixture
async def client_id(access: FakeAccess) -> str:
    client = await onboarding.register_client(
        "RH8",
        "Trust EPR",
        [Scope.NOTIFICATIONS_SUBMIT, Scope.ADVICE_SUBMIT],
        uow=access.unit_of_work(),
        now=NOW,
        key_check=fake_key_check,
        jwks={"keys": [KEY.jwk]},
    )
    return client.client_id


def claims(client_id: str, **changes: Any) -> dict[str, Any]:
    moment = int(NOW.timestamp())
    base = {"iss": client_id, "sub": client_id, "aud": TOKEN_URL, "jti": "j-1", "iat": moment, "exp": moment + 300}
    return {name: value for name, value in {**base, **changes}.items() if value is not None}


def request(assertion: str, **fields: str | None) -> TokenRequest:
    form: dict[str, str | None] = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        "scope": None,
        **fields,
    }
    return TokenRequest(**form)


async def grant(access: FakeAccess, asked: TokenRequest | str) -> IssuedToken:
    return await grant_client_credentials(
        asked if isinstance(asked, TokenRequest) else request(asked),
        uow=access.unit_of_work(),
        rules=RULES,
        assertions=access.assertions,
        tokens=access.tokens,
        allowance=access.allowance,
        now=NOW,
    )


async def test_an_assertion_buys_a_token_for_the_clients_own_principal(access: FakeAccess, client_id: str) -> None:
    issued = await grant(access, KEY.sign(claims(client_id)))
    assert issued.scope == "advice:submit notifications:submit"
    [token] = access.tokens.issued
    assert (token.principal.subject, token.principal.kind, token.principal.organisation) == (client_id, "client", "RH8")
    assert token.principal.role is OrganisationRole.NHS_TRUST
    assert access.state.spent == {(client_id, "j-1"): NOW + timedelta(minutes=5, seconds=30)}


async def test_a_jti_is_spent_once(access: FakeAccess, client_id: str) -> None:
    await grant(access, KEY.sign(claims(client_id)))
    with pytest.raises(OAuthError) as replayed:
        await grant(access, KEY.sign(claims(client_id)))
    assert (replayed.value.error, replayed.value.status) == ("invalid_client", 401)
    assert isinstance(replayed.value, ClientNotAuthenticated) and "used before" in replayed.value.reason
    assert len(access.tokens.issued) == 1


async def test_a_client_may_narrow_its_scopes_but_never_widen_them(access: FakeAccess, client_id: str) -> None:
    narrowed = await grant(access, request(KEY.sign(claims(client_id)), scope="advice:submit"))
    assert narrowed.scope == "advice:submit"
    with pytest.raises(OAuthError) as widened:
        await grant(access, request(KEY.sign(claims(client_id, jti="j-2")), scope="advice:submit persons:erase"))
    assert (widened.value.error, widened.value.status) == ("invalid_scope", 400)
    assert "persons:erase" in widened.value.description
    assert (client_id, "j-2") not in access.state.spent


async def test_a_token_for_one_api_holds_only_that_apis_scopes(access: FakeAccess, client_id: str) -> None:
    for_notifications = await grant(
        access, request(KEY.sign(claims(client_id)), resource="urn:pathfinder:notifications")
    )
    assert for_notifications.scope == "notifications:submit"
    for jti, resource, why in (
        ("j-2", "urn:pathfinder:ehcp", "holds no scope of urn:pathfinder:ehcp"),
        ("j-3", "https://evil.example/api", "is not a Pathfinder API"),
    ):
        with pytest.raises(OAuthError) as refused:
            await grant(access, request(KEY.sign(claims(client_id, jti=jti)), resource=resource))
        assert (refused.value.error, refused.value.status) == ("invalid_target", 400)
        assert why in refused.value.description
        assert (client_id, jti) not in access.state.spent


def _revoke(access: FakeAccess, client_id: str) -> None:
    access.state.clients[client_id].revoked_at = NOW


def _unusable_key(access: FakeAccess, client_id: str) -> None:
    keys = access.state.clients[client_id].keys
    keys[KEY.kid] = replace(keys[KEY.kid], public_jwk={"kty": "RSA", "kid": KEY.kid})


def _nothing(access: FakeAccess, client_id: str) -> None:
    pass


@pytest.mark.parametrize(
    ("assertion", "before", "words"),
    [
        (lambda cid: KEY.sign(claims("not-a-client")), _nothing, "not registered"),
        (lambda cid: KEY.sign(claims(cid)), _revoke, "revoked"),
        (lambda cid: FakeClientKey("unknown").sign(claims(cid)), _nothing, "'kid'"),
        (lambda cid: FakeClientKey(KEY.kid).sign(claims(cid)), _nothing, "signature"),
        (lambda cid: KEY.sign(claims(cid)), _unusable_key, "cannot be used"),
        (lambda cid: KEY.sign(claims(cid), alg="RS256"), _nothing, "RS512"),
        (lambda cid: KEY.sign(claims(cid), kid=None), _nothing, "Missing 'kid'"),
        (lambda cid: KEY.sign(claims(cid, sub="someone-else")), _nothing, "'iss'/'sub'"),
        (lambda cid: KEY.sign(claims(cid, exp=int(NOW.timestamp()) - 60)), _nothing, "expired"),
        (lambda cid: KEY.sign(claims(cid, aud="https://api.service.nhs.uk/oauth2/token")), _nothing, TOKEN_URL),
        (lambda cid: "not.a.jwt", _nothing, "well-formed"),
    ],
)
async def test_a_bad_assertion_is_an_invalid_client_and_buys_nothing(
    access: FakeAccess,
    client_id: str,
    assertion: Callable[[str], str],
    before: Callable[[FakeAccess, str], None],
    words: str,
) -> None:
    before(access, client_id)
    with pytest.raises(OAuthError) as refused:
        await grant(access, assertion(client_id))
    assert (refused.value.error, refused.value.status) == ("invalid_client", 401)
    assert refused.value.description == CLIENT_NOT_AUTHENTICATED, "one answer, whatever the reason"
    assert isinstance(refused.value, ClientNotAuthenticated) and words in refused.value.reason
    assert (access.tokens.issued, access.state.spent) == ([], {})
    assert access.allowance.spent == [], "naming a client spends nothing of its allowance"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"grant_type": None}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"}, "invalid_request"),
        ({"client_assertion": ""}, "invalid_request"),
    ],
)
async def test_a_malformed_request_is_an_invalid_request(
    access: FakeAccess, client_id: str, fields: dict[str, str | None], error: str
) -> None:
    with pytest.raises(OAuthError) as refused:
        await grant(access, request(KEY.sign(claims(client_id)), **fields))
    assert (refused.value.error, refused.value.status) == (error, 400)


async def test_spent_jtis_are_forgotten_once_they_could_no_longer_pass(access: FakeAccess, client_id: str) -> None:
    access.state.spent[(client_id, "long-ago")] = NOW - timedelta(seconds=1)
    await grant(access, KEY.sign(claims(client_id)))
    assert list(access.state.spent) == [(client_id, "j-1")]


async def test_only_the_client_itself_spends_its_allowance_and_over_it_gets_no_token(
    access: FakeAccess, client_id: str
) -> None:
    access.allowance = FakeAllowance(each=1)
    with pytest.raises(OAuthError):  # someone else's garbage, signed with another key, in the client's name
        await grant(access, FakeClientKey(KEY.kid).sign(claims(client_id, jti="forged")))
    await grant(access, KEY.sign(claims(client_id, jti="j-1")))
    with pytest.raises(AllowanceSpent):
        await grant(access, KEY.sign(claims(client_id, jti="j-2")))
    assert access.allowance.spent == [client_id]
    assert len(access.tokens.issued) == 1
