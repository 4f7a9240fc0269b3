"""The ``pathfinder`` command against the event history's API served in-process on the fakes (its HTTP client given
the app as its transport), the replay worker stepping beside the API: tables for people, JSON for scripts, a dry
run first, a replay followed to done, and a refusal ending the command with the service's words and code 2."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
from event_history_kit.builders import LIFECYCLE, T0, dead_letter_of, engineer, kept, la_engineer
from event_history_kit.in_process import INTAKE, InMemoryHistory, WorkerBeside
from pathfinder.auth import Principal
from pathfinder.event_history.console import app, replays
from pathfinder.event_history.domain.archived_event import ArchivedEvent, archived
from pathfinder.event_history.domain.replay import ReplayStatus
from typer.testing import CliRunner, Result

PERSON = uuid4()


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replays, "POLL_SECONDS", 0.01)


def history_with_events() -> tuple[InMemoryHistory, list[ArchivedEvent]]:
    """Positions 1-5: LA 841's, 805's, 841's... events of one child; 6: the dead letter of the first."""
    history = InMemoryHistory(known_groups={INTAKE: [LIFECYCLE]})
    events = [kept(la="841" if n % 2 == 0 else "805", at=T0 + timedelta(minutes=n), offset=n, person=PERSON)
              for n in range(5)]  # fmt: skip
    letter = archived(dead_letter_of(events[0]), fallback_id=uuid4(), problem=None)
    asyncio.run(history.archive(*events, letter))
    return history, events


def pathfinder(transport: WorkerBeside, who: Principal, *args: str, reason: str = "INC-9: 841 missed a day") -> Result:
    environment = {"PATHFINDER_TOKEN": transport.history.mint.token_for(who), "PATHFINDER_REASON": reason,
                   "PATHFINDER_CLIENT_ID": "", "PATHFINDER_KEY_FILE": "", "COLUMNS": "250"}  # fmt: skip
    return CliRunner().invoke(app, list(args), env=environment, obj=transport)


def said(text: str) -> str:
    return " ".join(text.split())


def test_find_prints_a_table_and_json_for_scripts() -> None:
    history, events = history_with_events()
    transport = WorkerBeside(history)
    found = pathfinder(transport, engineer(), "find", "--la", "841")
    assert found.exit_code == 0, found.output
    assert "4 event(s)" in found.stdout, "841's three events and the dead letter of one"
    assert all(str(one.event_id) in found.stdout for one in events[0::2])
    assert not any(str(one.event_id) in found.stdout for one in events[1::2])
    as_json = pathfinder(transport, engineer(), "--json", "find", "--person", str(PERSON), "--limit", "3")
    assert as_json.exit_code == 0, as_json.output
    assert [one["position"] for one in json.loads(as_json.stdout)] == [1, 2, 3]
    pages = [request.url.params.get("limit") for request in transport.requests]
    assert pages[-1] == "3" and all(request.headers["Pathfinder-Reason"] for request in transport.requests)


def test_show_places_an_event_in_its_childs_history() -> None:
    history, events = history_with_events()
    shown = pathfinder(WorkerBeside(history), la_engineer("841"), "show", str(events[2].event_id))
    assert shown.exit_code == 0, shown.output
    assert f"person {PERSON}: event 2 of 3" in shown.stdout, "841 sees the child's 3 events of its own"


def test_a_dry_run_prints_the_plan_and_sends_nothing() -> None:
    history, _events = history_with_events()
    transport = WorkerBeside(history)
    dry = pathfinder(transport, engineer(), "replay", "--la", "841", "--to-topic", "same", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.stdout and "each event's own topic" in dry.stdout and "by la" in dry.stdout
    # 841's three events; its dead letter goes back by redrive, never by replay
    assert said(dry.stdout).count("841") >= 1 and "│ events │ 3" in said(dry.stdout).replace("  ", " ")
    assert [request.url.path for request in transport.requests] == ["/replays/dry-run"]
    assert history.store.replays == {} and history.sender.batches == []
    history.groups.logs[(LIFECYCLE, 0)] = [T0 - timedelta(minutes=1), T0, T0 + timedelta(minutes=1)]
    plan = pathfinder(transport, engineer(), "--json", "replay", "--to-group", INTAKE, "--since", T0.isoformat(),
                      "--topic", LIFECYCLE, "--dry-run")  # fmt: skip
    answer = json.loads(plan.stdout)  # what the group would read again, counted on the broker
    assert answer["partitions"] == [{"topic": LIFECYCLE, "partition": 0, "events": 2, "offset": 1}]
    assert answer["events"] == 2


def test_a_replay_is_started_and_followed_to_done() -> None:
    history, events = history_with_events()
    transport = WorkerBeside(history)
    replay = pathfinder(transport, engineer(), "replay", "--la", "841", "--type", events[0].event_type,
                        "--topic", LIFECYCLE, "--to-topic", "replayed", "--rate", "2", "--yes")  # fmt: skip
    assert replay.exit_code == 0, replay.output
    [(replay_id, started)] = history.store.replays.items()
    assert said(replay.stdout).endswith(f"replay {replay_id}: done, 3 of 3 sent")
    assert started.status is ReplayStatus.DONE and started.reason == "INC-9: 841 missed a day"
    assert [one.position for one in history.sender.sent(replay_id)] == [1, 3, 5]
    assert [len(events) for _id, _target, events in history.sender.batches] == [2, 1], "at most the rate a batch"
    listed = pathfinder(transport, engineer(), "--json", "replays", "list")
    assert [one["status"] for one in json.loads(listed.stdout)["replays"]] == ["done"]


def test_a_refusal_ends_the_command_with_the_services_words_and_code_2() -> None:
    history, _events = history_with_events()
    refused = pathfinder(WorkerBeside(history), la_engineer("841"), "replay", "--to-topic", "same", "--yes")
    assert refused.exit_code == 2
    assert "refused: 403 Forbidden: An LA replays its own events to one of its subscriptions only" in said(
        refused.stderr
    )
    assert history.store.replays == {} and history.store.audit[-1].outcome == "refused: not allowed"
    lag = pathfinder(WorkerBeside(history), la_engineer("841"), "lag")
    assert lag.exit_code == 2 and "needs events:engineer" in said(lag.stderr)


def test_a_command_without_a_reason_is_refused_before_any_call() -> None:
    history, _events = history_with_events()
    transport = WorkerBeside(history)
    refused = pathfinder(transport, engineer(), "find", reason="  ")
    assert refused.exit_code == 2 and "Say why" in said(refused.stderr)
    assert transport.requests == [] and history.store.audit == []


def test_dead_letters_are_listed_and_redriven_and_lag_is_shown() -> None:
    history, events = history_with_events()
    history.groups.logs[(LIFECYCLE, 0)] = [T0] * 5
    transport = WorkerBeside(history)
    listed = pathfinder(transport, engineer(), "dead-letters", "list", "--group", INTAKE)
    assert listed.exit_code == 0, listed.output
    assert "handler-failed" in listed.stdout and "RuntimeError: boom" in listed.stdout
    redriven = pathfinder(transport, engineer(), "--json", "dead-letters", "redrive", "6")
    assert json.loads(redriven.stdout)["redriven"] == [
        {"position": 6, "group": INTAKE, "type": events[0].event_type, "event_id": str(events[0].event_id)}
    ]
    again = pathfinder(transport, engineer(), "dead-letters", "redrive", "--all", "--group", INTAKE)
    assert again.exit_code == 0 and "already redriven" in said(again.stdout)
    assert [one.position for one in history.sender.redriven] == [6]
    lag = pathfinder(transport, engineer(), "--json", "lag")
    assert json.loads(lag.stdout)["partitions"][0]["lag"] == 5


class ArrivingWhileTailed(WorkerBeside):
    """Events archived while the command follows the archive: two after its first look, one of another LA."""

    def __init__(self, history: InMemoryHistory, arriving: list[ArchivedEvent]) -> None:
        super().__init__(history)
        self.arriving = arriving

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = await super().handle_async_request(request)
        if request.url.path == "/events" and self.arriving:
            await self.history.archive(*self.arriving)
            self.arriving = []
        return answer


def test_tail_prints_what_is_archived_from_now_on_with_its_filters() -> None:
    history, events = history_with_events()
    later = [kept(la="841", at=T0 + timedelta(hours=1), offset=10, person=PERSON),
             kept(la="805", at=T0 + timedelta(hours=1), offset=11),
             kept(la="841", at=T0 + timedelta(hours=2), offset=12)]  # fmt: skip
    transport = ArrivingWhileTailed(history, later)
    tailed = pathfinder(transport, engineer(), "tail", "--la", "841", "--interval", "0.1", "--count", "2")
    assert tailed.exit_code == 0, tailed.output
    shown = [line for line in tailed.stdout.splitlines() if line.strip()]
    assert [str(one.event_id) in line for one, line in zip(later[0::2], shown, strict=True)] == [True, True]
    assert not any(str(one.event_id) in tailed.stdout for one in [*events, later[1]]), "only what came, of 841"
    assert transport.requests[0].url.path == "/archive/end"
