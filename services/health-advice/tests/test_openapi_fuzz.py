# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Requests generated from health-advice's own OpenAPI document, sent to the app as the API process builds it
(fresh migrated database, the embedded broker, real access tokens): whatever the ICB asked, a provider trust, an
LA or the platform sends, the service never answers with a server error and a documented answer matches its
documented schema; the health probes answer ready or not. The FHIR updates, which read their bodies themselves,
get generated bodies past their media type check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from api_fuzz_kit import fuzz
from health_advice_kit.builders import configure, dco, la, opened, trust
from pathfinder.auth import OrganisationRole, Principal, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.health_advice.bootstrap import bootstrap
from pathfinder.health_advice.domain.clock import london_date
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.migrations import upgrade_to_head

EXAMPLES_PER_OPERATION = 12
REACHED_PAST_MEDIA_TYPE = ("PUT /fhir/Task/{advice_request_id}", "POST /fhir/Task/{advice_request_id}/$submit-advice")
PRINCIPALS: dict[str, Callable[[], Principal]] = {
    "icb": lambda: dco("QHM"),
    "trust": lambda: trust("RXP"),
    "la": lambda: la("841"),
    "platform": lambda: principal(OrganisationRole.PLATFORM, "pathfinder", *Scope),
}
ROUTES = {
    "GET /health/live",
    "GET /health/ready",
    "GET /fhir/Task",
    "GET /fhir/Task/{advice_request_id}",
    "GET /fhir/ServiceRequest/{advice_request_id}",
    *REACHED_PAST_MEDIA_TYPE,
}


@pytest.mark.parametrize("who", sorted(PRINCIPALS))
async def test_no_generated_request_gets_a_server_error(who: str, fresh_broker, fresh_database) -> None:
    url = await fresh_database(f"health_advice_fuzz_{who}")
    await upgrade_to_head("pathfinder.health_advice:migrations", url)
    mint = token_mint()
    service = bootstrap(
        HealthAdviceSettings(database_url=url),
        KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded"),
        auth=mint.auth_settings(),
    )
    await configure(service.unit_of_work())
    # A request of QHM's for LA 841, routed to RXP's team: generated requests also reach one that exists.
    received = london_date(datetime.now(UTC)) - timedelta(days=10)
    existing = {"advice_request_id": str(await opened(service.unit_of_work(), received))}
    app = service.app()
    caller = PRINCIPALS[who]()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as http:
            report = await fuzz(
                app.openapi(), http, mint.headers_for(caller), existing=existing, examples=EXAMPLES_PER_OPERATION
            )
            ready = await http.get("/health/ready")
    finally:
        await service.engine.dispose()
    assert set(report.answered) == ROUTES
    assert not report.failures, "\n\n".join(report.failures)
    assert ready.status_code == 200, ready.text
    if caller.has_scope(Scope.ADVICE_SUBMIT.value):
        for label in REACHED_PAST_MEDIA_TYPE:
            past = set(report.answered[label]) - {401, 403, 415}
            assert past, f"{label}: no generated request got past the media type check: {dict(report.answered[label])}"
