"""For tests of the inbound side: the service as the API process builds it on a migrated database, driven over
HTTP in-process with access tokens for any principal, an in-memory identity, and s23 messages to send. Not used
by the service itself."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.contracts import EarlyYearsNotificationReceived
from pathfinder.contracts.fhir import EarlyYearsNotificationSubmission, early_years_message_bundle
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.messaging.schema import outbox
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications.bootstrap import NotificationsService, bootstrap
from pathfinder.notifications.domain.identity_client import ChildIdentity, IdentityUnavailable
from pathfinder.notifications.settings import NotificationsSettings
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import select

RECEIVED = EarlyYearsNotificationReceived.event_type
FHIR = {"Content-Type": "application/fhir+json"}


async def migrated(url: str) -> str:
    await upgrade_to_head("pathfinder.notifications:migrations", url)
    return url


@dataclass
class FakeIdentity:
    answer: str = "match"
    calls: list[str] = field(default_factory=list)
    person_id: UUID = field(default_factory=uuid4)
    review_id: UUID = field(default_factory=uuid4)

    async def match_child(self, child: ChildDemographics, *, responsible_la: str, request_id: str) -> ChildIdentity:
        self.calls.append(request_id)
        if self.answer == "down":
            raise IdentityUnavailable("down")
        if self.answer == "review":
            return ChildIdentity(review_id=self.review_id)
        return ChildIdentity(person_id=self.person_id)


@dataclass
class Api:
    service: NotificationsService
    http: httpx.AsyncClient
    mint: TokenMint
    identity: FakeIdentity

    def trust(self, ods: str = "RR8", *scopes: Scope) -> dict[str, str]:
        given = scopes or (Scope.NOTIFICATIONS_SUBMIT, Scope.NOTIFICATIONS_READ)
        return {**FHIR, **self.mint.headers_for(principal(OrganisationRole.NHS_TRUST, ods, *given))}

    def la(self, code: str) -> dict[str, str]:
        return self.mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, code, Scope.NOTIFICATIONS_READ))

    async def submit(self, document: Any, headers: dict[str, str] | None = None, **extra: str) -> httpx.Response:
        return await self.http.post(
            "/fhir/$process-message", json=document, headers={**(headers or self.trust()), **extra}
        )

    async def received_events(self) -> list[dict[str, Any]]:
        query = select(outbox.c.payload).where(outbox.c.event_type == RECEIVED)
        async with self.service.engine.connect() as connection:
            return [json.loads(payload) for payload in (await connection.execute(query)).scalars()]


async def api_for(url: str, identity: FakeIdentity, **settings: Any) -> AsyncIterator[Api]:
    mint = token_mint()
    kafka = KafkaSettings(bootstrap_servers="127.0.0.1:9")  # nothing listens: the broker is down throughout
    service = bootstrap(NotificationsSettings(database_url=url, **settings), kafka, auth=mint.auth_settings())
    service.identity = identity
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://n") as http:
        yield Api(service, http, mint, identity)
    await service.engine.dispose()


def message(**changes: Any) -> dict[str, Any]:
    child = ChildDemographics(
        nhs_number="9990000018", given_names=("Amelia",), family_name="Smith", birth_date=date(2024, 4, 12),
        sex="female", postcode="DL1 4AB",
    )  # fmt: skip
    fields: dict[str, Any] = {
        "message_id": str(uuid4()),
        "submission_format": "fhir-message",
        "notifying_organisation": "RR8",
        "responsible_la": "841",
        "opinion_formed_on": date(2026, 11, 2),
        "parent_informed_on": date(2026, 11, 5),
        "discussion_offered_on": date(2026, 11, 9),
        "sent_at": datetime(2026, 11, 23, 10, tzinfo=UTC),
        "child": child,
    }
    fields.update(changes)
    submission = EarlyYearsNotificationSubmission(**fields)
    return early_years_message_bundle(submission, bundle_id=str(uuid4()))


def outcome_codes(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/fhir+json"
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return [issue["details"]["coding"][0]["code"] for issue in body["issue"] if "details" in issue]
