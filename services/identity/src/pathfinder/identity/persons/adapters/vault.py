"""Encryption of personal details, one key per person, and the keyed blind indexes matching searches.

Every person id has its own random 256-bit data key. Their details are sealed with it (AES-GCM, a fresh
96-bit nonce each time, the row they belong to bound in as associated data so a ciphertext moved to another
row will not open). The data key is stored only wrapped by the master key (``PATHFINDER_IDENTITY_MASTER_KEY``),
never in the clear. Erasure deletes the wrapped key, so no ciphertext of that person in the live database
opens again (crypto-shredding). A backup taken before the erasure still holds the wrapped key: it stops being
a way back once the backup expires, or once the master key it was wrapped under is retired (each wrapped key
records ``master_key_id`` so that live keys can be re-wrapped under a new master key).

Blind indexes are HMAC-SHA256 digests, under a key derived from the master key, of normalised values (an
identifier, a date of birth with a surname code, ...). The database can find equal values without holding
them. What they leak, to someone who reads the database but has no master key: which records share a value
(so how many children share a blocking key, and which person ids belong together), not the values. With the
master key too, a guessable value (a date of birth, a postcode district) can be confirmed by trying every
candidate, which is why the master key lives outside the database and erasure deletes the person's digests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_KEY_BYTES = 32


class VaultError(Exception):
    """A sealed value cannot be opened: wrong key, tampered, or its person's key is destroyed."""


class MasterKeyInvalid(ValueError):
    pass


@dataclass(frozen=True)
class DataKey:
    owner_id: UUID
    material: bytes = field(repr=False)


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=None, info=purpose).derive(master)


class PersonVault:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != _KEY_BYTES:
            raise MasterKeyInvalid("the master key must be 32 bytes")
        self._wrapping = AESGCM(_derive(master_key, b"pathfinder identity: person key wrapping v1"))
        self._blind_key = _derive(master_key, b"pathfinder identity: blind index v1")
        self.master_key_id = hashlib.sha256(_derive(master_key, b"pathfinder identity: key id v1")).hexdigest()[:16]

    @classmethod
    def from_text(cls, text: str) -> PersonVault:
        try:
            return cls(base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4)))
        except (binascii.Error, ValueError) as invalid:
            raise MasterKeyInvalid("the master key must be 32 bytes, base64url") from invalid

    @classmethod
    def generate(cls) -> PersonVault:
        return cls(os.urandom(_KEY_BYTES))

    @staticmethod
    def new_master_key_text() -> str:
        return base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode().rstrip("=")

    def new_data_key(self, owner_id: UUID) -> tuple[DataKey, bytes]:
        """A fresh data key for ``owner_id`` and the form in which it is stored (wrapped)."""
        material = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(_NONCE_BYTES)
        wrapped = nonce + self._wrapping.encrypt(nonce, material, owner_id.bytes)
        return DataKey(owner_id, material), wrapped

    def unwrap(self, owner_id: UUID, wrapped: bytes) -> DataKey:
        try:
            material = self._wrapping.decrypt(wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], owner_id.bytes)
        except InvalidTag:
            raise VaultError(f"the data key of person {owner_id} does not open with this master key") from None
        return DataKey(owner_id, material)

    def seal(self, key: DataKey, label: str, plaintext: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + AESGCM(key.material).encrypt(nonce, plaintext, self._context(key, label))

    def open(self, key: DataKey, label: str, sealed: bytes) -> bytes:
        try:
            return AESGCM(key.material).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], self._context(key, label))
        except InvalidTag:
            raise VaultError(f"a sealed value of person {key.owner_id} does not open") from None

    @staticmethod
    def _context(key: DataKey, label: str) -> bytes:
        return key.owner_id.bytes + label.encode()

    def blind_index(self, text: str) -> bytes:
        return hmac.new(self._blind_key, text.encode(), hashlib.sha256).digest()


def advisory_lock_key(digest: bytes) -> int:
    """A PostgreSQL advisory lock number (signed 64-bit) for a blind index digest."""
    return int.from_bytes(digest[:8], "big", signed=True)
