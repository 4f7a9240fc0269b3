"""Client assertions as JWTs, as the token endpoint reads them and checks their signatures. Making one is the
client's side: ``pathfinder.auth.client_credentials.make_client_assertion``."""

from __future__ import annotations

from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from pathfinder.identity.domain.client_assertions import ASSERTION_ALGORITHM, AssertionRefused

_MAX_ASSERTION_LENGTH = 8192


def read_unverified(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims, to find the client and its key; nothing in them is trusted yet."""
    if len(assertion) > _MAX_ASSERTION_LENGTH:
        raise AssertionRefused("The client assertion is too long.")
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise AssertionRefused("The client assertion is not a well-formed JWT.") from None
    return header, claims


def verified_claims(assertion: str, public_key: rsa.RSAPublicKey) -> dict[str, Any]:
    """The claims, once the signature verifies with the client's key under RS512; the claims' own rules are the
    domain's (:class:`~pathfinder.identity.domain.client_assertions.AssertionRules`)."""
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
