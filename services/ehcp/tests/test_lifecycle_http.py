# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The assessment and plan lifecycle over HTTP, on a migrated PostgreSQL: an assessment from the request to its
final plan and the plan's first review, every answer the case as it now stands; a step out of turn refused with
409 naming the steps allowed now; a repeated command answered as the first time and applied once; facts that do
not hold refused with 422 that echoes nothing sent; another LA's cases answered exactly as missing ones; and the
officer's worklist, soonest due first, paged with no gap or repeat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.ehcp.bootstrap import EhcpService, bootstrap
from pathfinder.ehcp.service_layer.child_cases import record_early_years_notice
from pathfinder.ehcp.settings import EhcpSettings
from pathfinder.messaging.schema import outbox
from pathfinder.persistence.migrations import upgrade_to_head
from sqlalchemy import func, select

PROBLEM = "application/problem+json"
EVENTS = "pathfinder.ehcp."
EXCEPTIONS = ["record-exception", "clear-exception"]
REQUESTED_STEPS = ["notify-consideration", "decide", *EXCEPTIONS]
ASSESSING_STEPS = ["request-advice", "receive-advice", "decide-not-to-issue", "serve-draft", *EXCEPTIONS]
MAINTAINED_STEPS = [
    "notify-review-meeting",
    "propose-amendments",
    "plan-phase-transfer",
    "request-reassessment",
    "cease",
]
TODAY = datetime.now(ZoneInfo("Europe/London")).date()


def day(offset: int) -> str:
    """The London date ``offset`` days from today, as the API takes it."""
    return (TODAY + timedelta(days=offset)).isoformat()


@dataclass
class Api:
    http: httpx.AsyncClient
    service: EhcpService
    manager: dict[str, str]  # 841's case system: cases:manage and cases:read
    other_la: dict[str, str]  # 805's, with the same scopes
    reader: dict[str, str]  # 841's, cases:read only

    async def child(self, la: str = "841") -> str:
        """A child ehcp holds for ``la``, from an early-years notice."""
        person_id = uuid4()
        async with self.service.unit_of_work() as uow:
            await record_early_years_notice(
                person_id=person_id, responsible_la=la, notification_id=uuid4(), notifying_organisation="RH8",
                opinion_formed_on=TODAY - timedelta(days=400), received_at=datetime.now(UTC), uow=uow,
            )  # fmt: skip
            await uow.commit()
        return str(person_id)

    async def post(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None, status: int | None = None
    ) -> httpx.Response:
        answer = await self.http.post(path, json=body, headers=headers or self.manager)
        if status is not None:
            assert answer.status_code == status, answer.text
        return answer

    async def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params, headers=headers or self.manager)

    async def events(self, name: str) -> int:
        """How many events of the type the outbox holds (``assessment-requested`` for its full type)."""
        async with self.service.engine.connect() as connection:
            query = select(func.count()).select_from(outbox).where(outbox.c.event_type == f"{EVENTS}{name}.v1")
            return (await connection.execute(query)).scalar_one()

    async def request(
        self, person_id: str, received: int, la_reference: str | None = None, headers: dict[str, str] | None = None
    ) -> dict:
        body = {"person_id": person_id, "requested_by": "parent", "received_on": day(received)}
        if la_reference is not None:
            body["la_reference"] = la_reference
        answer = await self.post("/assessments", body, headers, status=201)
        made: dict = answer.json()
        return made

    async def to_assessing(self, received: int) -> dict:
        made = await self.request(await self.child(), received)
        decision = {"decision": "assess", "decided_on": day(received + 30)}
        decided: dict = (await self.post(f"/assessments/{made['assessment_id']}/decision", decision, status=200)).json()
        return decided

    async def to_plan(self, received: int) -> dict:
        """An assessment taken to its final plan: the closed assessment's last answer."""
        assessing = await self.to_assessing(received)
        path = f"/assessments/{assessing['assessment_id']}"
        await self.post(f"{path}/draft-plan", {"on": day(received + 60)}, status=200)
        representations = {"received_on": day(received + 65), "particular_setting_requested": False}
        await self.post(f"{path}/representations", representations, status=200)
        final = {"issued_on": day(received + 70), "icb": "QHL"}
        issued: dict = (await self.post(f"{path}/final-plan", final, status=200)).json()
        return issued


@pytest.fixture
async def api(fresh_database) -> AsyncIterator[Api]:
    url = await fresh_database("ehcp_lifecycle_http")
    await upgrade_to_head("pathfinder.ehcp:migrations", url)
    mint = token_mint()
    service = bootstrap(EhcpSettings(database_url=url), auth=mint.auth_settings())
    la = OrganisationRole.LOCAL_AUTHORITY
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=service.app()), base_url="http://e") as http:
            yield Api(
                http,
                service,
                mint.headers_for(principal(la, "841", Scope.CASES_MANAGE, Scope.CASES_READ)),
                mint.headers_for(principal(la, "805", Scope.CASES_MANAGE, Scope.CASES_READ)),
                mint.headers_for(principal(la, "841", Scope.CASES_READ)),
            )
    finally:
        await service.engine.dispose()


def limits(case: dict) -> dict[tuple[str, str | None], dict]:
    return {(one["limit"], one["subject"]): one for one in case["limits"]}


def steps(case: dict) -> list[tuple[str, str]]:
    return [(entry["step"], entry["on"]) for entry in case["history"]]


def without_warning(case: dict) -> dict:
    return {name: value for name, value in case.items() if name != "early_warning"}


async def test_an_assessment_runs_to_a_final_plan_and_the_plan_through_its_first_review(api: Api) -> None:
    person_id = await api.child()
    made = await api.request(person_id, -250, la_reference="EHC/2026/17")
    assert (made["person_id"], made["responsible_la"], made["la_reference"]) == (person_id, "841", "EHC/2026/17")
    assert (made["stage"], made["open"], made["allowed_steps"]) == ("requested", True, REQUESTED_STEPS)
    assert steps(made) == [("request-received", day(-250))]
    decision = limits(made)[("decision-to-assess", None)]
    assert (decision["provision"], decision["state"], decision["due_on"]) == ("reg 5(1)", "overdue", day(-208))
    final = limits(made)[("final-plan", None)]
    assert (final["provision"], final["statutory_due_on"], final["state"]) == ("reg 13(2)", day(-110), "overdue")
    path = f"/assessments/{made['assessment_id']}"

    notices = {"notified_on": day(-248), "notified": ["responsible-commissioning-body", "social-care"]}
    noticed = (await api.post(f"{path}/consideration-notices", notices, status=200)).json()
    assert noticed["allowed_steps"] == ["decide", *EXCEPTIONS], "the notices are given once"
    assert steps(noticed)[-1] == ("consideration-notified", day(-248))
    assert noticed["history"][-1]["detail"] == {"notified": "responsible-commissioning-body,social-care"}

    decided = (await api.post(f"{path}/decision", {"decision": "assess", "decided_on": day(-215)}, status=200)).json()
    assert (decided["stage"], decided["allowed_steps"]) == ("assessing", ASSESSING_STEPS)
    assert limits(decided)[("decision-to-assess", None)]["state"] == "met-on-time"
    assert limits(decided)[("decision-to-assess", None)]["met_on"] == day(-215)
    read = (await api.get(path)).json()
    assert without_warning(read) == without_warning(decided), "the read is the step's answer, with the forecast"
    assert decided["early_warning"] is None and read["early_warning"] is not None
    assert read["early_warning"]["limit"] == "final-plan" and read["early_warning"]["due_on"] == day(-110)

    advice_request_id = str(uuid4())
    ask = {"advice_request_id": advice_request_id, "kind": "health", "advisor_organisation": "QHL"}
    asked = (await api.post(f"{path}/advice-requests", {**ask, "requested_on": day(-213)}, status=200)).json()
    [request] = asked["advice_requests"]
    assert request == {
        "advice_request_id": advice_request_id, "kind": "health", "advisor": "QHL", "requested_on": day(-213),
        "received_on": None,
    }  # fmt: skip
    advice = limits(asked)[("advice", advice_request_id)]
    assert (advice["provision"], advice["due_on"], advice["state"]) == ("reg 8(1)", day(-171), "overdue")
    assert await api.events("advice-requested") == 1, "health is asked through the lifecycle topic"

    received = f"{path}/advice-requests/{advice_request_id}/received"
    given = (await api.post(received, {"received_on": day(-180)}, status=200)).json()
    assert given["advice_requests"][0]["received_on"] == day(-180)
    assert limits(given)[("advice", advice_request_id)]["state"] == "met-on-time"

    drafted = (await api.post(f"{path}/draft-plan", {"on": day(-150)}, status=200)).json()
    assert drafted["stage"] == "draft-served" and drafted["plan_id"] is not None
    assert drafted["allowed_steps"] == ["receive-advice", "receive-representations", "issue-final-plan", *EXCEPTIONS]
    parent = limits(drafted)[("draft-representations", None)]
    assert (parent["provision"], parent["starts_on"]) == ("reg 13(1)(a)", day(-150))
    representations = {"received_on": day(-140), "particular_setting_requested": True}
    commented = (await api.post(f"{path}/representations", representations, status=200)).json()
    last = commented["history"][-1]
    assert (last["step"], last["on"], last["detail"]) == ("representations-received", day(-140), {"setting": "true"})

    issued = (await api.post(f"{path}/final-plan", {"issued_on": day(-130), "icb": "QHL"}, status=200)).json()
    assert (issued["stage"], issued["open"], issued["allowed_steps"]) == ("plan-issued", False, [])
    assert issued["plan_id"] == drafted["plan_id"]
    assert limits(issued)[("final-plan", None)]["state"] == "met-on-time"
    assert steps(issued) == [
        ("request-received", day(-250)), ("consideration-notified", day(-248)), ("decided", day(-215)),
        ("advice-requested", day(-213)), ("advice-received", day(-180)), ("draft-served", day(-150)),
        ("representations-received", day(-140)), ("final-plan-issued", day(-130)),
    ]  # fmt: skip
    closed = (await api.get(path)).json()
    assert closed == issued, "a closed assessment has no forecast: its read is the last step's answer"
    for name in ("assessment-requested", "assessment-consideration-notified", "assessment-decision-made",
                 "advice-received", "draft-plan-issued", "draft-plan-representations-received",
                 "final-plan-issued"):  # fmt: skip
        assert await api.events(name) == 1, name

    plan_path = f"/plans/{issued['plan_id']}"
    plan = (await api.get(plan_path)).json()
    assert (plan["person_id"], plan["assessment_id"], plan["issued_on"]) == (
        person_id,
        made["assessment_id"],
        day(-130),
    )
    assert (plan["stage"], plan["allowed_steps"], steps(plan)) == (
        "maintained",
        MAINTAINED_STEPS,
        [("plan-issued", day(-130))],
    )
    [review] = plan["limits"]
    assert (review["limit"], review["provision"], review["state"]) == ("review", "s44(1)", "on-track")
    assert review["starts_on"] == day(-130) and day(-130 + 364) <= review["due_on"] <= day(-130 + 365), "12 months"

    notice = {"notified_on": day(-60), "meeting_on": day(-30)}
    noticed_plan = (await api.post(f"{plan_path}/review-meeting-notice", notice, status=200)).json()
    assert (noticed_plan["stage"], noticed_plan["allowed_steps"]) == (
        "under-review",
        ["circulate-review-advice", "hold-review-meeting"],
    )
    assert noticed_plan["history"][-1]["detail"] == {"meeting_on": day(-30)}
    circulated = (await api.post(f"{plan_path}/review-advice-circulated", {"on": day(-45)}, status=200)).json()
    meeting = day(-30)
    assert limits(circulated)[("review-advice-circulated", meeting)]["state"] == "met-on-time"
    held = (await api.post(f"{plan_path}/review-meeting", {"on": meeting}, status=200)).json()
    assert held["allowed_steps"] == ["send-review-report", "decide-review"]
    report = limits(held)[("review-report", meeting)]
    assert (report["provision"], report["due_on"], report["state"]) == ("reg 20(7)", day(-16), "overdue")
    reported = (await api.post(f"{plan_path}/review-report", {"on": day(-20)}, status=200)).json()
    assert limits(reported)[("review-report", meeting)]["state"] == "met-on-time"
    kept = await api.post(f"{plan_path}/review-decision", {"decided_on": day(-10), "decision": "keep"}, status=200)
    reviewed = kept.json()
    assert (reviewed["stage"], reviewed["allowed_steps"]) == ("maintained", MAINTAINED_STEPS)
    decision_limit = limits(reviewed)[("review-decision", meeting)]
    assert (decision_limit["provision"], decision_limit["state"]) == ("reg 20(10)", "met-on-time")
    assert steps(reviewed) == [
        ("plan-issued", day(-130)), ("review-meeting-notified", day(-60)), ("review-advice-circulated", day(-45)),
        ("review-meeting-held", day(-30)), ("review-report-sent", day(-20)), ("review-decided", day(-10)),
    ]  # fmt: skip
    assert reviewed["history"][-1]["detail"] == {"decision": "keep"}
    assert (await api.get(plan_path)).json() == reviewed
    for name in ("review-meeting-notified", "review-advice-circulated", "review-held", "review-report-sent",
                 "review-decided"):  # fmt: skip
        assert await api.events(name) == 1, name


def refused(answer: httpx.Response, step: str, stage: str, allowed: list[str]) -> None:
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["type"] == "urn:pathfinder:problem:step-not-allowed"
    assert (problem["step"], problem["stage"], problem["allowed"]) == (step, stage, allowed)


async def test_a_step_out_of_turn_is_refused_naming_the_steps_allowed_now(api: Api) -> None:
    person_id = await api.child()
    made = await api.request(person_id, -40)
    path = f"/assessments/{made['assessment_id']}"
    final = await api.post(f"{path}/final-plan", {"issued_on": day(-1), "icb": "QHL"})
    refused(final, "issue-final-plan", "requested", REQUESTED_STEPS)
    refused(await api.post(f"{path}/draft-plan", {"on": day(-2)}), "serve-draft", "requested", REQUESTED_STEPS)
    notices = {"notified_on": day(-39), "notified": ["social-care"]}
    await api.post(f"{path}/consideration-notices", notices, status=200)
    again = await api.post(f"{path}/consideration-notices", notices)
    refused(again, "notify-consideration", "requested", ["decide", *EXCEPTIONS])
    await api.post(f"{path}/decision", {"decision": "assess", "decided_on": day(-10)}, status=200)
    again = await api.post(f"{path}/decision", {"decision": "not-assess", "decided_on": day(-9)})
    refused(again, "decide", "assessing", ASSESSING_STEPS)
    final = await api.post(f"{path}/final-plan", {"issued_on": day(-1), "icb": "QHL"})
    refused(final, "issue-final-plan", "assessing", ASSESSING_STEPS)
    second = await api.post("/assessments", {"person_id": person_id, "requested_by": "parent", "received_on": day(-1)})
    assert second.status_code == 409, "one open assessment per child"
    assert second.json()["step"] == "request" and made["assessment_id"] in second.json()["stage"]
    after = (await api.get(path)).json()
    assert (after["stage"], [step for step, _ in steps(after)]) == (
        "assessing",
        ["request-received", "consideration-notified", "decided"],
    )
    assert await api.events("assessment-decision-made") == 1, "a refused step raises nothing"


async def test_a_repeated_command_is_answered_as_the_first_time_and_applied_once(api: Api) -> None:
    person_id = await api.child()
    body = {"person_id": person_id, "requested_by": "parent", "received_on": day(-20)}
    keyed = {**api.manager, "Idempotency-Key": "request-0001"}
    first = await api.post("/assessments", body, keyed, status=201)
    again = await api.post("/assessments", body, keyed, status=201)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert await api.events("assessment-requested") == 1
    assert len((await api.get("/open-cases")).json()["cases"]) == 1

    path = f"/assessments/{first.json()['assessment_id']}/decision"
    decision = {"decision": "assess", "decided_on": day(-5)}
    by_request_id = {**api.manager, "X-Request-ID": "8b1f0c52-decide"}
    decided = await api.post(path, decision, by_request_id, status=200)
    replayed = await api.post(path, decision, by_request_id, status=200)
    assert "Idempotent-Replayed" not in decided.headers
    assert (replayed.headers["Idempotent-Replayed"], replayed.json()) == ("true", decided.json())
    assert await api.events("assessment-decision-made") == 1
    assert [step for step, _ in steps((await api.get(path.removesuffix("/decision"))).json())] == [
        "request-received",
        "decided",
    ]

    for reused in (
        await api.post("/assessments", {**body, "received_on": day(-19)}, keyed),
        await api.post(path, {**decision, "decided_on": day(-4)}, by_request_id),
    ):
        assert reused.status_code == 422, reused.text
        assert reused.headers["content-type"] == PROBLEM
        assert reused.json()["type"] == "urn:pathfinder:problem:idempotency-key-reused"
    assert await api.events("assessment-requested") == 1
    assert await api.events("assessment-decision-made") == 1


def invalid(answer: httpx.Response, *not_echoed: str) -> dict:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == PROBLEM
    for value in not_echoed:
        assert value not in answer.text, f"{value!r} is echoed"
    problem: dict = answer.json()
    return problem


async def test_facts_that_do_not_hold_are_refused_without_echoing_what_was_sent(api: Api) -> None:
    made = await api.request(await api.child(), -20)
    path = f"/assessments/{made['assessment_id']}"
    early = invalid(await api.post(f"{path}/decision", {"decision": "assess", "decided_on": day(-21)}))
    assert early["type"] == "urn:pathfinder:problem:invalid-step"

    exception = {
        "ground": "abducted-by-aliens-zq7", "legal_basis": "reg 10(4)(a)", "starts_on": day(-10),
        "disapplies": ["final-plan"],
    }  # fmt: skip
    unknown = invalid(await api.post(f"{path}/exceptions", exception), "abducted-by-aliens-zq7")
    assert [error["location"] for error in unknown["errors"]] == ["body.ground"]

    extra = {"decision": "assess", "decided_on": day(-5), "child_name": "Millie Quaverson"}
    surplus = invalid(await api.post(f"{path}/decision", extra), "Millie Quaverson")
    assert [error["location"] for error in surplus["errors"]] == ["body.child_name"]
    request = {"person_id": await api.child(), "requested_by": "parent", "received_on": day(-1), "nhs": "9434765919"}
    invalid(await api.post("/assessments", request), "9434765919")
    future = {"person_id": request["person_id"], "requested_by": "parent", "received_on": day(3)}
    assert invalid(await api.post("/assessments", future))["type"] == "urn:pathfinder:problem:invalid-step"
    not_on_the_case = {**future, "received_on": day(-1), "early_years_notification_id": str(uuid4())}
    assert invalid(await api.post("/assessments", not_on_the_case))["type"] == "urn:pathfinder:problem:invalid-step"

    unchanged = (await api.get(path)).json()
    assert (unchanged["stage"], steps(unchanged)) == ("requested", [("request-received", day(-20))])
    assert await api.events("assessment-requested") == 1


async def test_another_las_cases_are_answered_exactly_as_missing_ones(api: Api) -> None:
    issued = await api.to_plan(-200)
    assessment, plan = f"/assessments/{issued['assessment_id']}", f"/plans/{issued['plan_id']}"
    nowhere_assessment, nowhere_plan = f"/assessments/{uuid4()}", f"/plans/{uuid4()}"
    before = await api.events("review-meeting-notified"), await api.events("assessment-decision-made")
    notice = {"notified_on": day(-5), "meeting_on": day(20)}
    decision = {"decision": "assess", "decided_on": day(-5)}
    for theirs, missing in (
        (api.get(assessment, api.other_la), api.get(nowhere_assessment, api.other_la)),
        (api.get(plan, api.other_la), api.get(nowhere_plan, api.other_la)),
        (
            api.post(f"{assessment}/decision", decision, api.other_la),
            api.post(f"{nowhere_assessment}/decision", decision, api.other_la),
        ),
        (
            api.post(f"{plan}/review-meeting-notice", notice, api.other_la),
            api.post(f"{nowhere_plan}/review-meeting-notice", notice, api.other_la),
        ),
    ):
        answer, twin = await theirs, await missing
        assert answer.status_code == 404, answer.text
        assert (answer.headers["content-type"], answer.json()) == (twin.headers["content-type"], twin.json())
    assert (await api.events("review-meeting-notified"), await api.events("assessment-decision-made")) == before

    child = await api.child()
    request = {"requested_by": "parent", "received_on": day(-1)}
    for_841s_child = await api.post("/assessments", {**request, "person_id": child}, api.other_la)
    for_nobody = await api.post("/assessments", {**request, "person_id": str(uuid4())}, api.other_la)
    assert for_841s_child.status_code == 404, for_841s_child.text
    assert for_841s_child.json() == for_nobody.json()

    for path, body in (("/assessments", {**request, "person_id": child}), (f"{plan}/review-meeting-notice", notice)):
        forbidden = await api.post(path, body, api.reader)
        assert forbidden.status_code == 403, forbidden.text
        assert forbidden.headers["content-type"] == PROBLEM
    assert (await api.get(plan, api.reader)).status_code == 200, "reading needs cases:read only"
    assert await api.events("assessment-requested") == 1


async def test_the_worklist_is_the_las_open_cases_soonest_due_first_paged_without_gaps(api: Api) -> None:
    requested = [(await api.request(await api.child(), -offset))["assessment_id"] for offset in (3, 10, 25, 50)]
    assessing = [(await api.to_assessing(-offset))["assessment_id"] for offset in (40, 60, 90)]
    issued = [await api.to_plan(-offset) for offset in (100, 150)]
    plans = [one["plan_id"] for one in issued]
    closed = [one["assessment_id"] for one in issued]
    theirs = (await api.request(await api.child("805"), -5, headers=api.other_la))["assessment_id"]

    everything = (await api.get("/open-cases", api.reader)).json()
    assert everything["next"] is None
    cases = everything["cases"]
    assert {one["case_id"] for one in cases} == {*requested, *assessing, *plans}
    assert not {*closed, theirs} & {one["case_id"] for one in cases}
    due = [date.fromisoformat(one["next_due_on"]) if one["next_due_on"] else date.max for one in cases]
    assert due == sorted(due), "soonest due first"
    assert {one["case_kind"] for one in cases if one["case_id"] in plans} == {"plan"}
    [newest] = [one for one in cases if one["case_id"] == requested[0]]
    assert (newest["stage"], newest["opened_on"], newest["case_kind"]) == ("requested", day(-3), "assessment")

    for stage, expected in (("assessing", assessing), ("maintained", plans), ("requested", requested)):
        found = (await api.get("/open-cases", api.reader, stage=stage)).json()["cases"]
        assert sorted(one["case_id"] for one in found) == sorted(expected), stage
    both = (await api.get("/open-cases", api.reader, stage=["requested", "maintained"])).json()["cases"]
    assert {one["case_id"] for one in both} == {*requested, *plans}

    middle = sorted({one["next_due_on"] for one in cases if one["next_due_on"]})
    cut = middle[len(middle) // 2]
    soon = (await api.get("/open-cases", api.reader, due_on_or_before=cut)).json()["cases"]
    late = (await api.get("/open-cases", api.reader, due_on_or_after=cut)).json()["cases"]
    assert 0 < len(soon) < len(cases) and 0 < len(late) < len(cases)
    assert [one["case_id"] for one in soon] == [
        one["case_id"] for one in cases if one["next_due_on"] and one["next_due_on"] <= cut
    ]
    assert [one["case_id"] for one in late] == [
        one["case_id"] for one in cases if one["next_due_on"] and one["next_due_on"] >= cut
    ]

    paged: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} if after is None else {"limit": 2, "after": after}
        page = (await api.get("/open-cases", api.reader, **params)).json()
        pages += 1
        assert len(page["cases"]) <= 2
        paged += [one["case_id"] for one in page["cases"]]
        after = page["next"]
        if after is None:
            break
    assert paged == [one["case_id"] for one in cases], "every case once, in order"
    assert pages >= 4

    wrong = await api.get("/open-cases", api.reader, after="not-a-cursor")
    assert wrong.status_code == 422, wrong.text
    assert wrong.headers["content-type"] == PROBLEM
    others = (await api.get("/open-cases", api.other_la)).json()["cases"]
    assert [one["case_id"] for one in others] == [theirs]
    assert (await api.get("/open-cases", api.other_la, la="841")).status_code == 403
