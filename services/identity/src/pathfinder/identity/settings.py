"""``PATHFINDER_IDENTITY_*`` settings: the service's database and port, the access side's keys and sign-in rules,
and the person index's master key. Only the composition root reads them."""

from __future__ import annotations

from pathfinder.runtime.settings import ServiceSettings
from pydantic import Field, IPvAnyNetwork, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE = "identity"


class IdentitySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_IDENTITY_", extra="ignore")

    http_port: int = 8004


class AccessSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_IDENTITY_", extra="ignore")

    key_encryption_key: SecretStr | None = Field(
        default=None,
        description="32 random bytes, base64url: seals identity's signing keys in the database. Without it a "
        "throwaway key is made at start (development only: keys sealed under it are unusable after a restart)",
    )
    token_url: str | None = Field(
        default=None,
        description="The public URL of the token endpoint, the 'aud' of client assertions "
        "(default: <PATHFINDER_AUTH_ISSUER>/oauth2/token)",
    )
    signing_key_bits: int = Field(default=4096, ge=2048)
    signing_key_publish_ahead_seconds: int = Field(
        default=60, ge=0, description="A rotated-in key is published this long before it signs anything"
    )
    signing_key_refresh_seconds: float = Field(default=60, gt=0)
    assertion_leeway_seconds: int = Field(
        default=30, ge=0, le=120, description="Allowance for clock skew on a client assertion's 'exp'"
    )
    sign_in_lockout_threshold: int = Field(default=5, ge=1)
    sign_in_first_lockout_seconds: int = Field(default=60, ge=1)
    sign_in_longest_lockout_seconds: int = Field(default=3600, ge=1)


class ExternalIdentityProviderSettings(BaseSettings):
    """``PATHFINDER_IDENTITY_OIDC_*``: an OpenID Connect provider people may sign in with (NHS CIS2). Only the
    configuration exists so far; see ``pathfinder.identity.access.service_layer.sign_in``."""

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_IDENTITY_OIDC_", extra="ignore")

    enabled: bool = False
    name: str = "nhs-cis2"
    issuer: str | None = Field(default=None, description="Discovery at <issuer>/.well-known/openid-configuration")
    client_id: str | None = None
    private_key_path: str | None = Field(default=None, description="PEM key for private_key_jwt at the provider")
    redirect_url: str | None = None
    scopes: str = "openid profile nationalrbacaccess"
    acr_values: str | None = Field(default=None, description="Authentication assurance asked of the provider")


class PersonVaultSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATHFINDER_IDENTITY_", extra="ignore")

    master_key: SecretStr | None = Field(
        default=None,
        description="32 random bytes, base64url: wraps each person's data key and keys the blind indexes. "
        "Without it a throwaway key is made at start (development only: details sealed under it cannot be read "
        "after a restart)",
    )


class RateLimitSettings(BaseSettings):
    """``PATHFINDER_IDENTITY_RATE_LIMIT_*``: token buckets in identity's database, shared by every API process.
    Each pair is the sustained rate (per second) and the burst a caller may spend at once; over it, 429 with
    Retry-After."""

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_IDENTITY_RATE_LIMIT_", extra="ignore")

    client_per_second: float = Field(default=20, gt=0, description="Each client, on every authenticated route")
    client_burst: int = Field(default=200, ge=1)
    match_per_second: float = Field(
        default=100, gt=0, description="Each client, on POST /persons/$match (notifications resolves every child)"
    )
    match_burst: int = Field(default=1000, ge=1)
    token_per_second: float = Field(
        default=1, gt=0, description="Each client, on the token endpoint: only requests whose assertion it signed"
    )
    token_burst: int = Field(default=20, ge=1)
    token_failures_per_second: float = Field(
        default=0.5, gt=0, description="Each source address, the token endpoint's refusals (then 429 instead)"
    )
    token_failures_burst: int = Field(default=30, ge=1)
    sign_in_account_per_second: float = Field(default=0.1, gt=0, description="Each username, on people's sign-in")
    sign_in_account_burst: int = Field(default=10, ge=1)
    sign_in_source_per_second: float = Field(default=5, gt=0, description="Each source address, on people's sign-in")
    sign_in_source_burst: int = Field(default=50, ge=1)
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default=[],
        description='JSON list of the proxies\' addresses or networks (e.g. ["10.0.0.0/8"]) whose X-Forwarded-For '
        "names a request's source. Without them a source is the connecting address: behind a proxy, the proxy's, "
        "so every caller shares one per-source bucket",
    )
