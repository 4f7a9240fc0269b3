# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""POST /fhir/$process-message on a real PostgreSQL, with no broker at all (the outbox keeps what is accepted)
and an in-memory identity: acceptance, idempotency, statutory rejections, the status a sender reads, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from functools import partial
from uuid import UUID, uuid4

import pytest
from notifications_kit.fakes import FakeIdentity, FakePostcodes
from notifications_kit.messages import child, message, outcome_codes
from notifications_kit.service import Api, api_for, migrated, record_delivery
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal
from pathfinder.contracts.fhir import EarlyYearsNotificationSubmission, early_years_communication
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.notifications.service_layer.acknowledgements import acknowledge_notification
from pathfinder.notifications.service_layer.child_identification import ask_identity_again

FHIR = {"Content-Type": "application/fhir+json"}


@pytest.fixture
async def api(fresh_database) -> AsyncIterator[Api]:
    async for running in api_for(await migrated(await fresh_database("inbound_api")), FakeIdentity()):
        yield running


async def test_an_accepted_notification_is_received_once_identity_names_the_child(api) -> None:
    response = await api.submit(message())
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "awaiting-identity", "accepted at once; identity is asked by the worker, after"
    assert response.headers["location"] == body["status_url"]
    [event] = await api.received_events()
    assert (event["person_id"], event["responsible_la"]) == (str(api.identity.person_id), "841")
    assert (event["notification_id"], event["submission_format"]) == (body["id"], "fhir-message")
    status = await api.http.get(body["status_url"], headers=api.trust())
    assert status.json()["status"] == "received"


async def test_a_retry_returns_the_original_answer_and_a_changed_body_is_refused(api) -> None:
    document = message()
    first = await api.submit(document, **{"X-Request-ID": "req-1"})
    again = await api.submit(document, **{"X-Request-ID": "req-1"})
    assert (again.status_code, again.json()["id"]) == (202, first.json()["id"])
    by_message_id = await api.submit(document)
    assert by_message_id.json()["id"] == first.json()["id"]
    assert len(await api.received_events()) == 1
    changed = message()
    changed["entry"][0]["resource"]["id"] = document["entry"][0]["resource"]["id"]
    conflict = await api.submit(changed)
    assert conflict.status_code == 409
    assert outcome_codes(conflict) == ["DUPLICATE_REJECTED"]
    reused_request_id = await api.submit(message(), **{"X-Request-ID": "req-1"})
    assert (reused_request_id.status_code, outcome_codes(reused_request_id)) == (409, ["DUPLICATE_REJECTED"])


async def test_a_statutory_breach_is_rejected_with_reasons_the_sender_can_read_again(api) -> None:
    document = message(parent_informed_on=None, discussion_offered_on=date(2026, 11, 24))
    response = await api.submit(document)
    assert response.status_code == 422
    issues = response.json()["issue"]
    assert [issue["code"] for issue in issues] == ["business-rule", "business-rule", "informational"]
    assert "Smith" not in response.text and "9990000018" not in response.text
    status = await api.http.get(response.headers["location"], headers=api.trust())
    assert status.json()["status"] == "rejected"
    assert status.json()["reasons"] == ["parent-not-informed", "statutory-order-not-followed"]
    assert (await api.submit(document)).status_code == 422, "a retry is answered as the first time"
    denied = await api.http.get(response.headers["location"], headers=api.la("841"))
    assert denied.status_code == 404, "an LA never learns of a rejected notification, not even that it exists"
    assert await api.received_events() == []


async def test_a_school_age_child_or_an_unknown_la_is_rejected(api) -> None:
    older = message(child=ChildDemographics(family_name="Jones", birth_date=date(2020, 1, 1), postcode="DL1 4AB"))
    assert (await api.submit(older)).status_code == 422
    nowhere = message(
        responsible_la=None,
        child=ChildDemographics(family_name="Jones", birth_date=date(2024, 1, 1), postcode="M1 1AE"),
    )
    response = await api.submit(nowhere)
    status = await api.http.get(response.headers["location"], headers=api.trust())
    assert status.json()["reasons"] == ["responsible-la-unknown"]


async def test_the_responsible_la_is_derived_from_the_postcode(api) -> None:
    child = ChildDemographics(family_name="Jones", birth_date=date(2024, 1, 1), postcode="TQ2 5AA")
    response = await api.submit(message(responsible_la=None, child=child))
    assert response.status_code == 202
    [event] = await api.received_events()
    assert event["responsible_la"] == "880"  # Torbay, not Devon


async def test_only_the_sender_or_the_platform_may_submit_for_an_ods_code(api) -> None:
    assert (await api.submit(message(), api.trust("RX1"))).status_code == 403
    no_token = await api.http.post("/fhir/$process-message", json=message(), headers=FHIR)
    assert (no_token.status_code, outcome_codes(no_token)) == (401, ["ACCESS_DENIED"])
    la = {
        **FHIR,
        **api.mint.headers_for(principal(OrganisationRole.LOCAL_AUTHORITY, "841", Scope.NOTIFICATIONS_SUBMIT)),
    }
    assert (await api.submit(message(), la)).status_code == 403
    platform = {
        **FHIR,
        **api.mint.headers_for(principal(OrganisationRole.PLATFORM, "pathfinder", Scope.NOTIFICATIONS_SUBMIT)),
    }
    assert (await api.submit(message(), platform)).status_code == 202


async def test_identity_being_down_loses_nothing_and_the_worker_resolves_later(api) -> None:
    api.identity.answer = "down"
    response = await api.submit(message())
    assert (response.status_code, response.json()["status"]) == (202, "awaiting-identity")
    assert await api.received_events() == []
    api.identity.answer = "match"
    later = lambda: datetime.now(UTC).replace(year=2100)  # noqa: E731
    retry = partial(ask_identity_again, identity=api.identity, postcodes=FakePostcodes(), now=later)
    assert await retry(uow=api.service.unit_of_work()) == 1
    assert len(await api.received_events()) == 1
    assert await retry(uow=api.service.unit_of_work()) == 0
    assert len(set(api.identity.calls)) == 1, "every try asks identity with the same request id"


async def test_a_possible_match_is_held_for_identity_review(api) -> None:
    api.identity.answer = "review"
    response = await api.submit(message())
    assert (await api.status_of(response))["status"] == "awaiting-identity-review"
    assert await api.received_events() == []


async def test_the_outbound_side_records_delivery_and_acknowledgement(api) -> None:
    body = (await api.submit(message())).json()
    notification_id, at = UUID(body["id"]), datetime(2026, 11, 24, 9, tzinfo=UTC)
    assert await record_delivery(api.service, notification_id, "webhook", at)
    assert not await record_delivery(api.service, notification_id, "kafka", at), "the first delivery counts"
    acknowledged = await acknowledge_notification(
        notification_id, "DAR-EY-42", by_la="841", uow=api.service.unit_of_work(), now=lambda: at
    )
    assert acknowledged is not None and acknowledged.new
    assert not await record_delivery(api.service, uuid4(), "kafka", at)
    status = (await api.http.get(body["status_url"], headers=api.la("841"))).json()
    assert (status["status"], status["la_reference"], status["delivery_channel"]) == (
        "acknowledged",
        "DAR-EY-42",
        "webhook",
    )
    assert (await api.http.get(body["status_url"], headers=api.la("805"))).status_code == 404
    assert (await api.http.get(body["status_url"], headers=api.trust("RX1"))).status_code == 404
    assert (await api.http.get("/fhir/early-years-notifications/nope", headers=api.trust())).status_code == 404


async def test_a_bare_communication_is_accepted_too(api) -> None:
    bundle_form = message()
    submission = EarlyYearsNotificationSubmission(
        message_id="comm-1", submission_format="fhir-communication", notifying_organisation="RR8",
        responsible_la="841", opinion_formed_on=date(2026, 11, 2), parent_informed_on=date(2026, 11, 5),
        discussion_offered_on=date(2026, 11, 9), sent_at=datetime(2026, 11, 23, 10, tzinfo=UTC),
        child=ChildDemographics(family_name="Smith", birth_date=date(2024, 4, 12)),
    )  # fmt: skip
    assert bundle_form
    response = await api.http.post(
        "/fhir/$process-message",
        json=early_years_communication(submission, identifier_system="https://trust.example/id"),
        headers={**api.trust(), "Content-Type": "application/json"},
    )
    assert response.status_code == 202, response.text
    assert await api.identify() == 1
    [event] = await api.received_events()
    assert (event["submission_format"], event["source_message_id"]) == ("fhir-communication", "comm-1")


async def test_an_opinion_formed_in_time_but_sent_after_school_age_is_accepted_and_shown_late(api) -> None:
    # Born 15 August 2021: compulsory school age from 31 August 2026 (Education Act 1996 s8). The opinion was
    # formed on 20 August, while s23 applied; the notification left the trust in September.
    document = message(
        child=child(birth_date=date(2021, 8, 15)),
        opinion_formed_on=date(2026, 8, 20),
        parent_informed_on=date(2026, 8, 24),
        discussion_offered_on=date(2026, 8, 27),
        sent_at=datetime(2026, 9, 14, 10, tzinfo=UTC),
    )
    response = await api.submit(document)
    assert response.status_code == 202, response.text
    assert len(await api.received_events()) == 1
    for reader in (api.trust(), api.la("841")):
        status = (await api.http.get(response.headers["location"], headers=reader)).json()
        assert status["status"] == "received"
        assert (status["notified_on"], status["days_from_opinion_to_notification"]) == ("2026-09-14", 25)
        assert status["notified_after_compulsory_school_age"] is True


async def test_an_opinion_formed_after_school_age_is_still_rejected(api) -> None:
    document = message(
        child=child(birth_date=date(2021, 8, 15)),
        opinion_formed_on=date(2026, 9, 1),
        parent_informed_on=date(2026, 9, 2),
        discussion_offered_on=date(2026, 9, 3),
        sent_at=datetime(2026, 9, 14, 10, tzinfo=UTC),
    )
    response = await api.submit(document)
    assert response.status_code == 422, response.text
    assert await api.received_events() == []


async def test_the_retired_json_routes_are_gone(api) -> None:
    for method, path in (("POST", "/early-years-notifications"), ("GET", f"/early-years-notifications/{uuid4()}")):
        answer = await api.http.request(method, path, headers=api.trust(), json={})
        assert answer.status_code in (404, 405), (method, path, answer.status_code)
    paths = (await api.http.get("/openapi.json")).json()["paths"]
    assert "/early-years-notifications" not in paths
    assert "/early-years-notifications/{notification_id}" not in paths
