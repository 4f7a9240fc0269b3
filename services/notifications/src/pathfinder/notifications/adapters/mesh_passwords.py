"""Sealing the passwords of the platform's own MESH mailboxes for storage, and opening one to log in: the same
key and cipher as LA subscriptions' secrets (:mod:`.subscription_secrets`), bound to the mailbox's id."""

from __future__ import annotations

from pathfinder.notifications.domain.mesh_mailbox import MeshMailbox
from pathfinder.notifications.domain.sealed import Sealed
from pathfinder.persistence.sealing import SealingError, SecretSealer


def password_purpose(mailbox_id: str) -> str:
    return f"mesh_mailbox:{mailbox_id}:password"


class MeshPasswords:
    def __init__(self, sealer: SecretSealer) -> None:
        self._sealer = sealer

    @property
    def key_id(self) -> str:
        return self._sealer.key_id

    def seal(self, mailbox: MeshMailbox) -> Sealed | None:
        if mailbox.password is None or isinstance(mailbox.password, Sealed):
            return mailbox.password
        return Sealed(self._sealer.seal(password_purpose(mailbox.mailbox_id), mailbox.password.encode()), self.key_id)

    def open(self, mailbox: MeshMailbox) -> str:
        password = mailbox.password
        if password is None:
            raise SealingError(f"MESH mailbox {mailbox.mailbox_id} is not one of the platform's own")
        if isinstance(password, str):
            return password
        if password.key_id != self.key_id:
            raise SealingError(
                f"MESH mailbox {mailbox.mailbox_id}'s password is sealed under key {password.key_id}, but this "
                f"process has key {self.key_id}: set PATHFINDER_LA_DELIVERY_SECRETS_KEY to the key it was sealed with"
            )
        return self._sealer.open(password_purpose(mailbox.mailbox_id), password.value).decode()
