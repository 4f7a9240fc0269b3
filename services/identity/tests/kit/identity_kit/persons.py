"""Identity in-process for tests of the person index: the app as the API process builds it on a migrated
database, driven over HTTP, trusting access tokens minted for any principal; and builders of match requests
and of valid identifiers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from pathfinder.auth import Principal
from pathfinder.auth.testing import TokenMint, token_mint
from pathfinder.identity.access.service_layer import onboarding
from pathfinder.identity.bootstrap import IdentityService, bootstrap
from pathfinder.identity.migrate import SCHEMA
from pathfinder.identity.persons.adapters.vault import PersonVault
from pathfinder.identity.seed import seed_organisations
from pathfinder.identity.settings import IdentitySettings
from pathfinder.messaging.schema import outbox
from pathfinder.persistence.runtime_role import grant_runtime_role
from pathfinder.web.access import install_access_control
from sqlalchemy import ColumnElement, Row, Table, select

from identity_kit import ISSUER, migrated_identity_database


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

    @property
    def vault(self) -> PersonVault:
        return self.service.person_index.vault

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
async def running_person_index(
    database_url: str, *, migrate: bool = True, runs_as: str | None = None
) -> AsyncIterator[PersonIndexUnderTest]:
    """The identity app as the API process builds it (settings from the environment: see ``TEST_ENVIRONMENT``),
    with the seed areas' organisations registered, trusting tokens from a test mint so that any principal can
    call it. ``runs_as``: the URL of a runtime role the service runs with, once migrated through
    ``database_url`` (the service's ``migrate`` grants it)."""
    if migrate:
        await migrated_identity_database(database_url)
    if runs_as is not None:
        await grant_runtime_role(database_url, runs_as, append_only=SCHEMA.append_only)
    service = bootstrap(IdentitySettings(database_url=runs_as or database_url))
    if migrate:
        await onboarding.load_organisations(seed_organisations(), uow=service.access.unit_of_work())
    app = service.app()
    mint = token_mint()
    install_access_control(app, mint.verifier())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
            yield PersonIndexUnderTest(service, http, mint)
    finally:
        await service.engine.dispose()
