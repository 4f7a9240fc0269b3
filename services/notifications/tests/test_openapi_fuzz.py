# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Property-based requests generated from the service's own OpenAPI document, sent to the API as the API process
builds it (fresh migrated database, the embedded broker, real access tokens): whatever a platform principal with
every scope, a trust or an LA sends, the service never answers with a server error, and a documented answer
matches its documented schema. The FHIR submissions, which read their bodies themselves, get generated bodies
past their media type check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from api_fuzz_kit import fuzz
from notifications_kit.fakes import FakeIdentity
from notifications_kit.messages import message
from notifications_kit.service import migrated
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import TokenMint, principal, token_mint
from pathfinder.contracts.fhir import parse_early_years_notification
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.notifications.bootstrap import bootstrap
from pathfinder.notifications.entrypoints.fhir_guards import NDJSON
from pathfinder.notifications.entrypoints.fhir_openapi import BULK_BODY, PROCESS_MESSAGE_BODY
from pathfinder.notifications.settings import NotificationsSettings

EXAMPLES_PER_OPERATION = 12
# Operations that read their bodies themselves: the body they accept is documented, so a caller who may submit
# sends some generated bodies past the media type check, to the parsing and the checks behind it.
REACHED_PAST_MEDIA_TYPE = ("POST /fhir/$process-message", "POST /fhir/$process-message/bulk")


@schemathesis.serializer(NDJSON)
def _ndjson(_context: Any, value: Any) -> bytes:
    # The body is documented as a string of lines: sent as it was generated.
    return value.encode() if isinstance(value, str) else str(value).encode()


PRINCIPALS: dict[str, Callable[[], Principal]] = {
    "platform": lambda: principal(OrganisationRole.PLATFORM, "pathfinder", *Scope),
    "trust": lambda: principal(OrganisationRole.NHS_TRUST, "RR8", Scope.NOTIFICATIONS_SUBMIT, Scope.NOTIFICATIONS_READ),
    "la": lambda: principal(
        OrganisationRole.LOCAL_AUTHORITY,
        "841",
        Scope.NOTIFICATIONS_READ,
        Scope.NOTIFICATIONS_ACKNOWLEDGE,
        Scope.SUBSCRIPTIONS_MANAGE,
    ),
}


async def existing_resources(http: httpx.AsyncClient, mint: TokenMint) -> dict[str, str]:
    """A notification about one of LA 841's children and a subscription of 841, so that generated requests
    also reach records that exist, not only unknown ids."""
    trust = principal(OrganisationRole.NHS_TRUST, "RR8", Scope.NOTIFICATIONS_SUBMIT, Scope.NOTIFICATIONS_READ)
    notification = await http.post(
        "/fhir/$process-message",
        json=message(),
        headers={**mint.headers_for(trust), "Content-Type": "application/fhir+json"},
    )
    assert notification.status_code == 202, notification.text
    subscription = await http.post(
        "/subscriptions",
        json={"channel": "kafka", "event_types": [EarlyYearsNotificationReceived.event_type]},
        headers=mint.headers_for(PRINCIPALS["la"]()),
    )
    assert subscription.status_code == 201, subscription.text
    return {"notification_id": notification.json()["id"], "subscription_id": subscription.json()["id"]}


@pytest.mark.parametrize("who", sorted(PRINCIPALS))
async def test_no_generated_request_gets_a_server_error(who: str, fresh_broker, fresh_database) -> None:
    url = await migrated(await fresh_database(f"openapi_fuzz_{who}"))
    mint = token_mint()
    kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded")
    service = bootstrap(
        NotificationsSettings(database_url=url), kafka, auth=mint.auth_settings(), identity=FakeIdentity()
    )
    app = service.app()
    # The document the app serves at /openapi.json, taken without starting a second lifespan of the app on
    # another event loop: the requests below go through this test's own loop, like the service's other tests.
    schema = app.openapi()
    caller = PRINCIPALS[who]()
    headers = mint.headers_for(caller)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as http:
            existing = await existing_resources(http, mint)
            report = await fuzz(schema, http, headers, existing=existing, examples=EXAMPLES_PER_OPERATION)
    finally:
        await service.engine.dispose()
    failures, answered = report.failures, report.answered
    assert answered
    assert not failures, "\n\n".join(failures)
    if caller.has_scope(Scope.NOTIFICATIONS_SUBMIT.value):
        for label in REACHED_PAST_MEDIA_TYPE:
            past = set(answered[label]) - {401, 403, 415, 429}
            assert past, f"{label}: no generated request got past the media type check: {dict(answered[label])}"


def test_the_documented_examples_are_notifications_the_service_accepts() -> None:
    documented = [
        example["value"]
        for media_type in PROCESS_MESSAGE_BODY["requestBody"]["content"].values()
        for example in media_type["examples"].values()
    ]
    batch = BULK_BODY["requestBody"]["content"]["application/fhir+json"]["example"]
    documented += [entry["resource"] for entry in batch["entry"]]
    submissions = [parse_early_years_notification(document) for document in documented]
    assert {submission.submission_format for submission in submissions} == {"fhir-message", "fhir-communication"}
