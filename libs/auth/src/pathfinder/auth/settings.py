"""``PATHFINDER_AUTH_*``: how every service verifies access tokens, and how identity issues them."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() in _LOOPBACK_NAMES or host.lower().endswith(".localhost")


def trusted_url(url: str, setting: str) -> str:
    """``url`` if it is https, or plain http to this machine (development); otherwise a settings error that
    says so. Keys fetched or tokens trusted over plain http could be swapped on the way."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return url
    raise ValueError(
        f"{setting} must be an https URL (plain http only to a loopback host, for development): got {url!r}"
    )


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_AUTH_", extra="ignore")

    issuer: str = Field(
        default="http://127.0.0.1:8004",
        description="Public base URL of the identity service; the 'iss' of every access token",
    )
    audience: str | None = Field(
        default=None,
        description="One 'aud' that every service accepts and identity puts in every token, instead of each "
        "service's own (urn:pathfinder:<service>, see pathfinder.auth.audiences): for tests, never in production",
    )
    jwks_url: str | None = Field(
        default=None, description="Where identity publishes its signing keys (default: <issuer>/.well-known/jwks.json)"
    )
    jwks_json: str | None = Field(
        default=None, description="A JWKS document to trust instead of fetching jwks_url (tests, air-gapped setups)"
    )
    token_lifetime_seconds: int = Field(default=600, ge=60, le=3600)
    clock_skew_seconds: int = Field(default=30, ge=0, le=300)
    jwks_cache_seconds: float = Field(default=300, gt=0, description="How long fetched keys are used unchecked")
    jwks_min_refresh_seconds: float = Field(
        default=30, ge=0, description="Least time between two fetches caused by an unknown key id"
    )
    jwks_fetch_timeout_seconds: float = Field(default=5, gt=0)

    @field_validator("issuer")
    @classmethod
    def _issuer_is_https(cls, value: str) -> str:
        return trusted_url(value, "PATHFINDER_AUTH_ISSUER")

    @field_validator("jwks_url")
    @classmethod
    def _jwks_url_is_https(cls, value: str | None) -> str | None:
        return None if value is None else trusted_url(value, "PATHFINDER_AUTH_JWKS_URL")

    @property
    def effective_jwks_url(self) -> str:
        return self.jwks_url or f"{self.issuer.rstrip('/')}/.well-known/jwks.json"
