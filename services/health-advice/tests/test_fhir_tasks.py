# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The FHIR API of advice requests on the real PostgreSQL, with real access tokens: an NHS system reads the
ServiceRequest and Task, takes each step by updating the Task (accept, assign, stop and restart the clock,
complete it with the advice), or submits the advice with $submit-advice; each step's event is in the outbox, and
each refusal is an OperationOutcome with its status. Another ICB finds nothing; the requesting LA reads the
status only."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.task import Task
from health_advice_kit.builders import READ, configure, dco, la, opened, trust
from pathfinder.auth import Principal
from pathfinder.auth.testing import TokenMint, token_mint
from pathfinder.contracts import ContractEvent
from pathfinder.contracts import health_advice as events
from pathfinder.contracts.fhir import (
    SubmittedAdvice,
    parse_advice_request,
    parse_submitted_advice,
    submitted_advice_resource,
)
from pathfinder.contracts.fhir.advice import AdviceDocument
from pathfinder.contracts.fhir.advice_codes import (
    ASSIGNEE_IDENTIFIER_SYSTEM,
    CLOCK_STATE_SYSTEM,
    CLOCK_STOP_EXTENSION,
    CLOCK_STOP_REASON_SYSTEM,
    PROVIDER_TEAM_IDENTIFIER_SYSTEM,
)
from pathfinder.contracts.fhir.systems import ODS_ORGANIZATION_CODE
from pathfinder.contracts.vocabulary import AdviceForm
from pathfinder.health_advice.bootstrap import HealthAdviceService, bootstrap
from pathfinder.health_advice.domain.clock import london_date
from pathfinder.health_advice.entrypoints.fhir_openapi import ADVICE_BODY, TASK_BODY
from pathfinder.health_advice.settings import HealthAdviceSettings
from pathfinder.messaging.delivery import read_record
from pathfinder.messaging.outbox import decode_headers
from pathfinder.messaging.records import KafkaRecord
from pathfinder.messaging.schema import outbox
from pathfinder.messaging.settings import KafkaSettings
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import select

FHIR_JSON = "application/fhir+json"
TODAY = london_date(datetime.now(UTC))


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


@dataclass
class Api:
    http: httpx.AsyncClient
    mint: TokenMint
    service: HealthAdviceService

    def headers(self, caller: Principal, **more: str) -> dict[str, str]:
        return {**self.mint.headers_for(caller), "Content-Type": FHIR_JSON, **more}

    async def task(self, caller: Principal, advice_request_id: UUID) -> httpx.Response:
        return await self.http.get(f"/fhir/Task/{advice_request_id}", headers=self.headers(caller))

    async def put(self, caller: Principal, task: dict[str, Any], **headers: str) -> httpx.Response:
        return await self.http.put(f"/fhir/Task/{task['id']}", json=task, headers=self.headers(caller, **headers))

    async def opened(self, received_on: date, la_code: str = "841") -> UUID:
        return await opened(self.service.unit_of_work(), received_on, la_code=la_code)

    async def events(self, advice_request_id: UUID) -> list[ContractEvent]:
        async with self.service.engine.connect() as connection:
            rows = (await connection.execute(select(outbox).order_by(outbox.c.position))).all()
        found = []
        for row in rows:
            record = KafkaRecord(row.topic, 0, 0, row.key.encode(), decode_headers(row.headers), row.payload)
            event = read_record(record).event
            if event is not None and getattr(event, "advice_request_id", None) == advice_request_id:
                found.append(event)
        return found


@pytest.fixture
async def api(fresh_database) -> AsyncIterator[Api]:
    url = await fresh_database("health_advice_fhir")
    await upgrade_to_head("pathfinder.health_advice:migrations", url)
    mint = token_mint()
    service = bootstrap(
        HealthAdviceSettings(database_url=url),
        KafkaSettings(bootstrap_servers="127.0.0.1:9"),
        auth=mint.auth_settings(),
    )
    await configure(service.unit_of_work())
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://ha") as http:
            yield Api(http, mint, service)
    finally:
        await service.engine.dispose()


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == FHIR_JSON
    document: dict[str, Any] = response.json()
    return document


def outcome(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    """The issues of the OperationOutcome a refusal answered."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == FHIR_JSON
    document = response.json()
    assert document["resourceType"] == "OperationOutcome"
    issues: list[dict[str, Any]] = document["issue"]
    return issues


def expressions(issues: list[dict[str, Any]]) -> set[str]:
    return {expression for issue in issues for expression in issue.get("expression", [])}


def assignee(value: str) -> dict[str, Any]:
    return {"type": "Practitioner", "identifier": {"system": ASSIGNEE_IDENTIFIER_SYSTEM, "value": value}}


def clock_stop(reason: str) -> dict[str, Any]:
    return {"coding": [{"system": CLOCK_STOP_REASON_SYSTEM, "code": reason}]}


def advice_document(advice_request_id: UUID, author: str = "RXP") -> dict[str, Any]:
    document = AdviceDocument(
        url="https://docs.example.nhs.uk/advice/4471.pdf", content_type="application/pdf", size=182_304,
        sha1="2jmj7l5rSw0yVb/vlWAYkK/YBwk=",
    )  # fmt: skip
    advice = SubmittedAdvice(
        advice_request_id=advice_request_id, form=AdviceForm.DOCUMENT, author=author,
        authored_at=datetime.now(UTC) - timedelta(hours=1), document=document,
    )  # fmt: skip
    return submitted_advice_resource(advice, base_url="https://ha/fhir")


def questionnaire_response(author: str) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": "https://forms.example.nhs.uk/Questionnaire/ehc-health-advice",
        "authored": (datetime.now(UTC) - timedelta(hours=2)).isoformat(),
        "author": {"type": "Organization", "identifier": {"system": ODS_ORGANIZATION_CODE, "value": author}},
        "item": [
            {"linkId": "needs", "answer": [{"valueString": "Speech and language needs; see the report"}]},
            {"linkId": "provision", "item": [{"linkId": "provision.1", "answer": [{"valueBoolean": True}]}]},
        ],
    }


async def test_the_pair_reads_as_the_contract_shapes_it(api: Api) -> None:
    request_id = await api.opened(day(-10))
    answer = await api.task(dco("QHM"), request_id)
    task = ok(answer)
    assert answer.headers["etag"] == 'W/"1"' and task["meta"]["versionId"] == "1"
    service_request = ok(await api.http.get(f"/fhir/ServiceRequest/{request_id}", headers=api.headers(dco("QHM"))))
    view = parse_advice_request(service_request, task)
    assert (view.advice_request_id, view.requesting_la, view.health_body) == (request_id, "841", "QHM")
    assert (view.status, view.requested_on, view.statutory_due_date) == ("requested", day(-10), day(32))
    assert view.owner_team == "qhm-paeds" and view.assigned_to is None
    assert task["businessStatus"]["coding"][0]["code"] == "on-clock"
    assert task["for"]["reference"].endswith(f"/Patient/{view.person_id}")


async def test_an_nhs_system_takes_every_step_and_each_raises_its_event(api: Api) -> None:
    request_id = await api.opened(day(-10))
    caller = trust("RXP")  # the provider running the team the request is routed to
    task = ok(await api.task(caller, request_id))

    accepted = ok(await api.put(caller, {**task, "status": "accepted"}, **{"If-Match": 'W/"1"'}))
    assert accepted["status"] == "accepted" and accepted["meta"]["versionId"] == "2"
    assert outcome(await api.put(caller, {**accepted, "status": "in-progress"}, **{"If-Match": 'W/"1"'}), 412)

    assigned = ok(await api.put(caller, {**accepted, "status": "in-progress", "owner": assignee("sds-5551234")}))
    assert (assigned["status"], assigned["owner"]) == ("in-progress", assignee("sds-5551234"))

    stop = {"url": CLOCK_STOP_EXTENSION, "extension": [
        {"url": "reason", "valueCoding": clock_stop("missed-appointment")["coding"][0]},
        {"url": "period", "valuePeriod": {"start": day(-6).isoformat()}},
    ]}  # fmt: skip
    stopped = ok(await api.put(caller, {**assigned, "businessStatus": clock_stop("missed-appointment"),
                                        "extension": [stop]}))  # fmt: skip
    assert stopped["businessStatus"]["coding"][0]["code"] == "missed-appointment"
    # While stopped, every day of the stop so far (6 days ago to today) moves the due date.
    assert stopped["restriction"]["period"]["end"] == day(32 + 7).isoformat()

    restarting = copy.deepcopy(stopped)
    restarting["businessStatus"] = {"coding": [{"system": CLOCK_STATE_SYSTEM, "code": "on-clock"}]}
    restarting["extension"][0]["extension"][1]["valuePeriod"]["end"] = day(-4).isoformat()
    restarted = ok(await api.put(caller, restarting))
    assert restarted["businessStatus"]["coding"][0]["code"] == "on-clock"
    assert restarted["restriction"]["period"]["end"] == day(32 + 3).isoformat()  # 3 days stopped

    advice = {**advice_document(request_id), "id": "advice"}
    output = [{"type": {"text": "Advice"}, "valueReference": {"reference": "#advice"}}]
    completing = {**restarted, "status": "completed", "contained": [advice], "output": output}
    completed = ok(await api.put(caller, completing))
    assert (completed["status"], completed["businessStatus"]["coding"][0]["code"]) == ("completed", "closed")
    [record] = completed["contained"]
    assert record["resourceType"] == "DocumentReference" and completed["output"][0]["valueReference"] == {
        "reference": "#advice", "type": "DocumentReference"}  # fmt: skip
    Task.model_validate(completed)
    assert ok(await api.put(caller, completing))["meta"] == completed["meta"], "a retry changes nothing"

    raised = await api.events(request_id)
    assert [type(event) for event in raised] == [
        events.HealthAdviceRequested, events.HealthAdviceAccepted, events.HealthAdviceClockStopped,
        events.HealthAdviceClockRestarted, events.HealthAdviceSubmitted,
    ]  # fmt: skip
    stopped_event, restarted_event, submitted = raised[2], raised[3], raised[4]
    assert isinstance(stopped_event, events.HealthAdviceClockStopped) and stopped_event.stopped_on == day(-6)
    assert isinstance(restarted_event, events.HealthAdviceClockRestarted)
    assert (restarted_event.restarted_on, restarted_event.advice_due_on) == (day(-3), day(35))
    assert isinstance(submitted, events.HealthAdviceSubmitted)
    assert (submitted.form, submitted.within_statutory_limit) == (AdviceForm.DOCUMENT, True)


async def test_a_questionnaire_response_submitted_late_is_late(api: Api) -> None:
    request_id = await api.opened(day(-60), la_code="805")  # routed to qhm-805-paeds, run by RVW
    answer = await api.http.post(
        f"/fhir/Task/{request_id}/$submit-advice", json=questionnaire_response("RVW"), headers=api.headers(trust("RVW"))
    )
    task = ok(answer)
    assert task["status"] == "completed" and task["contained"][0]["resourceType"] == "QuestionnaireResponse"
    submitted = (await api.events(request_id))[-1]
    assert isinstance(submitted, events.HealthAdviceSubmitted)
    assert (submitted.form, submitted.within_statutory_limit) == (AdviceForm.QUESTIONNAIRE_RESPONSE, False)


async def test_each_refusal_is_an_operation_outcome(api: Api) -> None:
    request_id = await api.opened(day(-5))
    caller = dco("QHM")
    task = ok(await api.task(caller, request_id))
    path = f"/fhir/Task/{request_id}"

    assert outcome(await api.http.get(path), 401)[0]["code"] == "login"
    assert outcome(await api.put(la("841"), {**task, "status": "accepted"}), 403)[0]["code"] == "forbidden"
    assert outcome(await api.put(trust("RXP", READ), {**task, "status": "accepted"}), 403)
    as_text = await api.http.put(path, content=b"{}", headers={**api.headers(caller), "Content-Type": "text/plain"})
    assert outcome(as_text, 415)[0]["code"] == "not-supported"
    oversized = await api.http.put(path, content=b" " * 1_000_001, headers=api.headers(caller))
    assert outcome(oversized, 413)[0]["code"] == "too-costly"

    bare = outcome(await api.put(caller, {"resourceType": "Task", "id": str(request_id)}), 400)
    assert {"Task.status", "Task.intent"} <= expressions(bare)
    other_id = await api.http.put(path, json={**task, "id": str(uuid4())}, headers=api.headers(caller))
    assert expressions(outcome(other_id, 400)) == {"Task.id"}
    not_json = await api.http.put(path, content=b"{not json", headers=api.headers(caller))
    assert outcome(not_json, 400)[0]["code"] == "structure"

    unknown = await api.put(caller, {**task, "id": str(uuid4()), "status": "accepted"})
    assert outcome(unknown, 404)[0]["code"] == "not-found"

    refused = outcome(await api.put(caller, {**task, "status": "in-progress", "owner": assignee("sds-1")}), 409)
    assert "Allowed now: status accepted" in refused[0]["diagnostics"]
    assert expressions(refused) == {"Task.status"}

    moved = {**task, "for": {"reference": f"http://ha/fhir/Patient/{uuid4()}", "type": "Patient"}}
    assert expressions(outcome(await api.put(caller, moved), 422)) == {"Task.for"}
    waiting = {**task, "businessStatus": {"coding": [{"system": CLOCK_STOP_REASON_SYSTEM, "code": "waiting-list"}]}}
    [never] = outcome(await api.put(caller, waiting), 422)
    assert (never["code"], never["expression"]) == ("code-invalid", ["Task.businessStatus"])
    assert "a waiting list never" in never["diagnostics"]
    both = {**task, "status": "accepted", "businessStatus": clock_stop("absent-from-area")}
    assert "One step per update" in outcome(await api.put(caller, both), 422)[0]["diagnostics"]
    owned = {**task, "status": "accepted", "owner": assignee("sds-1")}
    assert expressions(outcome(await api.put(caller, owned), 422)) == {"Task.status", "Task.owner"}
    early = {**task, "businessStatus": clock_stop("absent-from-area"), "extension": [{"url": CLOCK_STOP_EXTENSION,
             "extension": [{"url": "reason", "valueCoding": clock_stop("absent-from-area")["coding"][0]},
                           {"url": "period", "valuePeriod": {"start": day(-30).isoformat()}}]}]}  # fmt: skip
    [before] = outcome(await api.put(caller, early), 422)
    assert "before the request was received" in before["diagnostics"]
    assert before["expression"] == ["Task.businessStatus"]

    unhashed = advice_document(request_id)
    del unhashed["content"][0]["attachment"]["hash"]
    submitted = await api.http.post(f"{path}/$submit-advice", json=unhashed, headers=api.headers(caller))
    assert expressions(outcome(submitted, 400)) == {"DocumentReference.content[0].attachment.hash"}
    assert ok(await api.task(caller, request_id))["meta"]["versionId"] == "1", "nothing refused changed anything"


async def test_another_icb_finds_nothing(api: Api) -> None:
    request_id = await api.opened(day(-5))
    other, nowhere = dco("QHL"), uuid4()
    for wanted in (request_id, nowhere):
        assert outcome(await api.task(other, wanted), 404)
        assert outcome(await api.http.get(f"/fhir/ServiceRequest/{wanted}", headers=api.headers(other)), 404)
    seen, missing = await api.task(other, request_id), await api.task(other, nowhere)
    assert seen.json() == missing.json(), "another ICB's request is answered as one that does not exist"
    task = ok(await api.task(dco("QHM"), request_id))
    assert outcome(await api.put(other, {**task, "status": "accepted"}), 404) == outcome(
        await api.put(other, {**task, "id": str(nowhere), "status": "accepted"}), 404
    )
    submitted = await api.http.post(
        f"/fhir/Task/{request_id}/$submit-advice", json=advice_document(request_id, "RYW"), headers=api.headers(other)
    )
    assert outcome(submitted, 404)
    assert "entry" not in ok(await api.http.get("/fhir/Task", headers=api.headers(other)))


async def test_the_requesting_la_reads_the_status_only(api: Api) -> None:
    request_id = await api.opened(day(-10))
    theirs = await api.opened(day(-10), la_code="805")
    caller = dco("QHM")
    task = ok(await api.task(caller, request_id))
    stopped = ok(await api.put(caller, {**task, "businessStatus": clock_stop("exceptional-circumstances")}))
    assert "extension" in stopped
    seen = ok(await api.task(la("841"), request_id))
    assert "extension" not in seen and "output" not in seen
    assert seen["owner"]["identifier"] == {"system": ODS_ORGANIZATION_CODE, "value": "QHM"}
    assert (seen["status"], seen["restriction"]) == ("requested", stopped["restriction"])
    assert outcome(await api.task(la("841"), theirs), 404)
    listed = ok(await api.http.get("/fhir/Task", headers=api.headers(la("841"))))
    assert [entry["resource"]["id"] for entry in listed["entry"]] == [str(request_id)]


async def test_a_search_pages_through_what_the_caller_may_see(api: Api) -> None:
    first, second = await api.opened(day(-20)), await api.opened(day(-10))
    routed_805 = await api.opened(day(-5), la_code="805")
    accepted = await api.opened(day(-3))
    headers = api.headers(dco("QHM"))
    ok(await api.put(dco("QHM"), {**ok(await api.task(dco("QHM"), accepted)), "status": "accepted"}))

    page_one = ok(await api.http.get("/fhir/Task", params={"status": "requested", "_count": 2}, headers=headers))
    Bundle.model_validate(page_one)
    assert [entry["resource"]["id"] for entry in page_one["entry"]] == [str(first), str(second)]
    [following] = [link["url"] for link in page_one["link"] if link["relation"] == "next"]
    page_two = ok(await api.http.get(following, headers=headers))
    assert [entry["resource"]["id"] for entry in page_two["entry"]] == [str(routed_805)]
    assert page_two["total"] == 3
    by_team = {"owner": f"{PROVIDER_TEAM_IDENTIFIER_SYSTEM}|qhm-805-paeds"}
    owned = ok(await api.http.get("/fhir/Task", params=by_team, headers=headers))
    assert [entry["resource"]["id"] for entry in owned["entry"]] == [str(routed_805)]
    assert "entry" not in ok(await api.http.get("/fhir/Task", params={"status": "on-hold"}, headers=headers))
    assert outcome(await api.http.get("/fhir/Task", params={"status": "waiting"}, headers=headers), 400)
    too_far = await api.http.get("/fhir/Task", params={"_count": 100, "page": 11}, headers=headers)
    assert outcome(too_far, 400)[0]["code"] == "too-costly"


def test_the_documented_examples_are_resources_the_api_reads() -> None:
    for media_type in TASK_BODY["requestBody"]["content"].values():
        for example in media_type["examples"].values():
            Task.model_validate(example["value"])
    advice = [example["value"] for example in ADVICE_BODY["requestBody"]["content"][FHIR_JSON]["examples"].values()]
    forms = {parse_submitted_advice(document).form for document in advice}
    assert forms == {AdviceForm.DOCUMENT, AdviceForm.QUESTIONNAIRE_RESPONSE}
