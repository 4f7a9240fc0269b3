"""API clients: the systems of an organisation (an EPR, a case-management system) that call Pathfinder.

A client authenticates with a JWT it signs with its own private key; Pathfinder holds only the public keys, as a
JWKS, one per ``kid``. Rotation is adding a key under a new kid and later revoking the old one; a revoked client
or key authenticates never again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pathfinder.auth import Principal, Scope
from pathfinder.identity.access.domain.organisations import Organisation

MAX_ACTIVE_KEYS = 5


class ClientRefused(ValueError):
    """A change to a client that the rules do not allow."""


class ScopeNotGranted(ValueError):
    pass


@dataclass(frozen=True)
class ClientKey:
    kid: str
    public_jwk: Mapping[str, Any]
    added_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass
class ApiClient:
    client_id: str
    organisation: Organisation
    name: str
    scopes: frozenset[Scope]
    registered_at: datetime
    revoked_at: datetime | None = None
    keys: dict[str, ClientKey] = field(default_factory=dict)

    @classmethod
    def register(
        cls, client_id: str, organisation: Organisation, name: str, scopes: frozenset[Scope], now: datetime
    ) -> ApiClient:
        if not organisation.active:
            raise ClientRefused(f"organisation {organisation.code} is not active")
        name = " ".join(name.split())
        if not name:
            raise ClientRefused("a client needs a name that says which system it is")
        return cls(client_id, organisation, name, organisation.grant(scopes), now)

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.organisation.active

    def add_key(self, kid: str, public_jwk: Mapping[str, Any], now: datetime) -> ClientKey:
        if self.revoked_at is not None:
            raise ClientRefused("the client is revoked")
        if kid in self.keys:
            raise ClientRefused(f"kid {kid!r} is already registered for this client: rotate by adding a new kid")
        if sum(key.active for key in self.keys.values()) >= MAX_ACTIVE_KEYS:
            raise ClientRefused(f"a client holds at most {MAX_ACTIVE_KEYS} active keys: revoke an old one first")
        key = ClientKey(kid, dict(public_jwk), now)
        self.keys[kid] = key
        return key

    def revoke_key(self, kid: str, now: datetime) -> ClientKey:
        key = self.keys.get(kid)
        if key is None:
            raise ClientRefused(f"the client has no key {kid!r}")
        if key.active:
            key = ClientKey(key.kid, key.public_jwk, key.added_at, now)
            self.keys[kid] = key
        return key

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now

    def active_key(self, kid: str) -> ClientKey | None:
        key = self.keys.get(kid)
        return key if key is not None and key.active else None

    def principal(self, requested_scope: str | None) -> Principal:
        """Who the client is when it asks for a token: every scope granted, or only those it asks for."""
        scopes: frozenset[str] = frozenset(self.scopes)
        if requested_scope is not None and requested_scope.strip():
            asked = frozenset(requested_scope.split())
            if not asked <= scopes:
                raise ScopeNotGranted("the client was not granted " + " ".join(sorted(asked - scopes)))
            scopes = asked
        return Principal(
            subject=self.client_id,
            kind="client",
            organisation=self.organisation.code,
            role=self.organisation.role,
            scopes=scopes,
        )
