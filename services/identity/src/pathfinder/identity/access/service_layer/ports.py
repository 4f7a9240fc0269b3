"""What access's use cases need from outside besides storage: cryptography and token signing, as protocols.

``access.adapters`` implements them with RSA keys, PyJWT and argon2; the fast tests with fakes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from pathfinder.auth import Principal
from pathfinder.identity.access.domain.signing_keys import StoredSigningKey


class UnusableKey(ValueError):
    """A public key that cannot check a client's signature (not RSA, too short, malformed)."""


class KeyCheck(Protocol):
    def __call__(self, jwk: Mapping[str, Any]) -> None:
        """Accept a JWK as one of a client's public keys, or raise :class:`UnusableKey`."""
        ...


class AssertionReader(Protocol):
    """Reads a client assertion (a JWT); its claims' rules are the domain's ``AssertionRules``."""

    def read_unverified(self, assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Header and claims, to find the client and its key; nothing in them is trusted yet. Raises
        ``AssertionRefused`` if the assertion cannot be read."""
        ...

    def verified_claims(self, assertion: str, public_jwk: Mapping[str, Any]) -> dict[str, Any]:
        """The claims, once the signature verifies with the client's key. Raises ``AssertionRefused``, or
        :class:`UnusableKey` if the registered key cannot be used."""
        ...


ClientAllowance = Callable[[str], Awaitable[None]]
"""Given an authenticated client's id, spends one of its token requests, or raises to refuse it: then no token is
issued and the error reaches the caller."""


class IssuedToken(Protocol):
    @property
    def token(self) -> str: ...

    @property
    def expires_in(self) -> int: ...

    @property
    def scope(self) -> str: ...


class TokenIssuer(Protocol):
    async def issue(self, principal: Principal, *, now: datetime) -> IssuedToken:
        """An access token saying who ``principal`` is, signed by identity's current key."""
        ...


class Passwords(Protocol):
    async def hash(self, password: str) -> str: ...

    async def matches(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...

    async def waste_time(self, password: str) -> None:
        """As long as checking a real password, so that a missing account does not answer faster."""
        ...


class SigningKeyMaker(Protocol):
    @property
    def key_encryption_key_id(self) -> str:
        """The key-encryption key this process seals keys with: only keys sealed under it sign here."""
        ...

    async def make(self, *, now: datetime, activates_at: datetime) -> StoredSigningKey:
        """A new key pair, its private key sealed."""
        ...


class PublishedKeys(Protocol):
    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWKS document of every published key."""
        ...
