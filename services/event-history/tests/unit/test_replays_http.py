"""Replays, dead letters, lag and the archive's end over HTTP, on the fakes: what each route answers (the JSON the
``pathfinder`` command reads), and each refusal as problem+json with its status."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
from event_history_kit.builders import DECIDED, LIFECYCLE, REQUESTED, T0, dead_letter_of, engineer, kept, la_engineer
from event_history_kit.in_process import INTAKE, Api, InMemoryHistory
from pathfinder.event_history.domain.archived_event import archived
from pathfinder.web.problems import PROBLEM_JSON

SUBSCRIPTION = str(uuid4())
PLAN_FIELDS = {"events", "last_position", "first_record_time", "last_record_time", "target", "partitions", "by_type",
               "by_la"}  # fmt: skip
REPLAY_FIELDS = {
    "replay_id", "status", "target", "target_kind", "slice", "rate", "total", "sent", "cursor", "last_position",
    "requested_by", "organisation", "reason", "started_at", "updated_at", "finished_at", "events_per_second",
    "offsets",
}  # fmt: skip
DEAD_LETTER_FIELDS = {"position", "group", "original_topic", "event_id", "type", "reason", "error", "attempts",
                      "failed_at", "la_code", "person_id", "redriven_at", "redriven_by"}  # fmt: skip


@pytest.fixture
async def api() -> AsyncIterator[tuple[Api, InMemoryHistory]]:
    """Positions 1-6: events of LA 841 and 805 in turn; 7-8: dead letters of the first two (841's, then 805's)."""
    history = InMemoryHistory(known_groups={INTAKE: [LIFECYCLE]})
    events = [kept(la="841" if n % 2 == 0 else "805", at=T0 + timedelta(minutes=n), offset=n,
                   event_type=DECIDED if n < 2 else REQUESTED) for n in range(6)]  # fmt: skip
    letters = [archived(dead_letter_of(one, offset=n), fallback_id=uuid4(), problem=None)
               for n, one in enumerate(events[:2])]  # fmt: skip
    await history.archive(*events, *letters)
    transport = httpx.ASGITransport(app=history.app())
    async with httpx.AsyncClient(transport=transport, base_url="http://event-history") as http:
        yield Api(http, history.mint), history


async def test_a_replay_is_dry_run_started_followed_and_changed(api: tuple[Api, InMemoryHistory]) -> None:
    client, history = api
    body = {"slice": {"type": [REQUESTED], "la": "841"}, "target": {"kind": "topic", "topic": "replayed"}, "rate": 1}
    plan = await client.post("/replays/dry-run", engineer(), body)
    assert plan.status_code == 200, plan.text
    assert set(plan.json()) == PLAN_FIELDS
    assert plan.json()["events"] == 2 and plan.json()["target"] == "topic replayed"
    assert plan.json()["partitions"] == [{"topic": LIFECYCLE, "partition": 0, "events": 2, "offset": None}]
    assert (plan.json()["by_type"], plan.json()["by_la"]) == ({REQUESTED: 2}, {"841": 2})
    assert history.store.replays == {}
    started = await client.post("/replays", engineer(), body)
    assert started.status_code == 201, started.text
    replay = started.json()
    assert set(replay) == REPLAY_FIELDS
    assert (replay["status"], replay["total"], replay["sent"], replay["target_kind"]) == ("running", 2, 0, "topic")
    assert replay["slice"] == {"event_types": [REQUESTED], "la": "841"} and replay["reason"] == "INC-1: checking"
    await history.step()
    shown = (await client.get(f"/replays/{replay['replay_id']}", engineer())).json()
    assert (shown["sent"], shown["cursor"]) == (1, 3)
    paused = await client.post(f"/replays/{replay['replay_id']}/pause", engineer())
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    assert (await client.post(f"/replays/{replay['replay_id']}/resume", engineer())).json()["status"] == "running"
    assert [await history.step(), await history.step()] == [1, 0], "an empty batch past the last event ends it"
    done = (await client.get(f"/replays/{replay['replay_id']}", engineer())).json()
    assert (done["status"], done["sent"]) == ("done", 2) and done["finished_at"] is not None
    cancel = await client.post(f"/replays/{replay['replay_id']}/cancel", engineer())
    assert cancel.status_code == 422 and cancel.json()["detail"] == "The replay is done: there is nothing to cancel."
    listed = (await client.get("/replays", engineer())).json()["replays"]
    assert [one["replay_id"] for one in listed] == [replay["replay_id"]]
    assert [event.position for event in history.sender.sent()] == [3, 5]


async def test_a_rewound_consumer_group_and_a_group_in_use(api: tuple[Api, InMemoryHistory]) -> None:
    client, history = api
    history.groups.logs[(LIFECYCLE, 0)] = [T0 + timedelta(minutes=n) for n in range(6)]
    body = {"slice": {"since": (T0 + timedelta(minutes=4)).isoformat(), "topic": LIFECYCLE},
            "target": {"kind": "consumer-group", "group": INTAKE}, "rate": 100}  # fmt: skip
    plan = (await client.post("/replays/dry-run", engineer(), body)).json()
    assert plan["partitions"] == [{"topic": LIFECYCLE, "partition": 0, "events": 2, "offset": 4}]
    history.groups.members.add(INTAKE)
    busy = await client.post("/replays", engineer(), body)
    assert busy.status_code == 409 and busy.headers["content-type"] == PROBLEM_JSON
    assert "live members" in busy.json()["detail"]
    history.groups.members.clear()
    rewound = await client.post("/replays", engineer(), body)
    assert rewound.status_code == 201 and rewound.json()["status"] == "done"
    assert rewound.json()["offsets"] == [{"topic": LIFECYCLE, "partition": 0, "offset": 4}]


@pytest.mark.parametrize(
    ("who", "body", "status", "says"),
    [
        (la_engineer("841"), {"target": {"kind": "topic"}}, 403, "to one of its subscriptions only"),
        (la_engineer("841"), {"slice": {"la": "805"}, "target": {"kind": "subscription",
                                                                 "subscription_id": SUBSCRIPTION}}, 403, "LA 805's"),
        (engineer(), {"slice": {"since": T0.isoformat(), "la": "841"}, "target": {"kind": "consumer-group",
                                                                                  "group": INTAKE}}, 422,
         "replay it to a topic or a subscription instead"),
        (engineer(), {"slice": {"since": "yesterday"}, "target": {"kind": "topic"}}, 422, "RFC 3339"),
        (engineer(), {"target": {"kind": "topic"}, "rate": 0}, 422, "between 1 and 200,000"),
        (engineer(), {"target": {"kind": "subscription"}, "slice": {"la": "841"}}, 422, "names the subscription"),
    ],
)  # fmt: skip
async def test_a_replay_refused_says_why(
    api: tuple[Api, InMemoryHistory], who: object, body: dict[str, object], status: int, says: str
) -> None:
    client, history = api
    refused = await client.post("/replays", who, body)  # type: ignore[arg-type]
    assert refused.status_code == status and refused.headers["content-type"] == PROBLEM_JSON
    assert says in refused.json()["detail"]
    assert history.store.replays == {} and history.store.audit[-1].action == "replays.start"
    assert history.store.audit[-1].outcome != "allowed"


async def test_a_misspelt_filter_is_refused_rather_than_widening_the_replay(api: tuple[Api, InMemoryHistory]) -> None:
    client, history = api
    refused = await client.post("/replays", engineer(), {"slice": {"types": [REQUESTED]}, "target": {"kind": "topic"}})
    assert refused.status_code == 422 and history.store.replays == {}
    unreasoned = await client.post("/replays/dry-run", engineer(), {"target": {"kind": "topic"}}, reason=None)
    assert unreasoned.status_code == 400 and "Pathfinder-Reason" in unreasoned.json()["detail"]


async def test_another_organisations_replay_is_not_found(api: tuple[Api, InMemoryHistory]) -> None:
    client, _history = api
    body = {"target": {"kind": "subscription", "subscription_id": SUBSCRIPTION}}
    theirs = (await client.post("/replays", la_engineer("805"), body)).json()
    for path in (f"/replays/{theirs['replay_id']}", f"/replays/{uuid4()}", "/replays/nonsense"):
        missing = await client.get(path, la_engineer("841"))
        assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM_JSON
        assert missing.json()["detail"] == "No replay with that id was asked for by your organisation."
    assert (await client.post(f"/replays/{theirs['replay_id']}/cancel", la_engineer("841"))).status_code == 404
    assert (await client.get("/replays", la_engineer("841"))).json() == {"replays": []}


async def test_dead_letters_are_listed_shown_and_redriven_once(api: tuple[Api, InMemoryHistory]) -> None:
    client, history = api
    page = await client.get("/dead-letters", engineer(), group=INTAKE, limit="1")
    assert page.status_code == 200, page.text
    [first] = page.json()["dead_letters"]
    assert set(first) == DEAD_LETTER_FIELDS and page.json()["next"] == 7
    assert (first["group"], first["original_topic"], first["type"], first["attempts"]) == (
        INTAKE, LIFECYCLE, DECIDED, 5
    )  # fmt: skip
    assert (first["reason"], first["error"], first["redriven_at"]) == ("handler-failed", "RuntimeError: boom", None)
    assert [one["position"] for one in (await client.get("/dead-letters", la_engineer("841"))).json()[
        "dead_letters"]] == [7]  # fmt: skip
    shown = (await client.get("/dead-letters/7", engineer())).json()
    assert shown["headers"]["pathfinder_dlt_consumer_group"] == INTAKE and shown["data"] == {"step": 1}
    assert (await client.get("/dead-letters/8", la_engineer("841"))).status_code == 404
    dry = await client.post("/dead-letters/redrive", engineer(), {"filter": {"group": INTAKE}, "dry_run": True})
    assert [one["position"] for one in dry.json()["redriven"]] == [7, 8] and history.sender.redriven == []
    done = await client.post("/dead-letters/redrive", engineer(), {"positions": [7, 3]})
    assert done.status_code == 200, done.text
    assert done.json()["redriven"] == [{"position": 7, "group": INTAKE, "type": DECIDED,
                                        "event_id": first["event_id"]}]  # fmt: skip
    assert done.json()["skipped"] == [{"position": 3, "why": "no such dead letter here"}]
    again = (await client.post("/dead-letters/redrive", engineer(), {"positions": [7]})).json()
    assert again["redriven"] == [] and "already redriven" in again["skipped"][0]["why"]
    assert [one.position for one in history.sender.redriven] == [7]
    after = (await client.get("/dead-letters/7", engineer())).json()
    assert after["redriven_at"] is not None and after["redriven_by"].startswith("client-")
    assert after["redrive_reason"] == "INC-1: checking"
    neither = await client.post("/dead-letters/redrive", engineer(), {"dry_run": True})
    assert neither.status_code == 422 and "their positions, or a filter" in neither.json()["detail"]


async def test_lag_and_the_archives_end(api: tuple[Api, InMemoryHistory]) -> None:
    client, history = api
    history.groups.logs[(LIFECYCLE, 0)] = [T0] * 6
    history.groups.committed[(INTAKE, LIFECYCLE, 0)] = 4
    lag = await client.get("/lag", engineer())
    assert lag.status_code == 200, lag.text
    assert lag.json() == {"partitions": [{"group": INTAKE, "topic": LIFECYCLE, "partition": 0, "committed": 4,
                                          "end": 6, "lag": 2}]}  # fmt: skip
    assert (await client.get("/lag", engineer(), group=INTAKE)).json() == lag.json()
    assert (await client.get("/lag", la_engineer("841"))).status_code == 403
    assert (await client.get("/lag", engineer(), group="nobody")).status_code == 422
    end = await client.get("/archive/end", la_engineer("841"))
    assert end.status_code == 200 and end.json() == {"position": 8}
    audit = (await client.get("/audit", engineer())).json()["entries"]
    assert [(one["action"], one["outcome"]) for one in audit] == [
        ("lag.read", "allowed"), ("lag.read", "allowed"), ("lag.read", "refused: not allowed"),
        ("lag.read", "refused: invalid"), ("archive.end", "allowed"),
    ]  # fmt: skip
