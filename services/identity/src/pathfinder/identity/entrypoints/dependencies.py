"""What identity's routes depend on: one frozen set of dependencies per context, put on the app by the
composition root and read back in one place each, :func:`access_dependencies` and
:func:`person_index_dependencies`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI, Request
from pathfinder.identity.access.domain.client_assertions import AssertionRules
from pathfinder.identity.access.domain.person_accounts import LockoutPolicy
from pathfinder.identity.access.service_layer.ports import AssertionReader, Passwords, PublishedKeys, TokenIssuer
from pathfinder.identity.access.service_layer.unit_of_work import AccessUnitOfWork
from pathfinder.identity.persons.service_layer.unit_of_work import PersonIndexUnitOfWork


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


@dataclass(frozen=True)
class PersonIndexDependencies:
    unit_of_work: Callable[[], PersonIndexUnitOfWork]
    clock: Callable[[], datetime]


def provide(app: FastAPI, *, access: AccessDependencies, person_index: PersonIndexDependencies) -> None:
    app.state.identity_access = access
    app.state.identity_person_index = person_index


def access_dependencies(request: Request) -> AccessDependencies:
    found: AccessDependencies = request.app.state.identity_access
    return found


def person_index_dependencies(request: Request) -> PersonIndexDependencies:
    found: PersonIndexDependencies = request.app.state.identity_person_index
    return found
