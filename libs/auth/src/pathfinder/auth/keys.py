"""RSA keys as JWKs: identity's signing keys, the JWKS it publishes, and where verifiers find the public keys.

A verifier never calls identity per request: :class:`RemoteJwks` keeps the keys it fetched, refreshes them when
they are older than the cache time, and fetches early only when a token names a key id it has not seen, at
most once per ``min_refresh_seconds`` (so a flood of made-up key ids cannot turn into a flood of fetches).
Until the first fetch succeeds (identity may start after the service) it tries again every
``first_retry_seconds``, in the background from the moment the API starts, and the service is not ready.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SIGNATURE_ALGORITHM = "RS512"
MINIMUM_RSA_BITS = 2048
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

log = logging.getLogger(__name__)


class InvalidJwk(ValueError):
    """A JWK that cannot be used as an RSA public signing key."""


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _uint_b64url(text: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as error:
        raise InvalidJwk("'n' and 'e' must be base64url") from error
    return int.from_bytes(raw, "big")


def jwk_thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638 SHA-256 thumbprint: a key id that follows from the key itself."""
    numbers = public_key.public_numbers()
    members = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode("ascii")


def public_jwk(public_key: rsa.RSAPublicKey, kid: str) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "RSA",
        "use": "sig",
        "alg": SIGNATURE_ALGORITHM,
        "kid": kid,
        "n": _b64url_uint(numbers.n),
        "e": _b64url_uint(numbers.e),
    }


def rsa_public_key_from_jwk(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    """The RSA public key of a JWK meant for RS512 signatures; refuses private key material outright."""
    if _PRIVATE_MEMBERS & set(jwk):
        raise InvalidJwk("the JWK holds private key material: publish only the public key")
    if jwk.get("kty") != "RSA":
        raise InvalidJwk("only RSA keys (kty 'RSA') are accepted")
    if jwk.get("use", "sig") != "sig":
        raise InvalidJwk("the key must be for signatures (use 'sig')")
    if jwk.get("alg", SIGNATURE_ALGORITHM) != SIGNATURE_ALGORITHM:
        raise InvalidJwk(f"the key must be for {SIGNATURE_ALGORITHM}")
    kid, n, e = jwk.get("kid"), jwk.get("n"), jwk.get("e")
    if not isinstance(kid, str) or not kid.strip():
        raise InvalidJwk("the JWK needs a 'kid'")
    if not isinstance(n, str) or not isinstance(e, str):
        raise InvalidJwk("the JWK needs 'n' and 'e'")
    try:
        key = rsa.RSAPublicNumbers(_uint_b64url(e), _uint_b64url(n)).public_key()
    except ValueError as error:
        raise InvalidJwk("'n' and 'e' are not an RSA public key") from error
    if key.key_size < MINIMUM_RSA_BITS:
        raise InvalidJwk(f"RSA keys must have at least {MINIMUM_RSA_BITS} bits")
    return key


def jwks_keys(document: Mapping[str, Any] | str | bytes) -> dict[str, rsa.RSAPublicKey]:
    """Key id to public key for every usable key of a JWKS; keys that do not fit are left out, with a log line."""
    parsed: Any = json.loads(document) if isinstance(document, str | bytes) else document
    entries = parsed.get("keys") if isinstance(parsed, Mapping) else None
    if not isinstance(entries, list):
        raise InvalidJwk("a JWKS is an object with a 'keys' list")
    keys: dict[str, rsa.RSAPublicKey] = {}
    for entry in entries:
        try:
            if not isinstance(entry, Mapping):
                raise InvalidJwk("each key is an object")
            keys[str(entry["kid"])] = rsa_public_key_from_jwk(entry)
        except (InvalidJwk, KeyError) as problem:
            log.warning("ignoring a key in the JWKS: %s", problem)
    return keys


def jwks_document(jwks: Iterable[Mapping[str, str]]) -> dict[str, list[dict[str, str]]]:
    return {"keys": [dict(jwk) for jwk in jwks]}


@dataclass(frozen=True)
class SigningKey:
    """An RSA private key with its key id (the RFC 7638 thumbprint unless told otherwise)."""

    kid: str
    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, bits: int = 4096, kid: str | None = None) -> SigningKey:
        if bits < MINIMUM_RSA_BITS:
            raise ValueError(f"RSA keys must have at least {MINIMUM_RSA_BITS} bits")
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        return cls(kid or jwk_thumbprint(private_key.public_key()), private_key)

    @classmethod
    def from_pem(cls, pem: bytes, kid: str | None = None) -> SigningKey:
        private_key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("not an RSA private key")
        return cls(kid or jwk_thumbprint(private_key.public_key()), private_key)

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        return public_jwk(self.public_key, self.kid)


class JwksUnavailable(Exception):
    """No keys could be had at all: access tokens cannot be checked (a 503, not a 401)."""


class JwksSource(Protocol):
    """Where a verifier finds the public key a token names in its ``kid`` header."""

    async def public_key(self, kid: str) -> rsa.RSAPublicKey | None: ...

    async def ready(self) -> None:
        """Return once tokens can be checked with these keys; raise (JwksUnavailable) while they cannot."""
        ...


class StaticJwks:
    """Keys given up front (from settings or a test), never refreshed."""

    def __init__(self, document: Mapping[str, Any] | str | bytes) -> None:
        self._keys = jwks_keys(document)

    async def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        return self._keys.get(kid)

    async def ready(self) -> None:
        return None


class RemoteJwks:
    """Identity's published keys, fetched over HTTPS and cached."""

    def __init__(
        self,
        url: str,
        *,
        cache_seconds: float = 300,
        min_refresh_seconds: float = 30,
        timeout_seconds: float = 5,
        first_retry_seconds: float = 1,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._cache_seconds = cache_seconds
        self._min_refresh_seconds = min_refresh_seconds
        self._first_retry_seconds = first_retry_seconds
        self._timeout = timeout_seconds
        self._client = client
        self._clock = clock
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()
        self._loading: asyncio.Task[None] | None = None

    @property
    def loaded(self) -> bool:
        return self._fetched_at is not None

    async def ready(self) -> None:
        now = self._clock()
        if self._fetched_at is None and self._may_fetch(now):
            await self._refresh(asked_at=now)
        if self._fetched_at is None:
            raise JwksUnavailable(f"no keys fetched from {self.url} yet")

    def start(self) -> None:
        """Fetch the keys in the background until a fetch succeeds (call from a running event loop)."""
        if self._loading is None and not self.loaded:
            self._loading = asyncio.get_running_loop().create_task(self._load_until_fetched())

    async def close(self) -> None:
        if self._loading is not None:
            self._loading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loading
            self._loading = None

    async def _load_until_fetched(self) -> None:
        wait = self._first_retry_seconds
        while not self.loaded:
            with contextlib.suppress(JwksUnavailable):
                await self.ready()
            if not self.loaded:
                await asyncio.sleep(wait)
                wait = min(wait * 2, max(self._first_retry_seconds, self._min_refresh_seconds))

    async def public_key(self, kid: str) -> rsa.RSAPublicKey | None:
        now = self._clock()
        stale = self._fetched_at is None or now - self._fetched_at >= self._cache_seconds
        if stale and self._may_fetch(now):
            await self._refresh(asked_at=now)
        if self._fetched_at is None:
            raise JwksUnavailable(f"no keys fetched from {self.url} yet")
        key = self._keys.get(kid)
        if key is None and self._may_fetch(now):
            await self._refresh(asked_at=now)
            key = self._keys.get(kid)
        return key

    def _may_fetch(self, now: float) -> bool:
        # Before any key is had, a failed fetch is tried again soon: every request is refused until one succeeds.
        interval = self._min_refresh_seconds if self.loaded else self._first_retry_seconds
        return self._attempted_at is None or now - self._attempted_at >= interval

    async def _refresh(self, *, asked_at: float) -> None:
        async with self._lock:
            if self._attempted_at is not None and self._attempted_at >= asked_at:
                return  # another request refreshed while this one waited
            self._attempted_at = self._clock()
            try:
                keys = jwks_keys(await self._fetch())
            except (httpx.HTTPError, InvalidJwk, ValueError) as error:
                # Keep the keys we have: a short outage of identity must not lock every caller out.
                log.warning("could not refresh the JWKS from %s: %s", self.url, type(error).__name__)
                return
            self._keys = keys
            self._fetched_at = self._attempted_at

    async def _fetch(self) -> Any:
        if self._client is not None:
            response = await self._client.get(self.url, timeout=self._timeout)
        else:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.get(self.url)
        response.raise_for_status()
        return response.json()
