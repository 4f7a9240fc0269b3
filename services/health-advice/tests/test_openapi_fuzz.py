# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Requests generated from health-advice's own OpenAPI document, sent to the app as the API process builds it
(fresh migrated database, the embedded broker): so far only its health probes, which never answer with a server
error and always match their documented schemas, ready or not."""

from __future__ import annotations

import httpx
from api_fuzz_kit import fuzz
from pathfinder.health_advice.bootstrap import bootstrap
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.migrations import upgrade_to_head


async def test_no_generated_request_gets_a_server_error(fresh_broker, fresh_database) -> None:
    url = await fresh_database("health_advice_fuzz")
    await upgrade_to_head("pathfinder.health_advice:migrations", url)
    service = bootstrap(
        HealthAdviceSettings(database_url=url),
        KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded"),
    )
    app = service.app()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as http:
            report = await fuzz(app.openapi(), http, {})
            ready = await http.get("/health/ready")
    finally:
        await service.engine.dispose()
    assert set(report.answered) == {"GET /health/live", "GET /health/ready"}
    assert not report.failures, "\n\n".join(report.failures)
    assert ready.status_code == 200, ready.text
