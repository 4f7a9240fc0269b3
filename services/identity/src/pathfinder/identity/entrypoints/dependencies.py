"""What identity's routes depend on: one frozen set of dependencies per context, put on the app by the
composition root and read back through one accessor each, ``access_dependencies`` and
``person_index_dependencies``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from pathfinder.identity.access.domain.client_assertions import AssertionRules
from pathfinder.identity.access.domain.person_accounts import LockoutPolicy
from pathfinder.identity.access.service_layer.ports import AssertionReader, Passwords, PublishedKeys, TokenIssuer
from pathfinder.identity.access.service_layer.unit_of_work import AccessUnitOfWork
from pathfinder.identity.persons.service_layer.ports import LocalAuthorities
from pathfinder.identity.persons.service_layer.unit_of_work import PersonIndexUnitOfWork
from pathfinder.web.dependencies import RouteDependencies
from pathfinder.web.rate_limits import RateLimit, TrustedProxies


@dataclass(frozen=True)
class AccessRateLimits:
    """The unauthenticated routes' limits: the token endpoint per authenticated client and its failures per
    source; people's sign-in per account and per source (``proxies`` say which address a source is)."""

    token: RateLimit
    token_failures: RateLimit
    sign_in_account: RateLimit
    sign_in_source: RateLimit
    proxies: TrustedProxies


@dataclass(frozen=True)
class AccessDependencies:
    unit_of_work: Callable[[], AccessUnitOfWork]
    assertion_rules: AssertionRules
    assertions: AssertionReader
    tokens: TokenIssuer
    published_keys: PublishedKeys
    passwords: Passwords
    lockout: LockoutPolicy
    clock: Callable[[], datetime]
    limits: AccessRateLimits


@dataclass(frozen=True)
class PersonIndexDependencies:
    unit_of_work: Callable[[], PersonIndexUnitOfWork]
    local_authorities: LocalAuthorities
    clock: Callable[[], datetime]


access_dependencies = RouteDependencies(AccessDependencies)
person_index_dependencies = RouteDependencies(PersonIndexDependencies)


def provide(app: FastAPI, *, access: AccessDependencies, person_index: PersonIndexDependencies) -> None:
    access_dependencies.install(app, access)
    person_index_dependencies.install(app, person_index)
