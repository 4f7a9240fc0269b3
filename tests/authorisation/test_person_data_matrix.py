# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The authorisation matrix of the whole platform: every route of every service that exposes a person, called by
another LA, by an NHS body that has nothing to do with the child, and by the responsible LA.

Routes are found from the running apps by their ``person-data`` tag, and a route whose path names a person or a
notification must carry the tag, so a new endpoint without an entry here fails the coverage test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from identity_kit import TEST_ENVIRONMENT
from identity_kit.callers import la, platform, trust
from identity_kit.children import nhs_number, upn
from identity_kit.persons import PersonIndexUnderTest, child, nhs, running_person_index
from notifications_kit.fakes import FakeIdentity
from notifications_kit.messages import message
from pathfinder.auth import OrganisationRole, Principal
from pathfinder.auth.testing import principal
from pathfinder.contracts.fhir import SubmittedAdvice, submitted_advice_resource
from pathfinder.contracts.fhir.advice import AdviceDocument
from pathfinder.contracts.notifications import EarlyYearsNotificationReceived
from pathfinder.contracts.vocabulary import AdviceForm
from pathfinder.ehcp.bootstrap import bootstrap as bootstrap_ehcp
from pathfinder.ehcp.domain.child_case import ChildCase, EarlyYearsNotice
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.health_advice.bootstrap import HealthAdviceService
from pathfinder.health_advice.bootstrap import bootstrap as bootstrap_health_advice
from pathfinder.health_advice.service_layer.advice_requests import open_from_ehcp
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.identity.access.domain.organisations import GRANTABLE_SCOPES
from pathfinder.identity.bootstrap import bootstrap as bootstrap_identity
from pathfinder.identity.persons.adapters.tables import person_audit_event
from pathfinder.identity.settings import IdentitySettings
from pathfinder.messaging.delivery import read_record
from pathfinder.messaging.outbox import decode_headers
from pathfinder.messaging.records import KafkaRecord
from pathfinder.messaging.schema import outbox
from pathfinder.messaging.settings import KafkaSettings, OutboxSettings
from pathfinder.notifications.adapters.postcode_directory import PostcodeDirectory
from pathfinder.notifications.bootstrap import NotificationsService
from pathfinder.notifications.bootstrap import bootstrap as bootstrap_notifications
from pathfinder.notifications.service_layer.child_identification import ask_identity_again
from pathfinder.notifications.service_layer.la_delivery import deliver_to_la
from pathfinder.notifications.settings import NotificationsSettings
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import select

PERSON_DATA = "person-data"
Route = tuple[str, str, str]  # service, method, path


@dataclass
class World:
    """Darlington's (841) child, known to every service; the callers come from elsewhere."""

    index: PersonIndexUnderTest
    notifications: httpx.AsyncClient
    ehcp: httpx.AsyncClient
    person_id: str
    link_id: str
    review_id: str
    other_person_id: str
    notification_id: str
    notifications_service: NotificationsService
    nhs_number: str
    assessment_id: str  # the child's assessment under way, its draft plan served
    plan_id: str  # the plan the child's first assessment issued
    advice_request_id: str
    exception_id: str
    health_advice: httpx.AsyncClient  # the child's request for health advice, which ehcp asked QHL for

    def headers(self, caller: Principal) -> dict[str, str]:
        return self.index.headers(caller, purpose="ehc-needs-assessment")


def any_la(code: str) -> Principal:
    """An LA client holding every scope an LA can ever be granted: refusals come from the boundary, not scopes."""
    role = OrganisationRole.LOCAL_AUTHORITY
    return principal(role, code, *GRANTABLE_SCOPES[role])


def any_trust(ods: str) -> Principal:
    role = OrganisationRole.NHS_TRUST
    return principal(role, ods, *GRANTABLE_SCOPES[role])


Call = Callable[[World, Principal], Awaitable[httpx.Response]]
ON = "2026-12-01"  # any day: the bodies are valid, and the boundary refuses before a step is judged
EHCP_STEPS: dict[str, dict[str, Any]] = {
    "/assessments/{assessment_id}/consideration-notices": {"notified_on": ON, "notified": ["social-care"]},
    "/assessments/{assessment_id}/decision": {"decision": "assess", "decided_on": ON},
    "/assessments/{assessment_id}/advice-requests": {"kind": "education", "requested_on": ON},
    "/assessments/{assessment_id}/advice-requests/{advice_request_id}/received": {"received_on": ON},
    "/assessments/{assessment_id}/decision-not-to-issue": {"on": ON},
    "/assessments/{assessment_id}/draft-plan": {"on": ON},
    "/assessments/{assessment_id}/representations": {"received_on": ON, "particular_setting_requested": False},
    "/assessments/{assessment_id}/final-plan": {"issued_on": ON, "icb": "QHL"},
    "/assessments/{assessment_id}/exceptions": {
        "ground": "exceptional-personal-circumstances",
        "legal_basis": "reg 10(4)(c)",
        "starts_on": ON,
        "disapplies": ["final-plan"],
    },
    "/assessments/{assessment_id}/exceptions/{exception_id}/cleared": {"cleared_on": ON},
    "/plans/{plan_id}/review-meeting-notice": {"notified_on": ON, "meeting_on": "2027-01-04"},
    "/plans/{plan_id}/review-advice-circulated": {"on": ON},
    "/plans/{plan_id}/review-meeting": {"on": ON},
    "/plans/{plan_id}/review-report": {"on": ON},
    "/plans/{plan_id}/review-decision": {"decided_on": ON, "decision": "keep"},
    "/plans/{plan_id}/amendments-proposed": {"proposed_on": ON, "cause": "other"},
    "/plans/{plan_id}/amended-plan": {"on": ON},
    "/plans/{plan_id}/phase-transfer": {"transfer": "primary-to-secondary", "transfer_on": "2027-09-01"},
    "/plans/{plan_id}/reassessment-request": {"requested_on": ON},
    "/plans/{plan_id}/cessation": {"ceased_on": ON, "reason": "no-longer-necessary"},
}
"""A valid body for each step of an assessment or a plan."""


def _ehcp_step(path: str, body: dict[str, Any]) -> Call:
    """``caller`` takes the step on the child's assessment or plan (on the advice request or exception it holds)."""

    async def call(w: World, caller: Principal) -> httpx.Response:
        ids = {"assessment_id": w.assessment_id, "plan_id": w.plan_id}
        ids |= {"advice_request_id": w.advice_request_id, "exception_id": w.exception_id}
        return await w.ehcp.post(path.format(**ids), json=body, headers=w.headers(caller))

    return call


MATRIX: dict[Route, Call] = {
    ("notifications", "POST", "/early-years-notifications/{notification_id}/acknowledgement"): lambda w, caller: (
        w.notifications.post(
            f"/early-years-notifications/{w.notification_id}/acknowledgement", headers=w.headers(caller)
        )
    ),
    ("notifications", "GET", "/subscriptions/{subscription_id}/deliveries"): lambda w, caller: _la_subscription_read(
        w, caller, "webhook", "/subscriptions/{id}/deliveries"
    ),
    ("notifications", "GET", "/fhir/Subscription/{subscription_id}/$events"): lambda w, caller: _la_subscription_read(
        w, caller, "fhir-rest-hook", "/fhir/Subscription/{id}/$events"
    ),
    ("notifications", "GET", "/fhir/early-years-notifications/{notification_id}"): lambda w, caller: (
        w.notifications.get(f"/fhir/early-years-notifications/{w.notification_id}", headers=w.headers(caller))
    ),
    ("ehcp", "GET", "/children/{person_id}"): lambda w, caller: w.ehcp.get(
        f"/children/{w.person_id}", headers=w.headers(caller)
    ),
    ("ehcp", "POST", "/assessments"): lambda w, caller: w.ehcp.post(
        "/assessments",
        json={"person_id": w.person_id, "requested_by": "parent", "received_on": ON},
        headers=w.headers(caller),
    ),
    ("ehcp", "GET", "/assessments/{assessment_id}"): lambda w, caller: w.ehcp.get(
        f"/assessments/{w.assessment_id}", headers=w.headers(caller)
    ),
    ("ehcp", "GET", "/plans/{plan_id}"): lambda w, caller: w.ehcp.get(f"/plans/{w.plan_id}", headers=w.headers(caller)),
    **{("ehcp", "POST", path): _ehcp_step(path, body) for path, body in EHCP_STEPS.items()},
    ("health-advice", "GET", "/fhir/Task/{advice_request_id}"): lambda w, caller: w.health_advice.get(
        f"/fhir/Task/{w.advice_request_id}", headers=w.headers(caller)
    ),
    ("health-advice", "GET", "/fhir/ServiceRequest/{advice_request_id}"): lambda w, caller: w.health_advice.get(
        f"/fhir/ServiceRequest/{w.advice_request_id}", headers=w.headers(caller)
    ),
    ("health-advice", "GET", "/fhir/Task"): lambda w, caller: w.health_advice.get(
        "/fhir/Task", headers=w.headers(caller)
    ),
    ("health-advice", "PUT", "/fhir/Task/{advice_request_id}"): lambda w, caller: w.health_advice.put(
        f"/fhir/Task/{w.advice_request_id}",
        json={"resourceType": "Task", "id": w.advice_request_id, "status": "accepted", "intent": "order"},
        headers={**w.headers(caller), "Content-Type": "application/fhir+json"},
    ),
    ("health-advice", "POST", "/fhir/Task/{advice_request_id}/$submit-advice"): lambda w, caller: w.health_advice.post(
        f"/fhir/Task/{w.advice_request_id}/$submit-advice",
        json=_advice_document(w.advice_request_id),
        headers={**w.headers(caller), "Content-Type": "application/fhir+json"},
    ),
    ("identity", "POST", "/persons/$match"): lambda w, caller: w.index.http.post(
        "/persons/$match", json=child(), headers=w.headers(caller)
    ),
    ("identity", "POST", "/persons/$match-batch"): lambda w, caller: w.index.http.post(
        "/persons/$match-batch", json={"records": [{**child(), "request_id": "matrix-1"}]}, headers=w.headers(caller)
    ),
    ("identity", "GET", "/persons/{person_id}"): lambda w, caller: w.index.http.get(
        f"/persons/{w.person_id}", headers=w.headers(caller)
    ),
    ("identity", "GET", "/persons/{person_id}/identifiers"): lambda w, caller: w.index.http.get(
        f"/persons/{w.person_id}/identifiers", headers=w.headers(caller)
    ),
    ("identity", "GET", "/match-reviews"): lambda w, caller: w.index.http.get(
        "/match-reviews", headers=w.headers(caller)
    ),
    ("identity", "POST", "/match-reviews/{review_id}/decision"): lambda w, caller: w.index.http.post(
        f"/match-reviews/{w.review_id}/decision", json={"decision": "new-person"}, headers=w.headers(caller)
    ),
    ("identity", "POST", "/persons/{person_id}/links"): lambda w, caller: w.index.http.post(
        f"/persons/{w.person_id}/links", json={"kind": "uln", "value": "9276308686"}, headers=w.headers(caller)
    ),
    ("identity", "DELETE", "/persons/{person_id}/links/{link_id}"): lambda w, caller: w.index.http.delete(
        f"/persons/{w.person_id}/links/{w.link_id}", headers=w.headers(caller)
    ),
    ("identity", "POST", "/persons/{person_id}/merges"): lambda w, caller: w.index.http.post(
        f"/persons/{w.person_id}/merges", json={"merged_person_id": w.other_person_id}, headers=w.headers(caller)
    ),
    ("identity", "DELETE", "/persons/{person_id}/merges/{merge_id}"): lambda w, caller: w.index.http.delete(
        f"/persons/{w.person_id}/merges/{w.other_person_id}", headers=w.headers(caller)
    ),
    ("identity", "POST", "/persons/{person_id}/$transfer"): lambda w, caller: w.index.http.post(
        f"/persons/{w.person_id}/$transfer", json={"responsible_la": "878"}, headers=w.headers(caller)
    ),
    ("identity", "POST", "/persons/{person_id}/$erase"): lambda w, caller: w.index.http.post(
        f"/persons/{w.person_id}/$erase", headers=w.headers(caller)
    ),
    ("identity", "GET", "/audit-events"): lambda w, caller: w.index.http.get(
        "/audit-events", params={"person_id": w.person_id}, headers=w.headers(caller)
    ),
}
# Routes that list what the caller may see: another LA gets an empty list rather than a refusal; a FHIR search
# finds nothing of the child's whoever searches.
FHIR_SEARCHES = {("health-advice", "GET", "/fhir/Task")}
LISTS = {("identity", "GET", "/match-reviews"), *FHIR_SEARCHES}
# Reads the responsible LA must be able to make: the positive control of every refusal above.
READS = {route for route in MATRIX if route[1] == "GET"}
MATCH_BATCH: Route = ("identity", "POST", "/persons/$match-batch")
PERSON_PATH_PARAMETERS = ("{person_id}", "{notification_id}", "{review_id}", "{case_id}", "{advice_request_id}")


def service_apps() -> dict[str, FastAPI]:
    """Each service's API as its composition root builds it (nothing connects until a request arrives)."""
    url = "postgresql://pathfinder@127.0.0.1:1/unused"
    return {
        "notifications": bootstrap_notifications(NotificationsSettings(database_url=url)).app(),
        "ehcp": bootstrap_ehcp(EhcpSettings(database_url=url)).app(),
        "health-advice": bootstrap_health_advice(HealthAdviceSettings(database_url=url)).app(),
        "identity": bootstrap_identity(IdentitySettings(database_url=url)).app(),
    }


def person_routes(service: str, app: FastAPI) -> tuple[set[Route], set[Route]]:
    """(tagged person-data, untagged routes whose path names a person or a notification), from the app's
    OpenAPI document: exactly the surface a caller can reach."""
    tagged: set[Route] = set()
    untagged: set[Route] = set()
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            key = (service, method.upper(), path)
            if PERSON_DATA in operation.get("tags", ()):
                tagged.add(key)
            elif any(parameter in path for parameter in PERSON_PATH_PARAMETERS):
                untagged.add(key)
    return tagged, untagged


def test_every_route_that_exposes_a_person_is_tagged_and_in_the_matrix(monkeypatch) -> None:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    apps = service_apps()
    assert set(apps) == {"notifications", "ehcp", "health-advice", "identity"}
    tagged: set[Route] = set()
    untagged: set[Route] = set()
    for service, app in apps.items():
        found, missed = person_routes(service, app)
        tagged |= found
        untagged |= missed
    assert untagged == set(), "a route naming a person must be tagged person-data"
    assert tagged == set(MATRIX), "every person-data route needs an entry in MATRIX"


@pytest.fixture
async def world(fresh_database, monkeypatch) -> AsyncIterator[World]:
    for name, value in TEST_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    notifications_url, ehcp_url = await fresh_database("matrix_notifications"), await fresh_database("matrix_ehcp")
    health_advice_url = await fresh_database("matrix_health_advice")
    await upgrade_to_head("pathfinder.notifications:migrations", notifications_url)
    await upgrade_to_head("pathfinder.ehcp:migrations", ehcp_url)
    await upgrade_to_head("pathfinder.health_advice:migrations", health_advice_url)
    async with running_person_index(await fresh_database("matrix_identity")) as index:
        number = nhs_number()
        registered = await index.match(trust("RR8"), child(identifiers=[nhs(number)], verified=True))
        person_id = registered["person_id"]
        made = await index.http.post(
            f"/persons/{person_id}/links", json={"kind": "upn", "value": upn()}, headers=index.headers(la("841"))
        )
        review = await index.match(trust("RR8"), child(given=["Millie"]))
        other = await index.match(trust("RR8"), child(given=["Oliver"], born="2014-01-01", sex="male"))

        auth = index.mint.auth_settings()
        kafka, outbox = KafkaSettings(), OutboxSettings()
        notifications = bootstrap_notifications(
            NotificationsSettings(database_url=notifications_url),
            kafka,
            outbox,
            auth=auth,
            identity=FakeIdentity(person_id=UUID(person_id)),
        )
        ehcp = bootstrap_ehcp(EhcpSettings(database_url=ehcp_url), kafka, outbox, auth=auth)
        health_advice = bootstrap_health_advice(
            HealthAdviceSettings(database_url=health_advice_url), kafka, outbox, auth=auth
        )
        notification_id = await _notify(notifications, index, person_id)
        await _open_case(ehcp, person_id, notification_id)
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=notifications.app()), base_url="http://n") as n,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=ehcp.app()), base_url="http://e") as e,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=health_advice.app()), base_url="http://h") as h,
        ):
            cases = await _assess(e, index.headers(any_la("841"), purpose="ehc-needs-assessment"), person_id)
            await _ask_health(health_advice, person_id, cases)
            yield World(
                index,
                n,
                e,
                person_id,
                made.json()["link_id"],
                review["review_id"],
                other["person_id"],
                notification_id,
                notifications,
                number,
                *cases,
                h,
            )
        await notifications.engine.dispose()
        await ehcp.engine.dispose()
        await health_advice.engine.dispose()


async def _notify(notifications: NotificationsService, index: PersonIndexUnderTest, person_id: str) -> str:
    """RR8 notifies LA 841 of the child; the worker's step its commit wakes asks notifications' identity, which
    names it ``person_id``."""
    app = notifications.app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://n") as client:
        response = await client.post(
            "/fhir/$process-message",
            json=message(),
            headers={**index.headers(any_trust("RR8")), "Content-Type": "application/fhir+json"},
        )
    assert response.status_code == 202, response.text
    identity, postcodes = notifications.identity_client(), PostcodeDirectory(notifications.engine)
    assert await ask_identity_again(uow=notifications.unit_of_work(), identity=identity, postcodes=postcodes) == 1
    notification_id: str = response.json()["id"]
    return notification_id


async def _open_case(ehcp: Any, person_id: str, notification_id: str) -> None:
    case = ChildCase(person_id=UUID(person_id), responsible_la="841")
    notice = EarlyYearsNotice(UUID(notification_id), "RR8", date(2026, 11, 2), datetime.now(UTC))
    case.record_early_years_notice(notice, responsible_la="841")
    async with ehcp.unit_of_work() as uow:
        await uow.cases.save(case)
        await uow.commit()


async def _assess(ehcp: httpx.AsyncClient, headers: dict[str, str], person_id: str) -> tuple[str, str, str, str]:
    """841 assesses its child to a final plan, then assesses them again up to a draft plan: the assessment under
    way (with a request for advice and an exception), and the plan."""

    async def step(path: str, **body: Any) -> dict[str, Any]:
        answer = await ehcp.post(path, json=body, headers=headers)
        assert answer.status_code in (200, 201), answer.text
        case: dict[str, Any] = answer.json()
        return case

    def day(offset: int) -> str:
        return (date.today() + timedelta(days=offset)).isoformat()

    first = await step("/assessments", person_id=person_id, requested_by="parent", received_on=day(-200))
    path = f"/assessments/{first['assessment_id']}"
    await step(f"{path}/decision", decision="assess", decided_on=day(-170))
    await step(f"{path}/draft-plan", on=day(-120))
    await step(f"{path}/representations", received_on=day(-110), particular_setting_requested=False)
    plan_id = (await step(f"{path}/final-plan", issued_on=day(-100), icb="QHL"))["plan_id"]

    again = await step("/assessments", person_id=person_id, requested_by="parent", received_on=day(-80))
    path = f"/assessments/{again['assessment_id']}"
    await step(f"{path}/decision", decision="assess", decided_on=day(-60))
    asked = await step(f"{path}/advice-requests", kind="health", advisor_organisation="QHL", requested_on=day(-58))
    excepted = await step(
        f"{path}/exceptions", ground="exceptional-personal-circumstances", legal_basis="reg 10(4)(c)",
        starts_on=day(-40), ends_on=day(-5), disapplies=["decision-not-to-issue", "final-plan"],
    )  # fmt: skip
    await step(f"{path}/draft-plan", on=day(-2))
    [advice_request] = asked["advice_requests"]
    [exception] = excepted["exceptions"]
    return again["assessment_id"], plan_id, advice_request["advice_request_id"], exception["exception_id"]


async def _ask_health(health_advice: HealthAdviceService, person_id: str, cases: tuple[str, str, str, str]) -> None:
    """Health advice opens the request ehcp asked of QHL, as its intake does (the same ids)."""
    assessment_id, _, advice_request_id, _ = cases
    async with health_advice.unit_of_work() as uow:
        await open_from_ehcp(
            advice_request_id=UUID(advice_request_id), assessment_id=UUID(assessment_id), person_id=UUID(person_id),
            requesting_la="841", icb="QHL", received_on=date.today() - timedelta(days=58), uow=uow,
        )  # fmt: skip
        await uow.commit()


def _advice_document(advice_request_id: str) -> dict[str, Any]:
    document = AdviceDocument(
        url="https://docs.example.nhs.uk/advice/1.pdf", content_type="application/pdf", size=1000,
        sha1="2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
    )  # fmt: skip
    advice = SubmittedAdvice(
        advice_request_id=UUID(advice_request_id), form=AdviceForm.DOCUMENT, author="QHL",
        authored_at=datetime(2026, 1, 5, 9, tzinfo=UTC), document=document,
    )  # fmt: skip
    return submitted_advice_resource(advice, base_url="http://h/fhir")


@pytest.mark.parametrize("route", sorted(MATRIX), ids=" ".join)
async def test_another_la_is_refused_on_every_route_that_exposes_a_person(world, route) -> None:
    response = await MATRIX[route](world, any_la("805"))
    if route == MATCH_BATCH:  # each record answered as $match would: this one refused, and audited as refused
        assert response.status_code == 200, response.text
        [answer] = response.json()["answers"]
        assert (answer["status"], answer["match"]) == (403, None), answer
        denied = await world.index.rows(
            person_audit_event,
            person_audit_event.c.outcome == "denied",
            person_audit_event.c.actor_organisation == "805",
        )
        assert [row.responsible_la for row in denied] == ["841"], "the refusal is in the audit log"
        return
    if route in LISTS:
        assert response.status_code == 200, response.text
        listed = response.json()
        values = [listed.get("entry")] if listed.get("resourceType") == "Bundle" else listed.values()
        assert all(not value for value in values), "another LA's children are not listed"
        return
    audit_page = route == ("identity", "GET", "/audit-events")
    if audit_page:  # answered as for a child never held: an empty page
        assert (response.status_code, response.json()["events"]) == (200, []), response.text
    elif route in WITHHELD_AS_MISSING:
        assert response.status_code == 404, response.text
    else:
        assert response.status_code == 403, response.text
    if audit_page or route in WITHHELD_AS_MISSING:
        missing = await _missing_twin(world, route, any_la("805"))
        assert _answer(response) == _answer(missing), "another LA's record is answered as one that does not exist"
    else:
        # FHIR routes refuse with an OperationOutcome, the others with problem+json.
        fhir = route[2].startswith("/fhir/")
        assert response.headers["content-type"] == ("application/fhir+json" if fhir else "application/problem+json")
    refused_by_scope = "required_scopes" in response.json()  # e.g. erasure: only the platform may erase
    if route[0] == "identity" and not refused_by_scope:
        denied = await world.index.rows(
            person_audit_event,
            person_audit_event.c.outcome == "denied",
            person_audit_event.c.actor_organisation == "805",
        )
        assert [row.responsible_la for row in denied] == ["841"], "the refusal is in the audit log"


async def _match_as_805(w: World, number: str | None) -> tuple[dict[str, Any], list[str]]:
    """805 matches a record naming itself (with ``number``, else by name, birth date and postcode alone): the
    answer, and the NHS numbers 805 then reads on the person it was given."""
    body = child("805", identifiers=[nhs(number)] if number else [], verified=bool(number))
    answered = await w.index.http.post("/persons/$match", json=body, headers=w.headers(any_la("805")))
    assert answered.status_code == 200, answered.text
    own = answered.json()["person_id"]
    listed = await w.index.http.get(f"/persons/{own}/identifiers", headers=w.headers(any_la("805")))
    assert listed.status_code == 200, listed.text
    return answered.json(), [found["value"] for found in listed.json()["identifiers"]]


async def _in_841s_audit_from_805(w: World) -> list[tuple[str, str]]:
    read = await w.index.http.get("/audit-events", params={"person_id": w.person_id}, headers=w.headers(any_la("841")))
    assert read.status_code == 200, read.text
    return [(e["action"], e["outcome"]) for e in read.json()["events"] if e["actor"]["organisation"] == "805"]


@pytest.mark.parametrize("by_number", [True, False], ids=["nhs-number", "name-birth-date-postcode"])
async def test_another_la_naming_itself_for_the_child_learns_nothing_and_the_childs_la_sees_it(
    world, by_number
) -> None:
    """LA 805's $match for 841's child: the answer and what 805 reads back are those of a child nobody holds,
    and 841's audit of its own child shows the attempt."""
    answer, read_back = await _match_as_805(world, world.nhs_number if by_number else None)
    assert answer["person_id"] != world.person_id
    assert (answer["outcome"], answer["responsible_la"], answer["identifiers_held_elsewhere"]) == (
        "no-match",
        "805",
        [],
    )
    # What a number nobody holds gives: the number, linked to 805's own new child.
    assert read_back == ([world.nhs_number] if by_number else [])
    assert await _in_841s_audit_from_805(world) == [("match", "denied")]


@pytest.mark.parametrize("route", sorted(MATRIX), ids=" ".join)
async def test_an_nhs_body_with_nothing_to_do_with_the_child_sees_nothing(world, route) -> None:
    response = await MATRIX[route](world, any_trust("RX9"))
    if route in (("identity", "POST", "/persons/$match"), MATCH_BATCH):
        assert response.status_code == 200  # matching answers with an id, never with another body's details
        return
    if route in FHIR_SEARCHES:
        assert response.status_code == 200, response.text
        assert "entry" not in response.json(), "an NHS body finds none of the child's requests"
        return
    if route in WITHHELD_FROM_NHS_BODIES:
        assert response.status_code == 404, response.text
        assert _answer(response) == _answer(await _missing_twin(world, route, any_trust("RX9")))
    else:
        assert response.status_code == 403, response.text


@pytest.mark.parametrize("route", sorted(READS), ids=" ".join)
async def test_the_responsible_la_can_read_what_others_are_refused(world, route) -> None:
    response = await MATRIX[route](world, any_la("841"))
    assert response.status_code == 200, response.text
    assert world.person_id in response.text or world.notification_id in response.text


async def test_the_sender_reads_its_notification_but_the_platform_reads_no_details(world) -> None:
    status = await MATRIX[("notifications", "GET", "/fhir/early-years-notifications/{notification_id}")](
        world, any_trust("RR8")
    )
    assert status.status_code == 200
    assert (await MATRIX[("identity", "GET", "/persons/{person_id}")](world, platform())).status_code == 403


WITHHELD_AS_MISSING = {
    ("notifications", "POST", "/early-years-notifications/{notification_id}/acknowledgement"),
    ("notifications", "GET", "/subscriptions/{subscription_id}/deliveries"),
    ("notifications", "GET", "/fhir/Subscription/{subscription_id}/$events"),
    ("notifications", "GET", "/fhir/early-years-notifications/{notification_id}"),
    ("ehcp", "GET", "/children/{person_id}"),
    ("ehcp", "POST", "/assessments"),
    ("ehcp", "GET", "/assessments/{assessment_id}"),
    ("ehcp", "GET", "/plans/{plan_id}"),
    *(("ehcp", "POST", path) for path in EHCP_STEPS),
    ("identity", "GET", "/persons/{person_id}"),
    ("identity", "GET", "/persons/{person_id}/identifiers"),
    ("identity", "POST", "/match-reviews/{review_id}/decision"),
    ("identity", "POST", "/persons/{person_id}/links"),
    ("identity", "DELETE", "/persons/{person_id}/links/{link_id}"),
    ("identity", "POST", "/persons/{person_id}/merges"),
    ("identity", "DELETE", "/persons/{person_id}/merges/{merge_id}"),
    ("identity", "POST", "/persons/{person_id}/$transfer"),
    ("health-advice", "GET", "/fhir/Task/{advice_request_id}"),
    ("health-advice", "GET", "/fhir/ServiceRequest/{advice_request_id}"),
}
"""Routes of one record by its id: another party's record is answered exactly as an id that holds nothing, so
an id tells a caller nothing it may not know (the refusal is still logged, and audited by identity)."""


WITHHELD_FROM_NHS_BODIES = {
    *(route for route in WITHHELD_AS_MISSING if route[1] == "GET" and route[0] != "ehcp"),
    # An NHS body may change advice requests (an LA lacks the scope: 403), but not another body's: as missing.
    ("health-advice", "PUT", "/fhir/Task/{advice_request_id}"),
    ("health-advice", "POST", "/fhir/Task/{advice_request_id}/$submit-advice"),
}  # ehcp's cases are for LAs: an NHS body lacks the scope (403) before any case is looked up


async def _missing_twin(w: World, route: Route, caller: Principal) -> httpx.Response:
    """The same call by the same caller, for ids that hold nothing."""
    if "{subscription_id}" in route[2]:
        return await w.notifications.get(route[2].replace("{subscription_id}", str(uuid4())), headers=w.headers(caller))
    nowhere = replace(
        w,
        person_id=str(uuid4()),
        link_id=str(uuid4()),
        review_id=str(uuid4()),
        other_person_id=str(uuid4()),
        notification_id=str(uuid4()),
        assessment_id=str(uuid4()),
        plan_id=str(uuid4()),
        advice_request_id=str(uuid4()),
        exception_id=str(uuid4()),
    )
    return await MATRIX[route](nowhere, caller)


def _answer(response: httpx.Response) -> tuple[int, str, dict[str, Any]]:
    """What a caller learns from an answer: status, media type and body."""
    return response.status_code, response.headers["content-type"], response.json()


async def _la_subscription_read(w: World, caller: Principal, channel: str, path: str) -> httpx.Response:
    """Darlington subscribes, the notification's event is delivered to it, then ``caller`` reads ``path``."""
    received = EarlyYearsNotificationReceived.event_type
    terms: dict[str, Any] = {"channel": channel, "event_types": [received], "endpoint": "https://la841.example/in"}
    if channel == "webhook":
        terms["secrets"] = ["whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"]
    made = await w.notifications.post("/subscriptions", json=terms, headers=w.headers(any_la("841")))
    assert made.status_code == 201, made.text
    service = w.notifications_service
    async with service.unit_of_work() as uow:
        row = (await uow.session.execute(select(outbox).where(outbox.c.event_type == received))).first()
        assert row is not None, "the notification's Received event is in the outbox"
        record = KafkaRecord(row.topic, 0, 0, row.key.encode(), decode_headers(row.headers), row.payload)
        delivery = read_record(record)
        assert delivery.event is not None and delivery.envelope is not None
        await deliver_to_la(delivery.event, delivery.envelope, uow=uow, public_urls=service.delivery.public_urls)
        await uow.commit()
    return await w.notifications.get(path.format(id=made.json()["id"]), headers=w.headers(caller))
