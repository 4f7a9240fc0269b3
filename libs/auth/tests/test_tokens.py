"""Access tokens issued and verified with real RSA keys: what passes, and each way a token is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.audiences import audience_of
from pathfinder.auth.keys import SigningKey, StaticJwks, jwks_document
from pathfinder.auth.testing import TEST_AUDIENCE, TEST_ISSUER, TokenMint, principal, token_mint
from pathfinder.auth.tokens import AccessTokenIssuer, AccessTokenVerifier, InvalidAccessToken

DARLINGTON_OFFICER = principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.PERSONS_READ, Scope.AUDIT_READ)


@pytest.fixture(scope="module")
def mint() -> TokenMint:
    return token_mint()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_for(who: Principal, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": TEST_ISSUER,
        "aud": TEST_AUDIENCE,
        "sub": who.subject,
        "jti": "a-token-id",
        "iat": now,
        "exp": now + 600,
        "org": who.organisation,
        "role": who.role.value,
        "kind": who.kind,
        "scope": who.scope_text,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def signed(mint: TokenMint, claims: dict[str, Any], *, algorithm: str = "RS512", **header: Any) -> str:
    headers = {"kid": mint.signing_key.kid, "typ": "at+jwt", **header}
    return jwt.encode(claims, mint.signing_key.private_key, algorithm=algorithm, headers=headers)


async def refused(mint: TokenMint, token: str, words: str) -> None:
    with pytest.raises(InvalidAccessToken, match=words):
        await mint.verifier().verify(token)


async def test_a_token_names_the_principal_it_was_issued_for(mint: TokenMint) -> None:
    issued = mint.issuer.issue(DARLINGTON_OFFICER)
    assert issued.expires_in == 600
    assert issued.scope == "audit:read persons:read"
    found = await mint.verifier().verify(issued.token)
    assert found == DARLINGTON_OFFICER
    assert found.la_code == "841"
    assert found.has_scope(Scope.PERSONS_READ)
    assert not found.has_scope(Scope.PERSONS_ERASE)


async def test_the_token_carries_the_agreed_claims_and_header(mint: TokenMint) -> None:
    token = mint.token_for(DARLINGTON_OFFICER)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "RS512", "kid": mint.signing_key.kid, "typ": "at+jwt"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {"iss", "aud", "sub", "jti", "iat", "exp", "org", "role", "kind", "scope"}
    assert claims["exp"] - claims["iat"] == 600
    assert (claims["org"], claims["role"], claims["kind"]) == ("841", "local-authority", "client")


async def test_an_expired_token_is_refused(mint: TokenMint) -> None:
    eleven_minutes_ago = datetime.now(UTC) - timedelta(minutes=11)
    await refused(mint, mint.token_for(DARLINGTON_OFFICER, now=eleven_minutes_ago), "expired")


async def test_a_token_just_past_expiry_passes_within_the_clock_skew(mint: TokenMint) -> None:
    just_expired = datetime.now(UTC) - timedelta(seconds=610)
    assert await mint.verifier().verify(mint.token_for(DARLINGTON_OFFICER, now=just_expired))


async def test_a_token_from_the_future_is_refused(mint: TokenMint) -> None:
    later = datetime.now(UTC) + timedelta(minutes=5)
    await refused(mint, mint.token_for(DARLINGTON_OFFICER, now=later), "not valid yet")


async def test_a_token_not_valid_before_a_later_time_is_refused(mint: TokenMint) -> None:
    await refused(mint, signed(mint, claims_for(DARLINGTON_OFFICER, nbf=int(time.time()) + 300)), "not valid yet")


async def test_a_token_from_another_issuer_is_refused(mint: TokenMint) -> None:
    await refused(mint, signed(mint, claims_for(DARLINGTON_OFFICER, iss="https://elsewhere.test")), "issuer")


async def test_a_token_for_another_audience_is_refused(mint: TokenMint) -> None:
    await refused(mint, signed(mint, claims_for(DARLINGTON_OFFICER, aud="another-api")), "audience")


async def test_a_token_signed_by_an_unknown_key_is_refused(mint: TokenMint) -> None:
    stranger = token_mint()
    await refused(mint, stranger.token_for(DARLINGTON_OFFICER), "unknown key")


async def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(mint: TokenMint) -> None:
    forger = SigningKey.generate(bits=2048, kid=mint.signing_key.kid)
    forged = AccessTokenIssuer(forger, issuer=TEST_ISSUER, audience=TEST_AUDIENCE).issue(DARLINGTON_OFFICER)
    await refused(mint, forged.token, "signature")


async def test_a_tampered_token_is_refused(mint: TokenMint) -> None:
    header, payload, signature = mint.token_for(DARLINGTON_OFFICER).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["org"] = "805"
    tampered = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
    await refused(mint, tampered, "signature")


async def test_rs256_is_refused_although_the_key_is_right(mint: TokenMint) -> None:
    await refused(mint, signed(mint, claims_for(DARLINGTON_OFFICER), algorithm="RS256"), "RS512")


async def test_hs256_made_with_the_public_key_as_secret_is_refused(mint: TokenMint) -> None:
    public_pem = mint.signing_key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "at+jwt", "kid": mint.signing_key.kid}).encode())
    payload = b64(json.dumps(claims_for(DARLINGTON_OFFICER)).encode())
    signature = b64(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    await refused(mint, f"{header}.{payload}.{signature}", "RS512")


async def test_an_unsigned_token_is_refused(mint: TokenMint) -> None:
    header = b64(json.dumps({"alg": "none", "typ": "at+jwt", "kid": mint.signing_key.kid}).encode())
    payload = b64(json.dumps(claims_for(DARLINGTON_OFFICER)).encode())
    await refused(mint, f"{header}.{payload}.", "RS512")


async def test_a_jwt_that_is_not_an_access_token_is_refused(mint: TokenMint) -> None:
    await refused(mint, signed(mint, claims_for(DARLINGTON_OFFICER), typ="JWT"), "not an access token")


async def test_a_token_without_a_kid_is_refused(mint: TokenMint) -> None:
    token = jwt.encode(
        claims_for(DARLINGTON_OFFICER), mint.signing_key.private_key, algorithm="RS512", headers={"typ": "at+jwt"}
    )
    await refused(mint, token, "names no key")


@pytest.mark.parametrize("claim", ["org", "role", "kind", "scope", "jti", "sub", "exp"])
async def test_a_token_missing_a_required_claim_is_refused(mint: TokenMint, claim: str) -> None:
    await refused(mint, signed(mint, claims_for(DARLINGTON_OFFICER, **{claim: None})), f"'{claim}'")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"role": "parent"}, "unknown organisation role"),
        ({"kind": "robot"}, "unknown kind"),
        ({"org": "RH8"}, "3-digit"),
        ({"role": "platform", "org": "841"}, "platform organisation"),
        ({"exp": "soon"}, "whole seconds"),
    ],
)
async def test_claims_that_make_no_sense_are_refused(mint: TokenMint, changes: dict[str, Any], words: str) -> None:
    await refused(mint, signed(mint, claims_for(DARLINGTON_OFFICER, **changes)), words)


async def test_garbage_is_refused(mint: TokenMint) -> None:
    await refused(mint, "not-a-jwt", "well-formed")
    await refused(mint, "x" * 9000, "too long")


async def test_a_verifier_trusts_every_key_of_the_jwks_during_rotation() -> None:
    old, new = token_mint(), token_mint()
    both = StaticJwks(jwks_document([old.signing_key.public_jwk(), new.signing_key.public_jwk()]))
    verifier = AccessTokenVerifier(both, issuer=TEST_ISSUER, audience=TEST_AUDIENCE)
    assert await verifier.verify(old.token_for(DARLINGTON_OFFICER)) == DARLINGTON_OFFICER
    assert await verifier.verify(new.token_for(DARLINGTON_OFFICER)) == DARLINGTON_OFFICER


async def test_a_verifier_built_from_settings_with_inline_keys_accepts_the_mints_tokens(mint: TokenMint) -> None:
    verifier = AccessTokenVerifier.from_settings(mint.auth_settings(), audience=audience_of("identity"))
    assert await verifier.verify(mint.token_for(DARLINGTON_OFFICER)) == DARLINGTON_OFFICER


async def test_a_token_the_key_signed_for_a_longer_life_than_identity_gives_is_refused(mint: TokenMint) -> None:
    now = int(time.time())
    ten_years = signed(mint, claims_for(DARLINGTON_OFFICER, iat=now, exp=now + 10 * 365 * 24 * 3600))
    await refused(mint, ten_years, "lives longer")
    verifier = AccessTokenVerifier.from_settings(mint.auth_settings(), audience=audience_of("identity"))
    with pytest.raises(InvalidAccessToken, match="lives longer"):
        await verifier.verify(signed(mint, claims_for(DARLINGTON_OFFICER, iat=now, exp=now + 600 + 31)))
    assert await verifier.verify(signed(mint, claims_for(DARLINGTON_OFFICER, iat=now, exp=now + 600 + 30)))


async def test_each_service_accepts_only_tokens_for_it_and_a_token_names_the_services_of_its_scopes() -> None:
    key = SigningKey.generate(bits=2048)
    issuer = AccessTokenIssuer(key, issuer=TEST_ISSUER)  # no one audience: production
    jwks = StaticJwks(jwks_document([key.public_jwk()]))
    service = {
        name: AccessTokenVerifier(jwks, issuer=TEST_ISSUER, audience=audience_of(name))
        for name in ("notifications", "identity", "ehcp")
    }
    trust = principal(OrganisationRole.NHS_TRUST, "RH8", Scope.NOTIFICATIONS_SUBMIT)
    trust_token = issuer.issue(trust).token
    assert jwt.decode(trust_token, options={"verify_signature": False})["aud"] == [
        "urn:pathfinder:identity",  # the issuer: its /me and organisation registry, nothing more without its scopes
        "urn:pathfinder:notifications",
    ]
    assert await service["notifications"].verify(trust_token) == trust
    with pytest.raises(InvalidAccessToken, match="not meant for this audience"):
        await service["ehcp"].verify(trust_token)
    la = principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.NOTIFICATIONS_READ, Scope.PERSONS_READ)
    la_token = issuer.issue(la).token
    assert jwt.decode(la_token, options={"verify_signature": False})["aud"] == [
        "urn:pathfinder:identity",
        "urn:pathfinder:notifications",
    ]
    assert await service["identity"].verify(la_token) == la
    with pytest.raises(InvalidAccessToken, match="not meant for this audience"):
        await service["ehcp"].verify(la_token)


async def test_the_audience_setting_wins_over_the_services_own(mint: TokenMint) -> None:
    verifier = AccessTokenVerifier.from_settings(mint.auth_settings(), audience=audience_of("ehcp"))
    assert verifier.audience == TEST_AUDIENCE
    production = AccessTokenVerifier.from_settings(
        mint.auth_settings().model_copy(update={"audience": None}), audience=audience_of("ehcp")
    )
    assert production.audience == "urn:pathfinder:ehcp"
