# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Each client's requests to ehcp, limited by a token bucket in ehcp's database, which every API process shares;
over the limit, 429 problem+json with Retry-After."""

from __future__ import annotations

from uuid import uuid4

import httpx
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.ehcp.bootstrap import bootstrap
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.migrations import upgrade_to_head


async def test_each_client_is_limited_across_the_api_processes(fresh_database) -> None:
    url = await fresh_database("ehcp_rate_limits")
    await upgrade_to_head("pathfinder.ehcp:migrations", url)
    mint = token_mint()
    settings = EhcpSettings(database_url=url, client_rate_per_second=0.001, client_rate_burst=2)
    processes = [
        bootstrap(settings, KafkaSettings(bootstrap_servers="127.0.0.1:9"), auth=mint.auth_settings()) for _ in range(2)
    ]
    la = mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.CASES_READ, subject="client-841"))
    other = mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, "805", Scope.CASES_READ))
    try:
        first, second = (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://e")
            for service in processes
        )
        async with first, second:
            answers = [await api.get(f"/children/{uuid4()}", headers=la) for api in (first, second, first)]
            assert [answer.status_code for answer in answers[:2]] == [404, 404]
            limited = answers[2]
            assert limited.status_code == 429, limited.text
            assert limited.headers["content-type"] == "application/problem+json"
            assert 800 <= int(limited.headers["retry-after"]) <= 1000
            assert (await second.get(f"/children/{uuid4()}", headers=other)).status_code == 404, "per client"
            assert (await second.get(f"/children/{uuid4()}")).status_code == 401, "no token, no bucket to spend"
    finally:
        for service in processes:
            await service.engine.dispose()
