"""Trusts' notifications by MESH, on fakes: who the sender is, what is answered, what is acknowledged when."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from notifications_kit.fakes import FakePostcodes, FakeStore, subscription_rules
from notifications_kit.mesh_fakes import FakeMeshPost, platform_mailbox, trust_mailbox
from notifications_kit.messages import message
from pathfinder.notifications.domain.early_years_notification import NotificationStatus
from pathfinder.notifications.domain.la_delivery import PublicUrls
from pathfinder.notifications.domain.mesh_mailbox import S23_REPLY_WORKFLOW, S23_WORKFLOW
from pathfinder.notifications.entrypoints.fhir_guards import FhirLimits
from pathfinder.notifications.entrypoints.http_dependencies import NotificationsHttp
from pathfinder.notifications.entrypoints.mesh_inbox import MeshInbox
from pathfinder.notifications.service_layer.ports import MeshMessage

PLATFORM, TRUST = platform_mailbox(workflows=frozenset({S23_WORKFLOW})), trust_mailbox()


def inbox(store: FakeStore, post: FakeMeshPost) -> MeshInbox:
    store.mailboxes = {PLATFORM.mailbox_id: PLATFORM, TRUST.mailbox_id: TRUST}
    dependencies = NotificationsHttp(
        unit_of_work=store.unit_of_work,
        postcodes=FakePostcodes(),
        limits=FhirLimits(max_body_bytes=100_000, max_bulk_body_bytes=1_000_000, max_json_depth=32, max_bulk_entries=5),
        acknowledgement_due_after=timedelta(days=5),
        public_urls=PublicUrls("https://notifications.example", "https://identity.example", "https://ehcp.example"),
        subscription_rules=subscription_rules(),
    )
    return MeshInbox(dependencies, post, dependencies.public_urls)


def mesh_message(
    body: bytes,
    *,
    message_id: str = "20261207101500000000_ABC001",
    sender: str = TRUST.mailbox_id,
    content_type: str = "application/fhir+json",
    workflow_id: str = S23_WORKFLOW,
) -> MeshMessage:
    return MeshMessage(message_id, sender, workflow_id, content_type, local_id=None, body=body)


def one(**changes: object) -> bytes:
    return json.dumps(message(**changes)).encode()


async def test_a_trusts_notification_is_stored_then_acknowledged_without_a_reply() -> None:
    store, post = FakeStore(), FakeMeshPost()
    post.deliver(PLATFORM.mailbox_id, mesh_message(one()))
    assert await inbox(store, post).collect() == 1
    [notification] = store.notifications.values()
    assert notification.notifying_organisation == "RR8"
    assert notification.status is NotificationStatus.AWAITING_IDENTITY, "identity is asked by the worker, after"
    assert post.acknowledged == ["20261207101500000000_ABC001"] and post.sent == []
    assert post.inbox[PLATFORM.mailbox_id] == []


async def test_a_message_from_a_mailbox_no_trust_registered_is_answered_and_nothing_is_stored() -> None:
    store, post = FakeStore(), FakeMeshPost()
    post.deliver(PLATFORM.mailbox_id, mesh_message(one(), sender="X26UNKNOWN"))
    await inbox(store, post).collect()
    assert store.notifications == {}
    [(sent_from, reply)] = post.sent
    assert sent_from == PLATFORM.mailbox_id and reply.recipient == "X26UNKNOWN"
    assert reply.workflow_id == S23_REPLY_WORKFLOW and reply.local_id == "20261207101500000000_ABC001"
    outcome = json.loads(reply.body)
    assert outcome["resourceType"] == "OperationOutcome"
    assert "X26UNKNOWN is not registered" in outcome["issue"][0]["diagnostics"]
    assert post.acknowledged == ["20261207101500000000_ABC001"]


async def test_the_mailbox_not_the_message_says_who_the_sender_is() -> None:
    store, post = FakeStore(), FakeMeshPost()
    post.deliver(PLATFORM.mailbox_id, mesh_message(one(notifying_organisation="RH8")))
    await inbox(store, post).collect()
    assert store.notifications == {}
    [(_, reply)] = post.sent
    issue = json.loads(reply.body)["issue"][0]
    assert issue["code"] == "forbidden" and "organisation RR8" in issue["diagnostics"]


async def test_a_message_that_is_not_json_is_answered_with_why() -> None:
    store, post = FakeStore(), FakeMeshPost()
    post.deliver(PLATFORM.mailbox_id, mesh_message(b"{not json"))
    await inbox(store, post).collect()
    [(_, reply)] = post.sent
    assert json.loads(reply.body)["issue"][0]["diagnostics"] == "The message is not JSON"
    assert post.acknowledged and store.notifications == {}


async def test_a_statutory_rejection_is_kept_and_replied_with_its_reasons() -> None:
    store, post = FakeStore(), FakeMeshPost()
    post.deliver(PLATFORM.mailbox_id, mesh_message(one(parent_informed_on=None, discussion_offered_on=None)))
    await inbox(store, post).collect()
    [notification] = store.notifications.values()
    assert notification.status is NotificationStatus.REJECTED
    [(_, reply)] = post.sent
    issues = json.loads(reply.body)["issue"]
    assert [issue["code"] for issue in issues][:1] == ["business-rule"]
    status_url = f"https://notifications.example/fhir/early-years-notifications/{notification.id}"
    assert status_url in issues[-1]["diagnostics"]
    assert post.acknowledged


async def test_collected_again_after_a_failed_acknowledgement_it_is_stored_once() -> None:
    store, post = FakeStore(), FakeMeshPost(fail={"acknowledge": 1})
    post.deliver(PLATFORM.mailbox_id, mesh_message(one()))
    taking = inbox(store, post)
    assert await taking.collect() == 0  # MESH away when acknowledging: the message stays in the inbox
    assert len(store.notifications) == 1 and post.acknowledged == []
    assert await taking.collect() == 1
    assert len(store.notifications) == 1 and post.acknowledged == ["20261207101500000000_ABC001"]


async def test_mesh_away_leaves_every_message_to_be_collected_again() -> None:
    store, post = FakeStore(), FakeMeshPost(fail={"collect": 1})
    post.deliver(PLATFORM.mailbox_id, mesh_message(one()))
    assert await inbox(store, post).collect() == 0
    assert store.notifications == {} and post.acknowledged == []
    assert len(post.inbox[PLATFORM.mailbox_id]) == 1


async def test_a_bulk_message_stores_each_good_line_and_answers_every_line_when_one_fails() -> None:
    store, post = FakeStore(), FakeMeshPost()
    lines = [json.dumps(message()), "{broken", json.dumps(message())]
    body = ("\n".join(lines) + "\n").encode()
    post.deliver(PLATFORM.mailbox_id, mesh_message(body, content_type="application/fhir+ndjson"))
    taking = inbox(store, post)
    await taking.collect()
    assert len(store.notifications) == 2
    assert all(n.status is NotificationStatus.AWAITING_IDENTITY for n in store.notifications.values())
    [(_, reply)] = post.sent
    answered = [json.loads(line) for line in reply.body.decode().splitlines()]
    assert [line["http_status"] for line in answered] == [202, 400, 202]
    assert reply.content_type == "application/x-ndjson"
    # Sent again as the same MESH message (say the acknowledgement was lost): the same answers, nothing new.
    post.deliver(PLATFORM.mailbox_id, mesh_message(body, content_type="application/fhir+ndjson"))
    await taking.collect()
    assert len(store.notifications) == 2


async def test_more_lines_than_allowed_are_refused_whole() -> None:
    store, post = FakeStore(), FakeMeshPost()
    body = "".join(json.dumps(message()) + "\n" for _ in range(6)).encode()
    post.deliver(PLATFORM.mailbox_id, mesh_message(body, content_type="application/fhir+ndjson"))
    await inbox(store, post).collect()
    assert store.notifications == {}
    [(_, reply)] = post.sent
    assert json.loads(reply.body.decode().splitlines()[0])["http_status"] == 413


async def test_a_message_of_another_workflow_is_left_for_whoever_reads_it() -> None:
    store, post = FakeStore(), FakeMeshPost()
    post.deliver(PLATFORM.mailbox_id, mesh_message(one(), workflow_id="SOMEONE_ELSES"))
    assert await inbox(store, post).collect() == 0
    assert store.notifications == {} and post.acknowledged == [] and post.sent == []


@pytest.mark.parametrize("failing", ["waiting", "send"])
async def test_nothing_is_acknowledged_while_mesh_is_away_and_all_is_done_next_time(failing: str) -> None:
    store, post = FakeStore(), FakeMeshPost(fail={failing: 1})
    post.deliver(PLATFORM.mailbox_id, mesh_message(b"{not json"))
    taking = inbox(store, post)
    assert await taking.collect() == 0
    assert post.acknowledged == [] and post.sent == []
    assert await taking.collect() == 1
    assert len(post.sent) == 1 and post.acknowledged == ["20261207101500000000_ABC001"]
