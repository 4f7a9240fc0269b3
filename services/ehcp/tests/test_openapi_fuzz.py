# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Requests generated from ehcp's own OpenAPI document, sent to the app as the API process builds it (fresh
migrated database, the embedded broker, real access tokens): an LA's case system, another LA or the platform
never get a server error, and a documented answer matches its schema."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import httpx
import pytest
from api_fuzz_kit import fuzz
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.ehcp.bootstrap import bootstrap
from pathfinder.ehcp.service_layer.child_cases import record_early_years_notice
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.migrations import upgrade_to_head

CALLERS = {
    "la": lambda: principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.CASES_READ),
    "other-la": lambda: principal(OrganisationRole.LOCAL_AUTHORITY, "805", Scope.CASES_READ),
    "platform": lambda: principal(OrganisationRole.PLATFORM, "pathfinder", *Scope),
}


@pytest.mark.parametrize("who", sorted(CALLERS))
async def test_no_generated_request_gets_a_server_error(who: str, fresh_broker, fresh_database) -> None:
    url = await fresh_database(f"ehcp_fuzz_{who}")
    await upgrade_to_head("pathfinder.ehcp:migrations", url)
    mint = token_mint()
    service = bootstrap(
        EhcpSettings(database_url=url),
        KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded"),
        auth=mint.auth_settings(),
    )
    person_id = uuid4()
    async with service.unit_of_work() as uow:
        await record_early_years_notice(
            person_id=person_id, responsible_la="841", notification_id=uuid4(), notifying_organisation="RH8",
            opinion_formed_on=date(2026, 11, 2), received_at=datetime.now(UTC), uow=uow,
        )  # fmt: skip
        await uow.commit()
    app = service.app()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as http:
            headers = mint.headers_for(CALLERS[who]())
            report = await fuzz(app.openapi(), http, headers, existing={"person_id": str(person_id)})
    finally:
        await service.engine.dispose()
    assert report.answered
    assert not report.failures, "\n\n".join(report.failures)
