"""Client assertions as JWTs, as the token endpoint reads them and checks their signatures, and the check that a
client's public key can verify them. Making one is the client's side:
``pathfinder.auth.client_credentials.make_client_assertion``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jwt
from pathfinder.auth.keys import InvalidJwk, rsa_public_key_from_jwk
from pathfinder.identity.access.domain.client_assertions import ASSERTION_ALGORITHM, AssertionRefused
from pathfinder.identity.access.service_layer.ports import UnusableKey

_MAX_ASSERTION_LENGTH = 8192


def check_client_key(jwk: Mapping[str, Any]) -> None:
    """A client's key must be an RSA public key for RS512 signatures, and no private half."""
    try:
        rsa_public_key_from_jwk(jwk)
    except InvalidJwk as problem:
        raise UnusableKey(str(problem)) from None


class Rs512Assertions:
    def read_unverified(self, assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
        if len(assertion) > _MAX_ASSERTION_LENGTH:
            raise AssertionRefused("The client assertion is too long.")
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            raise AssertionRefused("The client assertion is not a well-formed JWT.") from None
        return header, claims

    def verified_claims(self, assertion: str, public_jwk: Mapping[str, Any]) -> dict[str, Any]:
        """Only the signature is checked here, under RS512; the claims' own rules are the domain's
        (:class:`~pathfinder.identity.access.domain.client_assertions.AssertionRules`)."""
        try:
            public_key = rsa_public_key_from_jwk(public_jwk)
        except InvalidJwk as problem:
            raise UnusableKey(str(problem)) from None
        try:
            return jwt.decode(
                assertion,
                public_key,
                algorithms=[ASSERTION_ALGORITHM],
                options={
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_sub": False,
                    "verify_jti": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise AssertionRefused(
                "The client assertion's signature does not verify with the key its 'kid' names."
            ) from None
        except jwt.InvalidTokenError:
            raise AssertionRefused("The client assertion is not valid.") from None
