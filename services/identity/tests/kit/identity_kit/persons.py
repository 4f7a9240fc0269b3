"""For tests of the person index: identity as the API process builds it, on a migrated database, driven over
HTTP in-process, with access tokens for any principal. Not used by the service itself."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from itertools import count
from typing import Any

import httpx
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.contracts.fhir.nhs_number import nhs_number_check_digit
from pathfinder.identity.adapters.person_vault import PersonVault
from pathfinder.identity.bootstrap import IdentityService, bootstrap
from pathfinder.identity.domain.person_identifiers import upn_check_letter
from pathfinder.identity.settings import IdentitySettings
from pathfinder.identity.unit_of_work import IdentityUnitOfWork
from pathfinder.messaging.schema import outbox
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import ColumnElement, Row, Table, select

BASE_URL = "https://identity.pathfinder.test"
TEST_MASTER_KEY = "cGVyc29uLWluZGV4LXRlc3Qtb25seS1tYXN0ZXItayE"
TEST_ENVIRONMENT = {
    "PATHFINDER_IDENTITY_MASTER_KEY": TEST_MASTER_KEY,
    "PATHFINDER_IDENTITY_SIGNING_KEY_BITS": "2048",
    "PATHFINDER_TELEMETRY_EXPORTER": "none",
}
ALL_PERSON_SCOPES = (
    Scope.PERSONS_MATCH,
    Scope.PERSONS_READ,
    Scope.PERSONS_LINK,
    Scope.PERSONS_REVIEW,
    Scope.PERSONS_ERASE,
    Scope.AUDIT_READ,
)

_serials = count(1)


def nhs_number() -> str:
    """A new valid NHS number in the never-issued 999 range."""
    while True:
        first_nine = f"999{next(_serials) % 1_000_000:06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"


def upn(la_code: str = "841") -> str:
    """A new valid permanent UPN issued in ``la_code``."""
    body = f"{la_code}2001{25}{next(_serials) % 1000:03d}"
    return upn_check_letter(body) + body


def la(code: str, *scopes: Scope) -> Principal:
    return principal(OrganisationRole.LOCAL_AUTHORITY, code, *(scopes or ALL_PERSON_SCOPES))


def trust(ods: str, *scopes: Scope) -> Principal:
    return principal(OrganisationRole.NHS_TRUST, ods, *(scopes or ALL_PERSON_SCOPES))


def platform(*scopes: Scope) -> Principal:
    return principal(OrganisationRole.PLATFORM, "pathfinder", *(scopes or ALL_PERSON_SCOPES))


def child(
    responsible_la: str = "841",
    *,
    given: list[str] | None = None,
    family: str | None = "Smith",
    born: str | None = "2019-04-12",
    sex: str | None = "female",
    postcode: str | None = "DL1 4AB",
    identifiers: list[dict[str, str]] | None = None,
    verified: bool = False,
) -> dict[str, Any]:
    """A match request body."""
    body: dict[str, Any] = {
        "responsible_la": responsible_la,
        "demographics": {
            "given_names": given if given is not None else ["Amelia"],
            "family_name": family,
            "birth_date": born,
            "sex": sex,
            "postcode": postcode,
        },
        "identifiers": identifiers or [],
    }
    if verified:
        body["nhs_number_verification"] = "01"
    return body


def nhs(value: str) -> dict[str, str]:
    return {"kind": "nhs-number", "value": value}


@dataclass
class PersonIndexUnderTest:
    service: IdentityService
    http: httpx.AsyncClient
    mint: TokenMint
    vault: PersonVault

    def headers(self, caller: Principal, purpose: str | None = "direct-care", **extra: str) -> dict[str, str]:
        headers = {**self.mint.headers_for(caller), **extra}
        if purpose is not None:
            headers["X-Purpose"] = purpose
        return headers

    async def match(self, caller: Principal, body: dict[str, Any], **headers: str) -> dict[str, Any]:
        response = await self.http.post("/persons/$match", json=body, headers=self.headers(caller, **headers))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def unit_of_work(self) -> IdentityUnitOfWork:
        return IdentityUnitOfWork(self.service.sessions, source=self.service.source, vault=self.vault)

    async def rows(self, table: Table, *where: ColumnElement[bool]) -> list[Row[Any]]:
        async with self.service.engine.connect() as connection:
            return list((await connection.execute(select(table).where(*where))).all())

    async def events(self, event_type: str | None = None, **fields: str) -> list[tuple[str, str, dict[str, Any]]]:
        """Outbox rows in order: (event type, key, payload), of ``event_type`` and with these payload ``fields``."""
        query = select(outbox.c.event_type, outbox.c.key, outbox.c.payload).order_by(outbox.c.position)
        if event_type is not None:
            query = query.where(outbox.c.event_type == event_type)
        async with self.service.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        found = [(row.event_type, row.key, json.loads(row.payload)) for row in rows]
        return [event for event in found if all(event[2].get(name) == value for name, value in fields.items())]


@asynccontextmanager
async def running_person_index(database_url: str, *, migrate: bool = True) -> AsyncIterator[PersonIndexUnderTest]:
    """The identity app as the API process builds it (settings from the environment: see TEST_ENVIRONMENT),
    trusting tokens from a test mint so that any principal can call it."""
    if migrate:
        await upgrade_to_head("pathfinder.identity:migrations", database_url)
    service = bootstrap(IdentitySettings(database_url=database_url))
    app = service.app()
    mint = token_mint()
    app.state.access_tokens = mint.verifier()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
            yield PersonIndexUnderTest(service, http, mint, app.state.person_vault)
    finally:
        await service.engine.dispose()
