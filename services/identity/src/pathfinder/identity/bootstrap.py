"""The composition root: the one place where identity's adapters meet its use cases and routes, for the API
process, the worker and the ``pathfinder-identity`` command alike.

Each context is wired once (:class:`Access`, :class:`PersonIndex`); the API's routes get what they need of each
as one frozen set of dependencies (``entrypoints.dependencies``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

from fastapi import APIRouter, Depends, FastAPI
from pathfinder.auth import OrganisationRole
from pathfinder.auth.audiences import audience_of
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.identity.access.adapters.client_assertion_jwt import Rs512Assertions, check_client_key
from pathfinder.identity.access.adapters.key_encryption import KeyEncryption
from pathfinder.identity.access.adapters.passwords import Argon2Passwords
from pathfinder.identity.access.adapters.signing_key_ring import RingTokenIssuer, SigningKeyRing
from pathfinder.identity.access.adapters.unit_of_work import SqlAccessUnitOfWork
from pathfinder.identity.access.domain.client_assertions import AssertionRules
from pathfinder.identity.access.domain.person_accounts import LockoutPolicy
from pathfinder.identity.access.service_layer.ports import KeyCheck
from pathfinder.identity.entrypoints.access_http import oauth_router, organisations_router, people_router
from pathfinder.identity.entrypoints.dependencies import (
    AccessDependencies,
    AccessRateLimits,
    PersonIndexDependencies,
    provide,
)
from pathfinder.identity.entrypoints.persons_http import router as persons_router
from pathfinder.identity.entrypoints.persons_match_batch_http import router as match_batch_router
from pathfinder.identity.entrypoints.persons_problems import install_person_index_problems
from pathfinder.identity.persons.adapters.unit_of_work import SqlPersonIndexUnitOfWork
from pathfinder.identity.persons.adapters.vault import PersonVault
from pathfinder.identity.persons.service_layer.ports import LocalAuthorities
from pathfinder.identity.settings import (
    SERVICE,
    AccessSettings,
    IdentitySettings,
    PersonVaultSettings,
    RateLimitSettings,
)
from pathfinder.runtime.service import ServiceRuntime
from pathfinder.web.access import install_access_control
from pathfinder.web.problems import problem_responses
from pathfinder.web.rate_limits import ClientRateLimits, Rate, RateLimit, TrustedProxies
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def key_encryption(settings: AccessSettings) -> KeyEncryption:
    if settings.key_encryption_key is not None:
        return KeyEncryption.from_text(settings.key_encryption_key.get_secret_value())
    log.warning(
        "PATHFINDER_IDENTITY_KEY_ENCRYPTION_KEY is not set: using a throwaway key-encryption key, so signing keys "
        "made now cannot be opened after a restart. Outside a developer's machine, set it to the output of "
        "`pathfinder-identity signing-key new-kek`."
    )
    return KeyEncryption.generate()


def person_vault(settings: PersonVaultSettings) -> PersonVault:
    if settings.master_key is not None:
        return PersonVault.from_text(settings.master_key.get_secret_value())
    log.warning(
        "PATHFINDER_IDENTITY_MASTER_KEY is not set: using a throwaway master key, so children's details "
        "recorded now cannot be read after a restart. Outside a developer's machine, set it to 32 random "
        "bytes, base64url."
    )
    return PersonVault.generate()


@dataclass
class Access:
    """The access context wired on a database."""

    sessions: async_sessionmaker[AsyncSession]
    source: str
    settings: AccessSettings
    auth: AuthSettings
    clock: Clock = utc_now
    passwords: Argon2Passwords = field(default_factory=Argon2Passwords)
    key_check: KeyCheck = check_client_key
    assertions: Rs512Assertions = field(default_factory=Rs512Assertions)

    def unit_of_work(self) -> SqlAccessUnitOfWork:
        return SqlAccessUnitOfWork(self.sessions, source=self.source)

    @property
    def token_url(self) -> str:
        return self.settings.token_url or f"{self.auth.issuer.rstrip('/')}/oauth2/token"

    @property
    def assertion_rules(self) -> AssertionRules:
        leeway = timedelta(seconds=self.settings.assertion_leeway_seconds)
        return AssertionRules(token_url=self.token_url, leeway=leeway)

    @property
    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(
            threshold=self.settings.sign_in_lockout_threshold,
            first_lock=timedelta(seconds=self.settings.sign_in_first_lockout_seconds),
            longest_lock=timedelta(seconds=self.settings.sign_in_longest_lockout_seconds),
        )

    @cached_property
    def key_ring(self) -> SigningKeyRing:
        # Made when first needed, so that onboarding commands never ask for the key-encryption key.
        return SigningKeyRing(
            self.unit_of_work,
            key_encryption(self.settings),
            bits=self.settings.signing_key_bits,
            publish_ahead=timedelta(seconds=self.settings.signing_key_publish_ahead_seconds),
            retire_after=timedelta(seconds=self.auth.token_lifetime_seconds + self.auth.clock_skew_seconds),
            refresh_seconds=self.settings.signing_key_refresh_seconds,
            clock=self.clock,
        )

    @cached_property
    def tokens(self) -> RingTokenIssuer:
        return RingTokenIssuer(self.key_ring, self.auth)

    @cached_property
    def verifier(self) -> AccessTokenVerifier:
        return AccessTokenVerifier.from_settings(self.auth, audience=audience_of(SERVICE), keys=self.key_ring)

    def dependencies(self, limits: AccessRateLimits) -> AccessDependencies:
        return AccessDependencies(
            unit_of_work=self.unit_of_work,
            assertion_rules=self.assertion_rules,
            assertions=self.assertions,
            tokens=self.tokens,
            published_keys=self.key_ring,
            passwords=self.passwords,
            lockout=self.lockout,
            clock=self.clock,
            limits=limits,
        )


@dataclass(frozen=True)
class RegisteredLocalAuthorities:
    """The person index's question about the organisation registry, answered from the access context."""

    unit_of_work: Callable[[], SqlAccessUnitOfWork]

    async def registered(self, la_code: str) -> bool:
        async with self.unit_of_work() as uow:
            found = await uow.organisations.get(la_code)
        return found is not None and found.active and found.role is OrganisationRole.LOCAL_AUTHORITY


@dataclass
class PersonIndex:
    """The person index wired on a database."""

    sessions: async_sessionmaker[AsyncSession]
    source: str
    settings: PersonVaultSettings
    local_authorities: LocalAuthorities
    clock: Clock = utc_now

    @cached_property
    def vault(self) -> PersonVault:
        return person_vault(self.settings)

    def unit_of_work(self) -> SqlPersonIndexUnitOfWork:
        return SqlPersonIndexUnitOfWork(self.sessions, source=self.source, vault=self.vault)

    def dependencies(self) -> PersonIndexDependencies:
        return PersonIndexDependencies(
            unit_of_work=self.unit_of_work, local_authorities=self.local_authorities, clock=self.clock
        )


@dataclass
class IdentityService(ServiceRuntime[IdentitySettings]):
    service = SERVICE
    title = "Pathfinder identity"
    description = (
        "Organisations, API clients and the child across agencies behind a pseudonymous id.\n\n"
        "The events identity publishes are catalogued with every other: the JSON Schema of each one's data is at "
        "notifications' `GET /event-types/{event_type}/schema` (the same documents as `libs/contracts/schemas/` in "
        "the repository, explained field by field in `libs/contracts/CATALOGUE.md`)."
    )

    access_settings: AccessSettings = field(default_factory=AccessSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    vault_settings: PersonVaultSettings = field(default_factory=PersonVaultSettings)
    rate_limit_settings: RateLimitSettings = field(default_factory=RateLimitSettings)
    clock: Clock = utc_now
    keeps_token_buckets = True

    # Built when first asked for: the worker needs neither context, the command only access.
    @cached_property
    def access(self) -> Access:
        return Access(self.sessions, self.source, self.access_settings, self.auth, self.clock)

    @cached_property
    def person_index(self) -> PersonIndex:
        registry = RegisteredLocalAuthorities(self.access.unit_of_work)
        return PersonIndex(self.sessions, self.source, self.vault_settings, registry, self.clock)

    def _limit(self, name: str, per_second: float, burst: int) -> RateLimit:
        return RateLimit(name, Rate(per_second, burst), self.token_buckets)

    def routers(self) -> Sequence[APIRouter]:
        # Every authenticated route is limited per client, $match by its own (higher) rate.
        settings = self.rate_limit_settings
        per_client = ClientRateLimits(
            self._limit("client", settings.client_per_second, settings.client_burst),
            routes={
                "POST /persons/$match": self._limit("match", settings.match_per_second, settings.match_burst),
                "POST /persons/$match-batch": self._limit("match", settings.match_per_second, settings.match_burst),
            },
        )
        limited = APIRouter(dependencies=[Depends(per_client)], responses=problem_responses(429))
        limited.include_router(organisations_router)
        limited.include_router(persons_router)
        limited.include_router(match_batch_router)
        return [oauth_router, people_router, limited]

    def access_rate_limits(self) -> AccessRateLimits:
        settings = self.rate_limit_settings
        return AccessRateLimits(
            token=self._limit("token", settings.token_per_second, settings.token_burst),
            token_failures=self._limit(
                "token-failures", settings.token_failures_per_second, settings.token_failures_burst
            ),
            sign_in_account=self._limit(
                "sign-in-account", settings.sign_in_account_per_second, settings.sign_in_account_burst
            ),
            sign_in_source=self._limit(
                "sign-in-source", settings.sign_in_source_per_second, settings.sign_in_source_burst
            ),
            proxies=TrustedProxies(settings.trusted_proxies),
        )

    def configure_app(self, app: FastAPI) -> None:
        install_access_control(app, self.access.verifier)
        install_person_index_problems(app)
        access = self.access.dependencies(self.access_rate_limits())
        provide(app, access=access, person_index=self.person_index.dependencies())


def bootstrap(settings: IdentitySettings | None = None, *, clock: Clock = utc_now) -> IdentityService:
    return IdentityService(settings=settings or IdentitySettings(), clock=clock)
