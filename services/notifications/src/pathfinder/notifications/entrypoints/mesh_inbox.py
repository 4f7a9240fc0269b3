"""Trusts' s23 notifications by MESH: the platform's own mailboxes are collected on a timer, and each message is
judged as ``$process-message`` judges one (:mod:`.fhir_submission`): one FHIR message (``application/fhir+json``),
or many, one a line (``application/fhir+ndjson`` or ``application/x-ndjson``), as a bulk submission.

The sender is the organisation that registered the sending mailbox (MESH names the mailbox, not the message).
A message is acknowledged to MESH, which then deletes it, only once its answer is committed; a message that could
not be accepted in full first gets a reply to the sending mailbox (workflow ``PATHFINDER_S23_NOTIFICATION_ACK``,
its local id the message's MESH id): the OperationOutcome, or for many the bulk answer's lines. Anything that
stops a message part-way (MESH or the database away, the worker killed) leaves it in the inbox to be collected
again; its notifications are keyed on the MESH message id as well as their own message ids, so collecting it
again answers as the first time did and stores nothing twice (a reply may then be sent twice, with the same
local id).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from uuid import UUID

from pathfinder.contracts.fhir import SpineErrorCode
from pathfinder.messaging.faults import fault_point
from pathfinder.messaging.workers import Worker, repeating
from pathfinder.notifications.domain.la_delivery import PublicUrls, notification_url
from pathfinder.notifications.domain.mesh_mailbox import S23_REPLY_WORKFLOW, MeshMailbox
from pathfinder.notifications.entrypoints.fhir_guards import FHIR_JSON, NDJSON, FhirError, parse_json
from pathfinder.notifications.entrypoints.fhir_submission import (
    Answer,
    BulkEntry,
    answer_line,
    refused,
    submit_many,
    submit_one,
)
from pathfinder.notifications.entrypoints.http_dependencies import NotificationsHttp
from pathfinder.notifications.service_layer.mesh_mailboxes import platform_mailboxes, registered_mailbox
from pathfinder.notifications.service_layer.ports import MeshLetter, MeshMessage, MeshPost, MeshUnavailable

log = logging.getLogger(__name__)
BULK_CONTENT_TYPES = frozenset({"application/fhir+ndjson", NDJSON})


@dataclass(frozen=True)
class MeshInbox:
    dependencies: NotificationsHttp
    post: MeshPost
    public_urls: PublicUrls

    async def collect(self) -> int:
        """One pass over every platform mailbox; how many messages were taken (answered and acknowledged)."""
        taken = 0
        for mailbox in await platform_mailboxes(uow=self.dependencies.unit_of_work()):
            try:
                for message_id in await self.post.waiting(mailbox):
                    taken += await self.take(mailbox, message_id)
            except MeshUnavailable as error:
                log.warning("MESH mailbox %s not collected now: %s", mailbox.mailbox_id, error)
        return taken

    async def take(self, mailbox: MeshMailbox, message_id: str) -> int:
        message = await self.post.collect(mailbox, message_id)
        if not mailbox.collects(message.workflow_id):
            return 0  # another workflow's, left for whoever reads it
        answers, bulk = await self.answers(message)
        fault_point("mesh.after_commit")
        if any(status != 202 for status, _, _ in answers):
            await self.post.send(mailbox, reply_to(message, answers, bulk=bulk))
            fault_point("mesh.after_reply")
        await self.post.acknowledge(mailbox, message_id)
        log.info(
            "MESH message %s from %s taken: %d accepted of %d",
            message_id,
            message.sender,
            sum(status == 202 for status, _, _ in answers),
            len(answers),
        )
        return 1

    async def answers(self, message: MeshMessage) -> tuple[list[Answer], bool]:
        """Each notification's answer, and whether the message was a bulk one."""
        bulk = (message.content_type or "").split(";")[0].strip().lower() in BULK_CONTENT_TYPES
        sender = await registered_mailbox(message.sender, uow=self.dependencies.unit_of_work())
        principal = sender.sender() if sender is not None else None
        if principal is None:
            diagnostics = (
                f"MESH mailbox {message.sender} is not registered to an NHS trust with Pathfinder: the trust "
                "registers its mailbox before sending notifications from it"
            )
            return [refused(FhirError.one(403, "forbidden", diagnostics, SpineErrorCode.ACCESS_DENIED))], bulk
        limits = self.dependencies.limits
        if len(message.body) > (limits.max_bulk_body_bytes if bulk else limits.max_body_bytes):
            diagnostics = "The message is larger than Pathfinder accepts; send fewer notifications in each"
            return [_too_large(diagnostics)], bulk
        documents = message.body.decode("utf-8", errors="replace")
        lines = [line for line in documents.splitlines() if line.strip()] if bulk else [documents]
        if len(lines) > limits.max_bulk_entries:
            diagnostics = f"At most {limits.max_bulk_entries} notifications in one message"
            return [_too_large(diagnostics)], bulk
        if not bulk:
            try:
                document = parse_json(lines[0], limits.max_json_depth, where="The message")
                retry_keys = (f"mesh:{message.message_id}",)
                return [await submit_one(self.dependencies, principal, document, status_url=self.status_url,
                                         retry_keys=retry_keys)], bulk  # fmt: skip
            except FhirError as error:
                return [refused(error)], bulk
        entries: list[BulkEntry] = []
        for index, line in enumerate(lines):
            try:
                document = parse_json(line, limits.max_json_depth, where=f"Line {index + 1}")
                entries.append((document, (f"mesh:{message.message_id}:{index}",)))
            except FhirError as error:
                entries.append(error)
        return await submit_many(self.dependencies, principal, entries, status_url=self.status_url), bulk

    def status_url(self, notification_id: UUID) -> str:
        return notification_url(self.public_urls, notification_id)


def reply_to(message: MeshMessage, answers: list[Answer], *, bulk: bool) -> MeshLetter:
    """The answer to a message not accepted in full, for the mailbox that sent it."""
    if bulk:
        body = "".join(json.dumps(answer_line(index, answer)) + "\n" for index, answer in enumerate(answers))
        content_type = NDJSON
    else:
        body = json.dumps(answers[0][1])  # an OperationOutcome: only an answer not accepted is replied to
        content_type = FHIR_JSON
    return MeshLetter(
        recipient=message.sender,
        body=body.encode(),
        workflow_id=S23_REPLY_WORKFLOW,
        content_type=content_type,
        local_id=message.message_id,
        subject=f"Not accepted: MESH message {message.message_id}",
    )


def _too_large(diagnostics: str) -> Answer:
    return refused(FhirError.one(413, "too-costly", diagnostics, SpineErrorCode.TOO_MANY_VALUES_SUBMITTED))


def collector(inbox: MeshInbox, *, interval_seconds: float) -> Worker:
    collecting = repeating("MESH collection", inbox.collect, idle_seconds=interval_seconds)

    async def run(stop: asyncio.Event) -> None:
        try:
            await collecting(stop)
        finally:
            await inbox.post.close()

    return run
