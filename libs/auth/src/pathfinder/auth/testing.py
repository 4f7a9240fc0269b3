"""For other services' tests: a real signing key, a verifier that trusts it, and tokens for any principal.

mint = token_mint()
install_access_control(app, mint.verifier())          # or AuthSettings from mint.auth_settings()
headers = mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.PERSONS_READ))
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pathfinder.auth.keys import SigningKey, StaticJwks, jwks_document
from pathfinder.auth.principal import OrganisationRole, Principal, Scope
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenIssuer, AccessTokenVerifier

TEST_ISSUER = "https://identity.pathfinder.test"
TEST_AUDIENCE = "pathfinder-api"


def principal(
    role: OrganisationRole,
    organisation: str,
    *scopes: Scope | str,
    kind: Literal["client", "person"] = "client",
    subject: str | None = None,
) -> Principal:
    return Principal(
        subject=subject or f"{kind}-{uuid.uuid4()}",
        kind=kind,
        organisation=organisation,
        role=role,
        scopes=frozenset(str(scope) for scope in scopes),
    )


@dataclass(frozen=True)
class TokenMint:
    signing_key: SigningKey
    issuer: AccessTokenIssuer

    @property
    def audience(self) -> str:
        assert self.issuer.audience is not None, "a test mint's tokens name one audience, which its verifiers accept"
        return self.issuer.audience

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return jwks_document([self.signing_key.public_jwk()])

    def auth_settings(self) -> AuthSettings:
        """Settings a service under test can build its verifier from (the JWKS given inline)."""
        return AuthSettings(
            issuer=self.issuer.issuer,
            audience=self.audience,
            jwks_json=json.dumps(self.jwks()),
            token_lifetime_seconds=self.issuer.lifetime_seconds,
        )

    def environment(self) -> dict[str, str]:
        """The same trust as ``auth_settings``, as the environment of a service process."""
        settings = self.auth_settings()
        return {
            "PATHFINDER_AUTH_ISSUER": settings.issuer,
            "PATHFINDER_AUTH_AUDIENCE": self.audience,
            "PATHFINDER_AUTH_JWKS_JSON": settings.jwks_json or "",
        }

    def verifier(self) -> AccessTokenVerifier:
        return AccessTokenVerifier(
            StaticJwks(self.jwks()),
            issuer=self.issuer.issuer,
            audience=self.audience,
            max_lifetime_seconds=self.issuer.lifetime_seconds + 30,
        )

    def token_for(self, principal: Principal, *, now: datetime | None = None) -> str:
        return self.issuer.issue(principal, now=now).token

    def headers_for(self, principal: Principal, *, now: datetime | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(principal, now=now)}"}


def token_mint(
    *, issuer: str = TEST_ISSUER, audience: str = TEST_AUDIENCE, lifetime_seconds: int = 600, key_bits: int = 2048
) -> TokenMint:
    key = SigningKey.generate(bits=key_bits)
    return TokenMint(key, AccessTokenIssuer(key, issuer=issuer, audience=audience, lifetime_seconds=lifetime_seconds))


__all__ = ["TEST_AUDIENCE", "TEST_ISSUER", "OrganisationRole", "TokenMint", "principal", "token_mint"]
