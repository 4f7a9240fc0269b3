"""The MESH adapter on NHS England's sandbox: a letter larger than a chunk goes in chunks and arrives whole, and
what MESH refuses for good is told apart from what it may take later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from notifications_kit.mesh_world import NewMailbox, mesh_settings, partner_client
from pathfinder.devstack.mesh_sandbox import MeshSandbox
from pathfinder.notifications.adapters.mesh_passwords import MeshPasswords
from pathfinder.notifications.adapters.mesh_post import MeshPostOffice
from pathfinder.notifications.domain.mesh_mailbox import LA_EVENT_WORKFLOW, MailboxRole, MeshMailbox
from pathfinder.notifications.service_layer.ports import MeshLetter, MeshRefused
from pathfinder.persistence.sealing import SecretSealer


@pytest.fixture
async def post(mesh_sandbox: MeshSandbox) -> AsyncIterator[MeshPostOffice]:
    office = MeshPostOffice(
        mesh_settings(mesh_sandbox, max_chunk_bytes=1024), MeshPasswords(SecretSealer.generate(key_id_prefix="test:"))
    )
    yield office
    await office.close()


def own(mailbox_id: str, password: str) -> MeshMailbox:
    return MeshMailbox(mailbox_id, MailboxRole.PLATFORM, "pathfinder", datetime.now(UTC), password)


def letter(recipient: str, body: bytes) -> MeshLetter:
    return MeshLetter(recipient, body, LA_EVENT_WORKFLOW, "application/cloudevents+json", local_id="event-1")


async def test_a_letter_larger_than_a_chunk_goes_in_chunks_and_arrives_whole(
    post: MeshPostOffice, mesh_sandbox: MeshSandbox, mesh_mailbox: NewMailbox
) -> None:
    platform, la = mesh_mailbox("platform"), mesh_mailbox("la")
    body = b'{"data": "' + b"x" * 3000 + b'"}'
    message_id = await post.send(own(platform.mailbox_id, platform.password), letter(la.mailbox_id, body))
    assert mesh_sandbox.message_details(message_id)["chunk_count"] == 3
    with partner_client(mesh_sandbox, la) as client:
        message = client.retrieve_message(message_id)
        assert message.read() == body
        assert (message.mex_header("workflowid"), message.mex_header("localid")) == (LA_EVENT_WORKFLOW, "event-1")
        message.close()
    tracking = await post.tracking(own(platform.mailbox_id, platform.password), message_id)
    assert tracking.status == "accepted" and not tracking.acknowledged


async def test_an_unknown_recipient_or_a_wrong_password_is_refused_for_good(
    post: MeshPostOffice, mesh_mailbox: NewMailbox
) -> None:
    platform = mesh_mailbox("platform")
    with pytest.raises(MeshRefused):
        await post.send(own(platform.mailbox_id, platform.password), letter("X26NOBODY01", b"{}"))
    impostor = mesh_mailbox("other")
    with pytest.raises(MeshRefused, match="403"):
        await post.waiting(own(impostor.mailbox_id, "not its password"))
