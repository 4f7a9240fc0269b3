"""The rules of the signed JWT with which a client authenticates (RFC 7523 private_key_jwt, as the NHS API
Platform uses it): RS512 only, a ``kid`` header, ``iss`` = ``sub`` = the client id, ``aud`` = our token URL,
``exp`` no more than five minutes ahead and not past, and a ``jti`` used once.

Clocks differ between systems, so ``exp`` may lie up to ``leeway`` (30 seconds unless configured) past the
five minutes or behind now. The signature itself is checked outside the domain, with the client's key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHM = "RS512"
MAX_ASSERTION_LIFETIME = timedelta(minutes=5)
_MAX_JTI_LENGTH = 200


class AssertionRefused(Exception):
    """The client could not be authenticated; ``description`` is safe to tell it."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True)
class AcceptedAssertion:
    client_id: str
    jti: str
    remember_until: datetime  # the jti must stay spent at least as long as the assertion could pass


def _whole_seconds(claims: Mapping[str, Any], name: str) -> int | None:
    value = claims.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise AssertionRefused(f"Invalid '{name}' claim in JWT: must be a whole number of seconds.")
    return value


@dataclass(frozen=True)
class AssertionRules:
    token_url: str
    leeway: timedelta = timedelta(seconds=30)
    max_lifetime: timedelta = MAX_ASSERTION_LIFETIME

    def key_id(self, header: Mapping[str, Any]) -> str:
        if header.get("alg") != ASSERTION_ALGORITHM:
            raise AssertionRefused(f"Invalid 'alg' header in JWT: must be {ASSERTION_ALGORITHM}.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid.strip():
            raise AssertionRefused("Missing 'kid' header in JWT.")
        return kid

    def client_id(self, claims: Mapping[str, Any]) -> str:
        issuer, subject = claims.get("iss"), claims.get("sub")
        if not isinstance(issuer, str) or not issuer:
            raise AssertionRefused("Missing 'iss' claim in JWT.")
        if subject != issuer:
            raise AssertionRefused("Invalid 'iss'/'sub' claims in JWT: both must be the client id.")
        return issuer

    def accept(self, claims: Mapping[str, Any], now: datetime) -> AcceptedAssertion:
        """Check a signature-verified assertion's claims at ``now``."""
        client_id = self.client_id(claims)
        audience = claims.get("aud")
        if audience != self.token_url and not (isinstance(audience, list) and audience == [self.token_url]):
            raise AssertionRefused(f"Invalid 'aud' claim in JWT: must be {self.token_url}.")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti.strip() or len(jti) > _MAX_JTI_LENGTH:
            raise AssertionRefused("Missing or invalid 'jti' claim in JWT.")
        exp = _whole_seconds(claims, "exp")
        if exp is None:
            raise AssertionRefused("Missing 'exp' claim in JWT.")
        moment = int(now.timestamp())
        leeway = int(self.leeway.total_seconds())
        if exp <= moment - leeway:
            raise AssertionRefused("Invalid 'exp' claim in JWT: the assertion has expired.")
        if exp > moment + int(self.max_lifetime.total_seconds()) + leeway:
            raise AssertionRefused("Invalid 'exp' claim in JWT: more than 5 minutes in the future.")
        for name in ("nbf", "iat"):
            when = _whole_seconds(claims, name)
            if when is not None and when > moment + leeway:
                raise AssertionRefused(f"Invalid '{name}' claim in JWT: in the future.")
        return AcceptedAssertion(client_id, jti, datetime.fromtimestamp(exp, now.tzinfo) + self.leeway)
