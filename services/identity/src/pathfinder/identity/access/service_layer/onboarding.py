"""Onboarding: registering organisations, their API clients with public keys, and people's accounts. Each
command runs one unit of work and commits it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pathfinder.auth import Scope
from pathfinder.identity.access.domain.clients import ApiClient, ClientRefused
from pathfinder.identity.access.domain.organisations import (
    InvalidOrganisation,
    Organisation,
    ScopeNotGrantable,
    organisation_code,
)
from pathfinder.identity.access.domain.person_accounts import AccountRefused, PersonAccount, check_new_password
from pathfinder.identity.access.service_layer.ports import KeyCheck, Passwords, UnusableKey
from pathfinder.identity.access.service_layer.unit_of_work import AccessUnitOfWork


class OnboardingRefused(ValueError):
    pass


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)  # the same code under another role: left as it was


def public_keys_of(jwks: Mapping[str, Any] | str, key_check: KeyCheck) -> dict[str, dict[str, Any]]:
    """kid to public JWK for every key of a client's JWKS; any key that is unusable refuses the whole set."""
    try:
        document: Any = json.loads(jwks) if isinstance(jwks, str) else jwks
    except ValueError:
        raise OnboardingRefused("the JWKS is not JSON") from None
    entries = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise OnboardingRefused("a JWKS is an object with a non-empty 'keys' list")
    keys: dict[str, dict[str, Any]] = {}
    for entry in entries:
        kid = entry.get("kid") if isinstance(entry, Mapping) else None
        if not isinstance(kid, str) or not kid.strip():
            raise OnboardingRefused("every key of a JWKS is a JWK object with a 'kid'")
        try:
            key_check(entry)
        except UnusableKey as problem:
            raise OnboardingRefused(f"key {kid!r}: {problem}") from None
        keys[kid] = dict(entry)
    return keys


async def register_organisation(org: Organisation, *, uow: AccessUnitOfWork) -> None:
    async with uow:
        existing = await uow.organisations.get(org.code)
        if existing is not None:
            raise OnboardingRefused(f"{org.code} is already registered, as {existing.name} ({existing.role})")
        await uow.organisations.add(org)
        await uow.commit()


async def load_organisations(organisations: Iterable[Organisation], *, uow: AccessUnitOfWork) -> LoadReport:
    """Add what is new, rename what was renamed; loading the same file twice changes nothing."""
    report = LoadReport()
    async with uow:
        for org in organisations:
            existing = await uow.organisations.get(org.code)
            if existing is None:
                await uow.organisations.add(org)
                report.added.append(org.code)
            elif existing.role is not org.role:
                report.conflicting.append(org.code)
            elif existing.name != org.name:
                await uow.organisations.rename(org.code, org.name)
                report.renamed.append(org.code)
            else:
                report.unchanged.append(org.code)
        await uow.commit()
    return report


async def organisations(*, uow: AccessUnitOfWork) -> list[Organisation]:
    async with uow:
        return await uow.organisations.all()


async def organisation(code: str, *, uow: AccessUnitOfWork) -> Organisation | None:
    async with uow:
        return await uow.organisations.get(organisation_code(code))


async def register_client(
    org_code: str,
    name: str,
    scopes: Sequence[Scope | str],
    *,
    uow: AccessUnitOfWork,
    now: datetime,
    key_check: KeyCheck,
    jwks: Mapping[str, Any] | str | None = None,
) -> ApiClient:
    keys = public_keys_of(jwks, key_check) if jwks is not None else {}
    async with uow:
        org = await uow.organisations.get(organisation_code(org_code))
        if org is None:
            raise OnboardingRefused(f"no organisation {org_code} is registered: add it first")
        client = ApiClient.register(str(uuid.uuid4()), org, name, org.grant(scopes), now)
        for kid, jwk in keys.items():
            client.add_key(kid, jwk, now)
        await uow.clients.add(client)
        await uow.commit()
    return client


async def _client(client_id: str, uow: AccessUnitOfWork) -> ApiClient:
    client = await uow.clients.get(client_id)
    if client is None:
        raise OnboardingRefused(f"no client {client_id} is registered")
    return client


async def add_client_keys(
    client_id: str, jwks: Mapping[str, Any] | str, *, uow: AccessUnitOfWork, now: datetime, key_check: KeyCheck
) -> list[str]:
    keys = public_keys_of(jwks, key_check)
    async with uow:
        client = await _client(client_id, uow)
        for kid, jwk in keys.items():
            await uow.clients.add_key(client_id, client.add_key(kid, jwk, now))
        await uow.commit()
    return list(keys)


async def revoke_client_key(client_id: str, kid: str, *, uow: AccessUnitOfWork, now: datetime) -> None:
    async with uow:
        client = await _client(client_id, uow)
        await uow.clients.revoke_key(client_id, client.revoke_key(kid, now))
        await uow.commit()


async def revoke_client(client_id: str, *, uow: AccessUnitOfWork, now: datetime) -> None:
    async with uow:
        client = await _client(client_id, uow)
        client.revoke(now)
        await uow.clients.revoke(client)
        await uow.commit()


async def clients_of(org_code: str, *, uow: AccessUnitOfWork) -> list[ApiClient]:
    async with uow:
        return await uow.clients.of_organisation(organisation_code(org_code))


async def open_person_account(
    username: str,
    display_name: str,
    org_code: str,
    scopes: Sequence[Scope | str],
    password: str,
    *,
    uow: AccessUnitOfWork,
    passwords: Passwords,
    now: datetime,
) -> PersonAccount:
    check_new_password(password)
    password_hash = await passwords.hash(password)
    async with uow:
        org = await uow.organisations.get(organisation_code(org_code))
        if org is None:
            raise OnboardingRefused(f"no organisation {org_code} is registered: add it first")
        account = PersonAccount.open(uuid.uuid4(), username, display_name, org, org.grant(scopes), password_hash, now)
        if await uow.accounts.by_username(account.username) is not None:
            raise OnboardingRefused(f"an account {account.username} exists already")
        await uow.accounts.add(account)
        await uow.commit()
    return account


ONBOARDING_REFUSALS: tuple[type[Exception], ...] = (
    OnboardingRefused,
    ClientRefused,
    InvalidOrganisation,
    ScopeNotGrantable,
    AccountRefused,
)
