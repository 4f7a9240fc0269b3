# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Requests generated from identity's own OpenAPI document, sent to the app as the API process builds it (fresh
migrated database, the embedded broker, real access tokens from identity's own token endpoint): whatever the
platform, an LA or a trust sends, identity never answers with a server error, and a documented answer matches
its schema."""

from __future__ import annotations

import pytest
from api_fuzz_kit import fuzz
from identity_kit import TEST_ENVIRONMENT, migrated_identity_database
from identity_kit.access import running_identity
from pathfinder.auth import Scope

CALLERS: dict[str, tuple[str, tuple[Scope, ...]]] = {
    "platform": ("pathfinder", tuple(Scope)),
    "la": (
        "841",
        (Scope.PERSONS_MATCH, Scope.PERSONS_READ, Scope.PERSONS_LINK, Scope.PERSONS_REVIEW, Scope.AUDIT_READ),
    ),
    "trust": ("RH8", (Scope.PERSONS_MATCH, Scope.PERSONS_READ, Scope.NOTIFICATIONS_READ)),
}


@pytest.mark.parametrize("who", sorted(CALLERS))
async def test_no_generated_request_gets_a_server_error(who: str, fresh_broker, fresh_database, monkeypatch) -> None:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATHFINDER_KAFKA_BOOTSTRAP_SERVERS", fresh_broker.bootstrap_servers)
    monkeypatch.setenv("PATHFINDER_KAFKA_PROFILE", "embedded")
    url = await migrated_identity_database(await fresh_database(f"identity_fuzz_{who}"))
    async with running_identity(url, real_time=True) as identity:
        organisation, scopes = CALLERS[who]
        headers = await identity.bearer(await identity.register_client(organisation, *scopes))
        report = await fuzz(identity.service.app().openapi(), identity.http, headers, examples=10)
    assert report.answered
    assert not report.failures, "\n\n".join(report.failures)
