"""``pathfinder-demo --mesh``: one trust and one LA on MESH, on a platform started with ``python3 dev.py up --mesh``.

It onboards the Royal Devon's MESH mailbox (RH8) and Devon's (LA 878) with ``pathfinder-notifications-mesh``,
which subscribes Devon's mailbox to its events, and gives Devon a Kafka subscription too if it has none. The trust's
system sends an s23 notification as a FHIR message Bundle to Pathfinder's mailbox with NHS England's
``mesh-client`` (workflow ``PATHFINDER_S23_NOTIFICATION``). Devon's system collects its mailbox (workflow
``PATHFINDER_LA_EVENT``), reads its Kafka topic and acknowledges the MESH message; MESH's tracking tells the
platform, and the trust's status (over HTTP, as its API client) turns to acknowledged. A second message, sent from
the trust's mailbox in another trust's name, is refused: an OperationOutcome comes back to the trust's mailbox
(workflow ``PATHFINDER_S23_NOTIFICATION_ACK``). The subscriptions it made are removed before it ends.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from mesh_client import MeshClient
from pathfinder.notifications.domain.mesh_mailbox import LA_EVENT_WORKFLOW, S23_REPLY_WORKFLOW, S23_WORKFLOW
from pathfinder.platform import demo_setup
from pathfinder.platform import mesh as local_mesh
from pathfinder.platform.demo_setup import LA_SCOPES, NOTIFICATIONS, TRUST_SCOPES, DemoFailed
from pathfinder.platform.demo_watching import say, wait_until, watch_topic
from pathfinder.platform.dev_secrets import dev_secrets
from pathfinder.platform.mesh import MeshConnection

TRUST, LA = local_mesh.TRUST.organisation, local_mesh.LA.organisation
POSTCODE = "EX1 2LB"  # in Devon
ANOTHER_TRUST = "RR8"
FHIR_JSON = "application/fhir+json"
SUBJECT = "s23 notification"
_CLI = "from pathfinder.notifications.mesh_cli import main; raise SystemExit(main())"


@dataclass
class Mailboxes:
    """The trust's and the LA's MESH mailboxes as their own systems reach them, and what they found there."""

    connection: MeshConnection
    trust: MeshClient = field(init=False)
    la: MeshClient = field(init=False)
    notification: str | None = None  # what the accepted message became, as the LA's event names it
    la_message: str | None = None
    reply: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.trust, self.la = self.client(local_mesh.TRUST), self.client(local_mesh.LA)

    def close(self) -> None:
        self.trust.close()  # type: ignore[no-untyped-call]
        self.la.close()  # type: ignore[no-untyped-call]

    def client(self, mailbox: local_mesh.Mailbox) -> MeshClient:
        ca_file = self.connection.ca_file
        return MeshClient(
            self.connection.url,
            mailbox.mailbox_id,
            self.connection.passwords[mailbox.mailbox_id],
            shared_key=self.connection.shared_key.encode(),
            verify=str(ca_file) if ca_file else None,
        )

    def send(self, document: dict[str, Any]) -> str:
        """The trust's system sends one notification to Pathfinder's mailbox; MESH's id for the message."""
        body = json.dumps(document).encode()
        recipient, local_id = local_mesh.PLATFORM.mailbox_id, document["entry"][0]["resource"]["id"]
        sent = self.trust.send_message(
            recipient, body, workflow_id=S23_WORKFLOW, content_type=FHIR_JSON, subject=SUBJECT, local_id=local_id
        )
        return str(sent)

    def collect_as_la(self, message_id: str) -> None:
        """Devon's system takes the events in its mailbox, and acknowledges each: to Pathfinder, that is Devon's
        acknowledgement of the notification."""
        for mesh_id in self.la.list_messages():
            workflow, subject, body = _read(self.la, mesh_id, "subject")
            if workflow != LA_EVENT_WORKFLOW:
                continue
            if message_id in body.decode(errors="replace"):
                event = json.loads(body)
                self.notification, self.la_message = event["data"]["notification_id"], mesh_id
                kind = str(subject or event.get("type")).split(".")[-2]
                say(f"LA {LA} mesh", f"MESH message {mesh_id} ({workflow}): {kind}, local id {event['id'][:8]}, "
                    f"for notification {self.notification[:8]} (person {event['data'].get('person_id')})")  # fmt: skip
            self.la.acknowledge_message(mesh_id)
            if mesh_id == self.la_message:
                say(f"LA {LA} mesh", f"acknowledged MESH message {mesh_id}")

    def collect_as_trust(self, refused: str) -> None:
        """The trust's system takes Pathfinder's answers to its messages from its mailbox."""
        for mesh_id in self.trust.list_messages():
            workflow, local_id, body = _read(self.trust, mesh_id, "localid")
            if workflow != S23_REPLY_WORKFLOW:
                continue
            self.trust.acknowledge_message(mesh_id)
            if local_id == refused:
                self.reply = json.loads(body)
                issue = self.reply["issue"][0]
                say(f"trust {TRUST} mesh", f"MESH message {mesh_id} ({workflow}) answers {refused}: "
                    f"OperationOutcome {issue['code']}: {issue.get('diagnostics')}")  # fmt: skip


def _read(client: MeshClient, mesh_id: str, header: str) -> tuple[str | None, str | None, bytes]:
    """A message's workflow id, one more of its MESH headers, and its body."""
    message = client.retrieve_message(mesh_id)
    try:
        return message.mex_header("workflowid"), message.mex_header(header), message.read()
    finally:
        message.close()  # type: ignore[no-untyped-call]


async def mesh_cli(state_dir: Path, *args: str) -> str:
    """``pathfinder-notifications-mesh`` on the platform's notifications database, as an operator runs it; its
    last line. Settings already in the environment win."""
    database = f"postgresql://postgres@/pathfinder_notifications?host={(state_dir / 'postgres').resolve()}"
    key = "PATHFINDER_LA_DELIVERY_SECRETS_KEY"
    env = {"PATHFINDER_NOTIFICATIONS_DATABASE_URL": database, **dev_secrets(state_dir, [key])} | dict(os.environ)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _CLI, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    printed, complained = await process.communicate()
    said = printed.decode(errors="replace").strip()
    if process.returncode != 0:
        raise DemoFailed(f"pathfinder-notifications-mesh {' '.join(args[:2])}: {said}{complained.decode()}".strip())
    return said.splitlines()[-1]


async def subscribe_la(http: httpx.AsyncClient, la: dict[str, str], state_dir: Path, stack: AsyncExitStack) -> None:
    """Devon's mailbox onboarded and subscribed anew, and a Kafka subscription if it has none: each removed when
    ``stack`` closes."""
    listed = await http.get(f"{NOTIFICATIONS}/subscriptions", headers=la)
    listed.raise_for_status()
    mailbox = local_mesh.LA.mailbox_id
    for old in listed.json():
        if old["channel"] == "mesh" and old.get("endpoint") == mailbox:
            await demo_setup.unsubscribe(http, la, old["id"])  # left by an interrupted run
    said = await mesh_cli(state_dir, "la", "add", "--mailbox", mailbox, "--la", LA)
    say(f"LA {LA}", f"pathfinder-notifications-mesh la add: {said}")
    stack.push_async_callback(demo_setup.unsubscribe, http, la, said.rsplit(" ", 1)[-1])
    if not any(old["channel"] == "kafka" for old in listed.json()):
        made = await http.post(f"{NOTIFICATIONS}/subscriptions", json={"channel": "kafka"}, headers=la)
        if made.status_code != 201:
            raise DemoFailed(f"subscription: {made.status_code} {made.text}")
        stack.push_async_callback(demo_setup.unsubscribe, http, la, made.json()["id"])
        say(f"LA {LA}", f"subscribed: kafka -> {made.json()['kafka_topic']}")


async def demo(state_dir: Path, bootstrap: str, timeout: float) -> int:
    connection = MeshConnection.load(state_dir)
    if connection is None:
        raise DemoFailed(f"MESH is not on: the platform runs with --mesh (python3 dev.py up --mesh), state {state_dir}")
    identity = f"postgresql://postgres@/pathfinder_identity?host={(state_dir / 'postgres').resolve()}"
    identity = os.environ.get("PATHFINDER_IDENTITY_DATABASE_URL", identity)
    clients = await demo_setup.seed(identity, state_dir / "demo", {TRUST: TRUST_SCOPES, LA: LA_SCOPES})
    said = await mesh_cli(state_dir, "trust", "add", "--mailbox", local_mesh.TRUST.mailbox_id, "--ods", TRUST)
    say(f"trust {TRUST}", f"pathfinder-notifications-mesh trust add: {said}")
    rng, stop = random.Random(), asyncio.Event()
    ids: dict[str, str] = {}  # the FHIR message id of the notification sent -> LA
    seen: set[str] = set()
    async with httpx.AsyncClient(timeout=15, trust_env=False) as http, AsyncExitStack() as stack:
        headers = {org: await demo_setup.token(http, client) for org, client in clients.items()}
        boxes = Mailboxes(connection)
        stack.callback(boxes.close)
        await subscribe_la(http, headers[LA], state_dir, stack)
        watching = asyncio.create_task(watch_topic(LA, bootstrap, ids, seen, stop))
        child = demo_setup.young_child(rng, POSTCODE)
        document = demo_setup.message(TRUST, LA, child)
        message_id = document["entry"][0]["resource"]["id"]
        ids[message_id] = LA
        sent = await asyncio.to_thread(boxes.send, document)
        say(f"trust {TRUST} mesh", f"MESH message {sent} to {local_mesh.PLATFORM.mailbox_id} ({S23_WORKFLOW}): "
            f"FHIR message {message_id[:8]}, child NHS {child.nhs_number} for LA {LA}")  # fmt: skip
        refused = await asyncio.to_thread(boxes.send, demo_setup.message(ANOTHER_TRUST, LA, child))
        say(f"trust {TRUST} mesh", f"MESH message {refused}: a notification in {ANOTHER_TRUST}'s name")

        async def all_arrived() -> bool:
            if boxes.la_message is None:
                await asyncio.to_thread(boxes.collect_as_la, message_id)
            if boxes.reply is None:
                await asyncio.to_thread(boxes.collect_as_trust, refused)
            return boxes.la_message is not None and boxes.reply is not None and message_id in seen

        arrived = await wait_until(all_arrived, timeout)
        stop.set()
        await watching
        if not arrived:
            came = {"the LA's MESH message": boxes.la_message, "its Kafka event": message_id in seen or None}
            missing = [what for what, found in (came | {"the reply to the trust": boxes.reply}).items() if not found]
            say("demo", f"not within {timeout:.0f} s: {', '.join(missing)} (see the platform's log; a child "
                "resembling one from an earlier run would wait for a person's review in identity)")  # fmt: skip
            return 1
        assert boxes.notification is not None
        # An accepted MESH message is not answered: the demo, playing both parts, has the id from Devon's event.
        status = await trust_status(http, headers[TRUST], boxes.notification, timeout)
    if status.get("status") != "acknowledged":
        say("demo", f"not acknowledged within {timeout:.0f} s (MESH tracking runs in the notifications worker)")
        return 1
    print("\nThe trust's notification reached Devon by MESH and on Kafka; Devon's MESH acknowledgement reached the "
          "trust; the message in another trust's name came back as an OperationOutcome.", flush=True)  # fmt: skip
    return 0


async def trust_status(http: httpx.AsyncClient, trust: dict[str, str], notification: str, timeout: float) -> Any:
    """The trust reads its notification's status until it is acknowledged (or ``timeout``), saying each change."""
    url, shown = f"{NOTIFICATIONS}/fhir/early-years-notifications/{notification}", ""
    view: dict[str, Any] = {}

    async def acknowledged() -> bool:
        nonlocal view, shown
        view = (await http.get(url, headers=trust)).json()
        if view.get("status") != shown:
            shown = str(view.get("status"))
            via, reference = view.get("delivery_channel"), view.get("la_reference")
            more = f" (via {via}, LA reference {reference})" if reference else f" (via {via})" if via else ""
            say(f"trust {TRUST}", f"status of {notification[:8]}: {shown}{more}")
        return shown == "acknowledged"

    await wait_until(acknowledged, timeout)
    return view
