# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The first cross-service flow: an NHS trust's notification is accepted by notifications, relayed through
Kafka and recorded by ehcp exactly once, under one trace."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from notifications_kit.messages import message
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pathfinder.telemetry import TelemetrySettings, configure_telemetry

FHIR = {"Content-Type": "application/fhir+json"}


def submission(**changes: object) -> dict:
    """A trust's FHIR message Bundle: RTD notifies LA 805."""
    return message(notifying_organisation="RTD", responsible_la="805", **changes)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    telemetry = configure_telemetry("tests", TelemetrySettings(), span_exporter=exporter)
    yield exporter
    telemetry.shutdown()


async def test_notification_is_recorded_by_ehcp_once_under_one_trace(two_services, spans) -> None:
    two_services.identity.answer = "match"
    person_id = two_services.identity.person_id
    app = two_services.notifications.app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifications") as client:
        trust = {**two_services.trust_headers("RTD"), **FHIR}
        accepted = await client.post(
            "/fhir/$process-message",
            json=submission(),
            headers={**trust, "X-Correlation-ID": "trust-retry-key-1"},
        )
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert accepted.headers["x-correlation-id"] == "trust-retry-key-1"
        assert body["status"] == "awaiting-identity", "identity is asked by the worker, after the 202"

    stop = asyncio.Event()
    workers = [*two_services.notifications.workers(), *two_services.ehcp.workers()]
    tasks = [asyncio.create_task(worker(stop)) for worker in workers]
    try:
        await two_services.wait_for_notices(1, timeout=60)
        await asyncio.sleep(1.0)  # anything applied twice would show by now
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifications") as client:
        status = await client.get(body["status_url"], headers=trust)
    assert (status.status_code, status.json()["status"]) == (200, "received")

    assert await two_services.notices_recorded() == 1
    assert await two_services.inbox_rows() == 1
    ehcp_app = two_services.ehcp.app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=ehcp_app), base_url="http://ehcp") as client:
        case = await client.get(f"/children/{person_id}", headers=two_services.la_headers("805"))
        elsewhere = await client.get(f"/children/{person_id}", headers=two_services.la_headers("841"))
        anonymous = await client.get(f"/children/{person_id}")
    assert elsewhere.status_code == 404, "another LA's child is answered as no case"
    assert anonymous.status_code == 401
    assert case.status_code == 200
    assert case.json()["responsible_la"] == "805"
    assert [notice["notification_id"] for notice in case.json()["early_years_notices"]] == [body["id"]]

    finished = spans.get_finished_spans()
    server = next(s for s in finished if s.kind == SpanKind.SERVER and s.name.startswith("POST"))
    create = next(s for s in finished if s.name == "create pathfinder.notifications.early-years")
    process = next(s for s in finished if s.name == "process pathfinder.notifications.early-years")
    send = next(s for s in finished if s.name == "send pathfinder.notifications.early-years")
    assert server.context is not None and create.context is not None and process.context is not None
    assert create.context.trace_id == server.context.trace_id
    assert process.context.trace_id == server.context.trace_id
    assert process.parent is not None and process.parent.span_id == create.context.span_id
    assert [link.context.span_id for link in process.links] == [create.context.span_id]
    assert create.context.span_id in [link.context.span_id for link in send.links]
    assert process.attributes is not None
    assert process.attributes["messaging.consumer.group.name"] == "ehcp.early-years-intake"


async def test_a_rejected_notification_is_an_operation_outcome_and_emits_nothing(two_services) -> None:
    app = two_services.notifications.app()
    devon_by_name = submission()
    [recipient] = [
        entry["resource"]["identifier"][0]
        for entry in devon_by_name["entry"]
        if entry["resource"]["resourceType"] == "Organization"
        and entry["resource"]["identifier"][0]["system"].endswith("/dfe-la-code")
    ]
    recipient["value"] = "Devon"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifications") as client:
        trust = {**two_services.trust_headers("RTD"), **FHIR}
        rejected = await client.post("/fhir/$process-message", json=submission(parent_informed_on=None), headers=trust)
        invalid = await client.post("/fhir/$process-message", json=devon_by_name, headers=trust)
        impersonating = await client.post(
            "/fhir/$process-message", json=submission(), headers={**two_services.trust_headers("RR8"), **FHIR}
        )
        anonymous = await client.post("/fhir/$process-message", json=submission(), headers=FHIR)
    assert impersonating.status_code == 403, "a trust notifies only as itself"
    assert anonymous.status_code == 401
    assert rejected.status_code == 422
    assert rejected.headers["content-type"] == "application/fhir+json"
    assert "s23(2)(a)" in rejected.json()["issue"][0]["diagnostics"], "the parent must be informed"
    assert invalid.status_code == 400, invalid.text
    assert invalid.headers["content-type"] == "application/fhir+json"
    assert invalid.json()["resourceType"] == "OperationOutcome"
    assert "Devon" not in invalid.text
    from pathfinder.messaging.schema import outbox
    from sqlalchemy import func, select

    async with two_services.notifications.engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(outbox))).scalar_one() == 0


async def test_readiness_fails_while_the_broker_is_down_and_recovers(two_services) -> None:
    app = two_services.notifications.app()
    app.state.readiness.cache_seconds = 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifications") as client:
        assert (await client.get("/health/ready")).status_code == 200
        two_services.broker.stop()
        down = await client.get("/health/ready")
        assert down.status_code == 503
        checks = down.json()["checks"]
        assert checks == {"database": "ok", "broker": checks["broker"], "access_tokens": "ok"}
        assert down.json()["checks"]["broker"].startswith("unavailable")
        assert (await client.get("/health/live")).status_code == 200
        two_services.broker.start()
        for _ in range(50):
            if (await client.get("/health/ready")).status_code == 200:
                break
            await asyncio.sleep(0.2)
        assert (await client.get("/health/ready")).status_code == 200
