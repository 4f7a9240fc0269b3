"""The event history's HTTP API on PostgreSQL: finding events by person, correlation id, type, LA and time, a page
at a time with no gap or repeat; showing one with its headers and its place in its child's history; an LA's client
seeing its own LA's events only; a call without a reason refused; and every call, refusals included, audited."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from event_history_kit.builders import DECIDED, LIFECYCLE, REQUESTED, T0, dead_letter_of, engineer, kept, la_engineer
from event_history_kit.service import Api, api_of, archive_service
from pathfinder.auth import OrganisationRole, Scope
from pathfinder.auth.testing import principal, token_mint
from pathfinder.event_history.domain.archived_event import ArchivedEvent, archived

PROBLEM = "application/problem+json"
WHY = "INC-1: checking"
PERSON = UUID("6f0f3c4e-0000-4000-8000-000000000841")


@pytest.fixture
async def api(fresh_database: Callable[[str], Awaitable[str]]) -> AsyncIterator[tuple[Api, list[ArchivedEvent]]]:
    mint = token_mint()
    service = await archive_service(await fresh_database("event_history_http"), mint=mint)
    events = [
        kept(person=PERSON if n % 2 == 0 else None, la="841" if n % 3 else "805", correlation=f"corr-{n % 5}",
             event_type=REQUESTED if n % 4 else DECIDED, at=T0 + timedelta(minutes=n), offset=n)
        for n in range(30)
    ]  # fmt: skip
    letter = archived(dead_letter_of(events[4]), fallback_id=uuid4(), problem=None)
    async with service.unit_of_work() as uow:
        await uow.archive.add([*events, letter])
        await uow.commit()
    try:
        async with api_of(service, mint) as client:
            yield client, events
    finally:
        await service.engine.dispose()


async def every_page(api: Api, who: Any, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        answer = await api.get("/events", who, **params, **({"after": after} if after else {}))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found += body["events"]
        after = body["next"]
        if after is None:
            return found


def ids(events: list[Any]) -> list[str]:
    return [str(event["event_id"] if isinstance(event, dict) else event.event_id) for event in events]


async def test_events_are_found_by_each_attribute_a_page_at_a_time(api: tuple[Api, list[ArchivedEvent]]) -> None:
    client, events = api
    by_person = await every_page(client, engineer(), person=str(PERSON), limit=4)
    assert ids(by_person) == [*ids([one for one in events if one.person_id == PERSON]), str(events[4].event_id)]
    assert by_person[-1]["topic"] == "ehcp.early-years-intake.dead-letter"
    assert ids(await every_page(client, engineer(), correlation_id="corr-2", limit=1)) == ids(events[2::5])
    decided = await every_page(client, engineer(), type=DECIDED, topic=LIFECYCLE, limit=3)
    assert ids(decided) == ids(events[0::4])
    assert ids(await every_page(client, engineer(), la="805", limit=7)) == ids(events[0::3])
    window = {"since": (T0 + timedelta(minutes=10)).isoformat(), "until": (T0 + timedelta(minutes=20)).isoformat()}
    assert ids(await every_page(client, engineer(), limit=3, **window)) == ids(events[10:20])
    both = await every_page(client, engineer(), type=[REQUESTED, DECIDED], la="841", limit=1000)
    assert len(both) == 21  # 20 of 841's events and the dead letter of one of them
    first = (await client.get("/events", engineer(), limit=2)).json()
    assert set(first["events"][0]) == {"position", "event_id", "topic", "partition", "offset", "type", "occurred_at",
                                       "record_time", "la_code", "person_id", "correlation_id"}  # fmt: skip
    assert first["next"] == first["events"][1]["position"]


async def test_one_event_is_shown_with_its_headers_data_and_place_in_its_childs_history(
    api: tuple[Api, list[ArchivedEvent]],
) -> None:
    client, events = api
    answer = await client.get(f"/events/{events[10].event_id}", engineer())
    assert answer.status_code == 200, answer.text
    shown = answer.json()
    assert (shown["topic"], shown["type"], shown["la_code"]) == (LIFECYCLE, REQUESTED, "841")
    assert shown["headers"]["ce_id"] == str(events[10].event_id) and shown["headers"]["ce_lacode"] == "841"
    assert shown["data"] == {"step": 1} and shown["value_base64"] is None and shown["problem"] is None
    history = shown["history"]
    assert (history["person_id"], history["index"], history["of"]) == (str(PERSON), 6, 15)
    assert ids(history["before"]) == ids(events[0:10:2]) and ids(history["after"]) == ids(events[12:22:2])
    # The id is on its platform topic and in a dead-letter topic: the platform topic's copy unless asked.
    plain = (await client.get(f"/events/{events[4].event_id}", engineer())).json()
    assert plain["topic"] == LIFECYCLE and plain["also_on"] == ["ehcp.early-years-intake.dead-letter"]
    letter = (await client.get(f"/events/{events[4].event_id}", engineer(), topic=plain["also_on"][0])).json()
    assert letter["headers"]["pathfinder_dlt_reason"] == "handler-failed"
    assert letter["history"]["index"] == plain["history"]["index"] == 3
    assert shown["history"]["of"] == letter["history"]["of"], "a dead letter is not counted in the history"


async def test_an_la_sees_its_own_las_events_only(api: tuple[Api, list[ArchivedEvent]]) -> None:
    client, events = api
    mine = await every_page(client, la_engineer("841"), limit=50)
    assert {event["la_code"] for event in mine} == {"841"} and len(mine) == 21
    refused = await client.get("/events", la_engineer("841"), la="805")
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    assert refused.json()["detail"] == (
        "An LA reads only its own LA's events: this token is LA 841's and the slice asks for LA 805's."
    )
    theirs = await client.get(f"/events/{events[0].event_id}", la_engineer("841"))
    missing = await client.get(f"/events/{uuid4()}", la_engineer("841"))
    assert theirs.status_code == missing.status_code == 404 and theirs.json() == missing.json()
    history = (await client.get(f"/events/{events[10].event_id}", la_engineer("841"))).json()["history"]
    assert {one["la_code"] for one in history["before"] + history["after"]} == {"841"}
    assert (history["index"], history["of"]) == (4, 10), "805's events of the child are not counted for 841"
    nobody = principal(OrganisationRole.NHS_TRUST, "RH8", Scope.ADVICE_READ)
    assert (await client.get("/events", nobody)).status_code == 403


async def test_a_call_without_a_reason_is_refused_and_every_call_is_audited(
    api: tuple[Api, list[ArchivedEvent]],
) -> None:
    client, events = api
    caller = engineer()
    unreasoned = await client.get("/events", caller, reason=None, person=str(PERSON))
    assert unreasoned.status_code == 400 and unreasoned.headers["content-type"] == PROBLEM
    assert "Pathfinder-Reason" in unreasoned.json()["detail"]
    assert (await client.get("/events", caller, reason="x" * 501)).status_code == 400
    assert (await client.get("/events", caller, limit="1001")).status_code == 422
    assert (await client.get(f"/events/{events[0].event_id}", la_engineer("841"))).status_code == 404
    assert (await client.get("/events", la_engineer("805"), la="841")).status_code == 403
    assert (await client.get("/events", caller, reason="INC-7", la="841", limit=2)).status_code == 200
    anonymous = await client.http.get("/events", headers={"Pathfinder-Reason": "curious"})
    assert anonymous.status_code == 401, "no token: nobody to audit"
    assert (await client.get("/audit", la_engineer("841"))).status_code == 403
    audit = await client.get("/audit", caller, reason="INC-8: who read 841's events?")
    assert audit.status_code == 200, audit.text
    entries = [(one["organisation"], one["action"], one["outcome"], one["reason"], one["slice"])
               for one in audit.json()["entries"]]  # fmt: skip
    assert entries == [
        ("pathfinder", "events.find", "refused: no reason", None, {"person": str(PERSON)}),
        ("pathfinder", "events.find", "refused: no reason", "x" * 500, {}),
        ("pathfinder", "events.find", "refused: invalid", WHY, {"limit": "1001"}),
        ("841", "events.show", "withheld: another LA's event", WHY, {"event_id": str(events[0].event_id)}),
        ("805", "events.find", "refused: another LA's events", WHY, {"la": "841"}),
        ("pathfinder", "events.find", "allowed", "INC-7", {"la": "841", "after": None, "limit": 2}),
        ("841", "audit.read", "refused: not allowed", WHY, {}),
    ]
    assert all(one["subject"] for one in audit.json()["entries"])
    again = (await client.get("/audit", caller, limit="100")).json()["entries"]
    assert again[-1]["action"] == "audit.read" and again[-1]["outcome"] == "allowed", "reading the audit is audited"
