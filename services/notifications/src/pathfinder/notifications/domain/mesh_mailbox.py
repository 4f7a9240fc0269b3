"""The MESH mailboxes the platform knows (NHS England's Message Exchange for Social Care and Health).

The platform's own mailboxes are those it collects trusts' messages from and sends LAs' events from; it holds
their passwords, sealed. A partner's mailbox is an address with an owner: a trust's (its messages are that
trust's notifications) or an LA's (its events go there). MESH itself says which mailbox sent a message, so the
sender of a notification that came by MESH is the sending mailbox's registered organisation, never a value
inside the message.

The workflow ids are the platform's, documented for trusts and LAs in the README:
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pathfinder.auth import PLATFORM_ORGANISATION, OrganisationRole, Principal, Scope
from pathfinder.notifications.domain.sealed import Sealed

S23_WORKFLOW = "PATHFINDER_S23_NOTIFICATION"
"""A trust's s23 notification: one FHIR message (``application/fhir+json``) or many (``application/fhir+ndjson``)."""
S23_REPLY_WORKFLOW = "PATHFINDER_S23_NOTIFICATION_ACK"
"""The platform's answer to a message it could not accept: an OperationOutcome, its local id the message's id."""
LA_EVENT_WORKFLOW = "PATHFINDER_LA_EVENT"
"""An event for an LA: a thin CloudEvent, or a FHIR Subscriptions Backport notification bundle."""

_MAILBOX_ID = re.compile(r"^[A-Z0-9]{3,20}$")
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")
_LA_CODE = re.compile(r"^[0-9]{3}$")
_WORKFLOW_ID = re.compile(r"^[A-Z0-9_]{1,64}$")


class MailboxRole(StrEnum):
    PLATFORM = "platform"
    NHS_TRUST = "nhs-trust"
    LOCAL_AUTHORITY = "local-authority"


class InvalidMailbox(ValueError):
    """The mailbox breaks a rule; the message names the rule, never a password."""


def mailbox_id(text: str) -> str:
    """A MESH mailbox id as MESH compares them: upper case."""
    normal = text.strip().upper()
    if not _MAILBOX_ID.match(normal):
        raise InvalidMailbox("a MESH mailbox id is 3 to 20 letters and digits")
    return normal


@dataclass(frozen=True)
class MeshMailbox:
    mailbox_id: str
    role: MailboxRole
    organisation: str
    """The trust's ODS code, the LA's DfE code, or the platform's own name."""
    registered_at: datetime
    password: str | Sealed | None = None
    """The platform's own mailboxes only: plaintext as given until stored, Sealed once read back."""
    workflow_ids: frozenset[str] = frozenset()
    """A platform mailbox collects only messages of these workflows (none: every message in it)."""

    def __post_init__(self) -> None:
        if self.mailbox_id != mailbox_id(self.mailbox_id):
            raise InvalidMailbox("a MESH mailbox id is 3 to 20 upper-case letters and digits")
        if any(not _WORKFLOW_ID.match(workflow) for workflow in self.workflow_ids):
            raise InvalidMailbox("a workflow id is 1 to 64 upper-case letters, digits and underscores")
        if self.role is MailboxRole.PLATFORM:
            if self.organisation != PLATFORM_ORGANISATION or not self.password:
                raise InvalidMailbox("a platform mailbox is the platform's own, with its password")
            return
        if self.password is not None or self.workflow_ids:
            raise InvalidMailbox("a partner's mailbox is an address: the platform holds no password for it")
        pattern = _ODS_CODE if self.role is MailboxRole.NHS_TRUST else _LA_CODE
        if not pattern.match(self.organisation):
            raise InvalidMailbox(
                "a trust's mailbox names its ODS code" if self.role is MailboxRole.NHS_TRUST
                else "an LA's mailbox names its three-digit DfE LA code"
            )  # fmt: skip

    def collects(self, workflow_id: str | None) -> bool:
        """Whether the platform takes a message of ``workflow_id`` from this (its own) mailbox."""
        return not self.workflow_ids or workflow_id in self.workflow_ids

    def sender(self) -> Principal | None:
        """Who a message from this mailbox comes from: the trust that registered it, allowed only to submit
        notifications as itself; None for a mailbox no trust registered."""
        if self.role is not MailboxRole.NHS_TRUST:
            return None
        return Principal(
            subject=f"mesh:{self.mailbox_id}",
            kind="client",
            organisation=self.organisation,
            role=OrganisationRole.NHS_TRUST,
            scopes=frozenset({Scope.NOTIFICATIONS_SUBMIT.value}),
        )
