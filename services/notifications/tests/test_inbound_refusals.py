# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""Refusals of $process-message that say why: impossible dates (nothing stored), a token of another
organisation (both organisations named), an OperationOutcome whose expressions are FHIRPaths, and a repeated
acknowledgement naming another reference."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from notifications_kit.fakes import FakeIdentity
from notifications_kit.messages import message, outcome_codes
from notifications_kit.service import Api, api_for, migrated, record_delivery
from pathfinder.contracts.fhir.systems import OPINION_FORMED_DATE, PARENT_INFORMED_DATE
from pathfinder.messaging.schema import outbox
from pathfinder.notifications.adapters.tables import early_years_notification
from sqlalchemy import func, select

COMMUNICATION = "Bundle.entry.resource.ofType(Communication)"


@pytest.fixture
async def api(fresh_database) -> AsyncIterator[Api]:
    async for running in api_for(await migrated(await fresh_database("inbound_refusals")), FakeIdentity()):
        yield running


async def stored(api: Api) -> tuple[int, int]:
    async with api.service.engine.connect() as connection:
        notifications = (await connection.execute(select(func.count()).select_from(early_years_notification))).scalar()
        events = (await connection.execute(select(func.count()).select_from(outbox))).scalar()
    return int(notifications or 0), int(events or 0)


async def test_a_notification_sent_a_year_ahead_is_refused_and_nothing_is_stored(api) -> None:
    next_year = datetime.now(UTC) + timedelta(days=365)
    response = await api.submit(message(sent_at=next_year))
    assert response.status_code == 422, response.text
    assert "location" not in response.headers
    [issue] = response.json()["issue"]
    assert "sent after the day it was received" in issue["diagnostics"] and "nothing was stored" in issue["diagnostics"]
    assert issue["expression"] == [f"{COMMUNICATION}.sent"]
    assert outcome_codes(response) == ["INVALID_VALUE"]
    assert await stored(api) == (0, 0)


async def test_an_opinion_dated_after_the_notification_is_refused_unstored(api) -> None:
    response = await api.submit(message(opinion_formed_on=date(2026, 11, 24)))
    assert response.status_code == 422, response.text
    [issue] = response.json()["issue"]
    assert issue["expression"] == [f"{COMMUNICATION}.extension('{OPINION_FORMED_DATE}')"]
    assert await stored(api) == (0, 0)


async def test_a_parent_informed_after_the_notification_is_a_recorded_statutory_rejection(api) -> None:
    response = await api.submit(
        message(parent_informed_on=date(2026, 11, 24), discussion_offered_on=date(2026, 11, 25))
    )
    assert response.status_code == 422, response.text
    assert response.headers["location"], "recorded: the sender can read it"
    business = [issue for issue in response.json()["issue"] if issue["code"] == "business-rule"]
    assert [issue["diagnostics"][:6] for issue in business] == ["s23(2)"]
    assert f"{COMMUNICATION}.extension('{PARENT_INFORMED_DATE}')" in business[0]["expression"]
    assert all(not path.startswith("Communication") or "." in path for path in business[0]["expression"])
    status = await api.http.get(response.headers["location"], headers=api.trust())
    assert status.json()["reasons"] == ["statutory-order-not-followed"]
    assert (await stored(api))[0] == 1


async def test_a_token_of_another_organisation_is_told_which_organisations_differ(api) -> None:
    response = await api.submit(message(notifying_organisation="RH8"), headers=api.trust("RR8"))
    assert response.status_code == 403
    diagnostics = response.json()["issue"][0]["diagnostics"]
    assert "organisation RR8" in diagnostics and "names RH8 as its sender" in diagnostics
    assert "Amelia" not in response.text and "9990000018" not in response.text


async def test_an_oversized_body_is_refused_with_a_spine_code(api) -> None:
    too_big = {"resourceType": "Bundle", "padding": "x" * (api.service.settings.inbound_max_body_bytes + 1)}
    response = await api.submit(too_big)
    assert response.status_code == 413
    assert outcome_codes(response) == ["BAD_REQUEST"]


async def test_an_acknowledgement_repeated_with_another_reference_is_refused_naming_the_first(api) -> None:
    accepted = await api.submit(message())
    assert accepted.status_code == 202, accepted.text
    notification_id = accepted.json()["id"]
    assert await record_delivery(api.service, UUID(notification_id), "kafka", datetime.now(UTC))
    path = f"/early-years-notifications/{notification_id}/acknowledgement"
    first = await api.http.post(path, json={"la_reference": "DAR-EY-1"}, headers=api.la("841"))
    assert first.status_code == 201, first.text
    again = await api.http.post(path, json={"la_reference": "DAR-EY-1"}, headers=api.la("841"))
    assert (again.status_code, again.json()["la_reference"]) == (200, "DAR-EY-1")
    other = await api.http.post(path, json={"la_reference": "DAR-EY-2"}, headers=api.la("841"))
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["la_reference"] == "DAR-EY-1" and "'DAR-EY-1'" in other.json()["detail"]
