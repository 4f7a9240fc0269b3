"""Sealing secrets for storage: AES-256-GCM under a key that never enters the database.

A service keeps the key in a setting (normally injected from a secret store) and seals each stored secret with
associated data naming what the value is and whose it is, so a sealed value copied to another row or field does
not open. A sealed value is the 12-byte nonce followed by the ciphertext and tag. The key id, stored beside
sealed values, tells which key sealed them without giving the key away; the prefix keeps the ids of one
service's keys apart from another's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from typing import Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
_NONCE_BYTES = 12


class SealingError(ValueError):
    """A key is malformed, or a sealed value does not open with this key and associated data."""


def new_key_text() -> str:
    """A new random key as its settings take it: 32 bytes, base64url without padding."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=KEY_BYTES * 8)).rstrip(b"=").decode()


class SecretSealer:
    """Seals and opens values with one key (32 bytes, base64url in a setting)."""

    def __init__(self, key: bytes, *, key_id_prefix: str) -> None:
        if len(key) != KEY_BYTES:
            raise SealingError(f"the key must be {KEY_BYTES} bytes ({KEY_BYTES * 8} bits)")
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(key_id_prefix.encode() + key).hexdigest()[:16]

    @classmethod
    def from_text(cls, text: str, *, key_id_prefix: str) -> Self:
        stripped = text.strip()
        try:
            raw = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
        except (ValueError, binascii.Error) as error:
            raise SealingError("the key must be base64url") from error
        return cls(raw, key_id_prefix=key_id_prefix)

    @classmethod
    def generate(cls, *, key_id_prefix: str) -> Self:
        return cls(AESGCM.generate_key(bit_length=KEY_BYTES * 8), key_id_prefix=key_id_prefix)

    @staticmethod
    def new_key_text() -> str:
        return new_key_text()

    def seal(self, associated_data: str, plaintext: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated_data.encode())

    def open(self, associated_data: str, sealed: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], associated_data.encode())
        except (InvalidTag, ValueError) as error:
            raise SealingError(
                f"the value sealed for {associated_data} does not open with key {self.key_id}"
            ) from error
