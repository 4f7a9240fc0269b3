# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""After acceptance, on a real PostgreSQL with an in-memory identity: the alert when an LA has not acknowledged
in time (raised once, seen in the trust's status and list), and the release of a notification held for an
identity review, by identity's announcement or, failing that, by asking again."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from notifications_kit.fakes import FakeIdentity, FakePostcodes
from notifications_kit.messages import message
from notifications_kit.service import Api, api_for, migrated, record_delivery
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal
from pathfinder.contracts.identity import PossibleMatchResolved
from pathfinder.contracts.notifications import EarlyYearsNotificationAcknowledgementOverdue
from pathfinder.messaging.schema import outbox
from pathfinder.notifications.domain.early_years_notification import REVIEW_RECHECK_INTERVAL
from pathfinder.notifications.entrypoints.consumers import identity_reviews
from pathfinder.notifications.service_layer.acknowledgements import (
    acknowledge_notification,
    raise_overdue_acknowledgements,
)
from pathfinder.notifications.service_layer.child_identification import ask_identity_again
from sqlalchemy import select

DUE_AFTER = timedelta(days=5)
OVERDUE = EarlyYearsNotificationAcknowledgementOverdue.event_type
DELIVERED_AT = datetime(2026, 11, 24, 9, tzinfo=UTC)


@pytest.fixture
async def api(fresh_database) -> AsyncIterator[Api]:
    url = await migrated(await fresh_database("inbound_follow_up"))
    async for running in api_for(url, FakeIdentity(), acknowledgement_due_after=DUE_AFTER):
        yield running


async def events_of(api: Api, event_type: str) -> list[dict[str, Any]]:
    query = select(outbox.c.payload).where(outbox.c.event_type == event_type).order_by(outbox.c.position)
    async with api.service.engine.connect() as connection:
        return [json.loads(payload) for payload in (await connection.execute(query)).scalars()]


async def delivered(api: Api, at: datetime = DELIVERED_AT) -> UUID:
    accepted = await api.submit(message())
    assert accepted.status_code == 202, accepted.text
    notification_id = UUID(accepted.json()["id"])
    assert await record_delivery(api.service, notification_id, "webhook", at)
    return notification_id


async def overdue_step(api: Api, at: datetime) -> int:
    return await raise_overdue_acknowledgements(uow=api.service.unit_of_work(), due_after=DUE_AFTER, now=lambda: at)


async def status_of(api: Api, notification_id: UUID, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = await api.http.get(f"/fhir/early-years-notifications/{notification_id}", headers=headers or api.trust())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_an_la_that_has_not_acknowledged_in_time_is_reported_overdue_once(api) -> None:
    notification_id = await delivered(api)
    due_at = DELIVERED_AT + DUE_AFTER
    assert (await status_of(api, notification_id))["acknowledgement_due_at"] == due_at.isoformat().replace(
        "+00:00", "Z"
    )

    assert await overdue_step(api, due_at - timedelta(seconds=1)) == 0
    assert await events_of(api, OVERDUE) == []
    assert await overdue_step(api, due_at + timedelta(minutes=1)) == 1
    assert await overdue_step(api, due_at + timedelta(days=3)) == 0, "the alert is raised once"

    [alert] = await events_of(api, OVERDUE)
    [received] = await events_of(api, "pathfinder.notifications.early-years-notification-received.v2")
    assert (alert["notification_id"], alert["person_id"], alert["responsible_la"]) == (
        str(notification_id),
        received["person_id"],
        "841",
    )
    assert datetime.fromisoformat(alert["acknowledgement_due_at"]) == due_at
    assert datetime.fromisoformat(alert["delivered_at"]) == DELIVERED_AT
    status = await status_of(api, notification_id)
    assert status["status"] == "acknowledgement-overdue"
    assert datetime.fromisoformat(status["acknowledgement_overdue_at"]) == due_at + timedelta(minutes=1)
    assert (await status_of(api, notification_id, api.la("841")))["status"] == "acknowledgement-overdue"

    late = await acknowledge_notification(notification_id, "DAR-EY-7", by_la="841", uow=api.service.unit_of_work())
    assert late is not None and late.new
    status = await status_of(api, notification_id)
    assert (status["status"], status["la_reference"], status["acknowledgement_due_at"]) == (
        "acknowledged",
        "DAR-EY-7",
        None,
    )
    assert status["acknowledgement_overdue_at"] is not None, "the trust still sees that it came late"


async def test_an_acknowledged_notification_is_never_reported_overdue(api) -> None:
    notification_id = await delivered(api)
    assert await acknowledge_notification(notification_id, None, by_la="841", uow=api.service.unit_of_work())
    assert await overdue_step(api, DELIVERED_AT + DUE_AFTER * 3) == 0
    assert await events_of(api, OVERDUE) == []
    assert (await status_of(api, notification_id))["status"] == "acknowledged"


async def test_a_trust_lists_its_own_notifications_by_status_page_by_page(api) -> None:
    overdue = [await delivered(api) for _ in range(3)]
    assert await overdue_step(api, DELIVERED_AT + DUE_AFTER + timedelta(hours=1)) == 3
    still_in_time = await delivered(api, at=DELIVERED_AT + DUE_AFTER)
    other_trust = message(notifying_organisation="RX1")
    assert (await api.submit(other_trust, api.trust("RX1"))).status_code == 202

    listed: list[str] = []
    query: dict[str, Any] = {"status": "acknowledgement-overdue", "_count": 2}
    while True:
        page = await api.http.get("/fhir/early-years-notifications", params=query, headers=api.trust())
        assert page.status_code == 200, page.text
        body = page.json()
        listed += [notification["id"] for notification in body["notifications"]]
        if body["next_page"] is None:
            break
        query["page"] = body["next_page"]
    assert sorted(listed) == sorted(str(found) for found in overdue), "each once, and only the overdue ones"
    everything = await api.http.get("/fhir/early-years-notifications", headers=api.trust())
    assert str(still_in_time) in [notification["id"] for notification in everything.json()["notifications"]]
    assert len(everything.json()["notifications"]) == 4, "not the other trust's"

    as_la = await api.http.get("/fhir/early-years-notifications", headers=api.la("841"))
    assert as_la.status_code == 403
    assert as_la.headers["content-type"] == "application/fhir+json"
    made_up = await api.http.get("/fhir/early-years-notifications", params={"page": "yesterday"}, headers=api.trust())
    assert made_up.status_code == 400
    for edge in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-11-24T09:00:00"):
        token = f"{edge}_{uuid4()}"
        refused = await api.http.get("/fhir/early-years-notifications", params={"page": token}, headers=api.trust())
        assert refused.status_code == 400, (edge, refused.text)


async def test_a_decided_review_releases_the_held_notification_to_the_la(api) -> None:
    api.identity.answer = "review"
    accepted = await api.submit(message())
    held = {**accepted.json(), **await api.status_of(accepted)}
    assert held["status"] == "awaiting-identity-review"
    la_841 = principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.NOTIFICATIONS_READ)
    hidden = await api.http.get(held["status_url"], headers=api.mint.headers_for(la_841))
    assert hidden.status_code == 404, "an LA does not see a notification before the child is named"

    reviewed_child = uuid4()
    resolution = PossibleMatchResolved(
        person_id=reviewed_child,
        responsible_la="841",
        review_id=api.identity.review_id,
        decision="same-person",
        resolved_at=datetime(2026, 11, 24, 11, tzinfo=UTC),
    )
    handler = identity_reviews().handler_for(resolution)
    assert handler is not None
    for _ in range(2):  # a redelivered announcement changes nothing more
        async with api.service.unit_of_work() as uow:
            await handler(resolution, uow, None)  # type: ignore[arg-type]
            await uow.commit()

    [received] = await api.received_events()
    assert (received["notification_id"], received["person_id"]) == (held["id"], str(reviewed_child))
    assert (await status_of(api, UUID(held["id"])))["status"] == "received"
    unrelated = resolution.model_copy(update={"review_id": uuid4()})
    async with api.service.unit_of_work() as uow:
        await handler(unrelated, uow, None)  # type: ignore[arg-type]
        await uow.commit()
    assert len(await api.received_events()) == 1


async def test_a_held_notification_asks_identity_again_if_the_announcement_never_comes(api) -> None:
    api.identity.answer = "review"
    held = (await api.submit(message())).json()
    now = datetime.now(UTC)
    assert (
        await ask_identity_again(uow=api.service.unit_of_work(), identity=api.identity, postcodes=FakePostcodes()) == 0
    )

    later = now + REVIEW_RECHECK_INTERVAL + timedelta(seconds=5)
    step = await ask_identity_again(
        uow=api.service.unit_of_work(), identity=api.identity, postcodes=FakePostcodes(), now=lambda: later
    )
    assert step == 1
    assert (await status_of(api, UUID(held["id"])))["status"] == "awaiting-identity-review", "not yet decided"

    api.identity.answer = "match"  # identity now answers the held request with the decided child
    much_later = later + REVIEW_RECHECK_INTERVAL + timedelta(seconds=5)
    resolve = ask_identity_again(
        uow=api.service.unit_of_work(), identity=api.identity, postcodes=FakePostcodes(), now=lambda: much_later
    )
    assert await resolve == 1
    [received] = await api.received_events()
    assert received["person_id"] == str(api.identity.person_id)
    assert len(set(api.identity.calls)) == 1, "always the same request id, so identity answers the held request"
