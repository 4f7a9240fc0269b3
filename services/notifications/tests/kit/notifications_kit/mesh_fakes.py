"""MESH for the fast tier: the platform's mailboxes in memory, with messages waiting, letters sent, tracking,
and failures on demand (the server tier uses NHS England's own sandbox instead)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pathfinder.notifications.domain.mesh_mailbox import MailboxRole, MeshMailbox
from pathfinder.notifications.service_layer.ports import (
    MeshLetter,
    MeshMessage,
    MeshTracking,
    MeshUnavailable,
)

REGISTERED_AT = datetime(2026, 12, 1, tzinfo=UTC)


def platform_mailbox(mailbox_id: str = "X26PF0001", workflows: frozenset[str] = frozenset()) -> MeshMailbox:
    return MeshMailbox(mailbox_id, MailboxRole.PLATFORM, "pathfinder", REGISTERED_AT, "secret", workflows)


def trust_mailbox(mailbox_id: str = "X26RR80001", ods: str = "RR8") -> MeshMailbox:
    return MeshMailbox(mailbox_id, MailboxRole.NHS_TRUST, ods, REGISTERED_AT)


@dataclass
class FakeMeshPost:
    """``inbox``: each platform mailbox's waiting messages, in order; ``fail``: the next calls of a method
    (``waiting``, ``collect``, ``acknowledge``, ``send``, ``tracking``) that raise :class:`MeshUnavailable`."""

    inbox: dict[str, list[MeshMessage]] = field(default_factory=dict)
    sent: list[tuple[str, MeshLetter]] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    statuses: dict[str, MeshTracking] = field(default_factory=dict)
    fail: dict[str, int] = field(default_factory=dict)

    def deliver(self, mailbox: str, message: MeshMessage) -> None:
        self.inbox.setdefault(mailbox, []).append(message)

    def _maybe_fail(self, method: str) -> None:
        if self.fail.get(method, 0) > 0:
            self.fail[method] -= 1
            raise MeshUnavailable(f"{method}: MESH answered 503")

    async def waiting(self, mailbox: MeshMailbox) -> list[str]:
        self._maybe_fail("waiting")
        return [message.message_id for message in self.inbox.get(mailbox.mailbox_id, [])]

    async def collect(self, mailbox: MeshMailbox, message_id: str) -> MeshMessage:
        self._maybe_fail("collect")
        return next(m for m in self.inbox.get(mailbox.mailbox_id, []) if m.message_id == message_id)

    async def acknowledge(self, mailbox: MeshMailbox, message_id: str) -> None:
        self._maybe_fail("acknowledge")
        messages = self.inbox.get(mailbox.mailbox_id, [])
        self.inbox[mailbox.mailbox_id] = [message for message in messages if message.message_id != message_id]
        self.acknowledged.append(message_id)

    async def send(self, mailbox: MeshMailbox, letter: MeshLetter) -> str:
        self._maybe_fail("send")
        message_id = f"SENT{len(self.sent) + 1:06d}"
        self.sent.append((mailbox.mailbox_id, letter))
        self.statuses[message_id] = MeshTracking("Accepted")
        return message_id

    async def tracking(self, mailbox: MeshMailbox, message_id: str) -> MeshTracking:
        self._maybe_fail("tracking")
        return self.statuses[message_id]

    async def close(self) -> None:
        return None
