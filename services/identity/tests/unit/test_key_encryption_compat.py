"""Identity's key encryption is the shared sealer: its key ids and sealed signing keys read as before."""

from __future__ import annotations

import hashlib
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pathfinder.identity.access.adapters.key_encryption import KeyEncryption
from pathfinder.persistence.sealing import SecretSealer


def test_key_ids_and_sealed_keys_stored_before_the_shared_sealer_still_match() -> None:
    key = os.urandom(32)
    encryption = KeyEncryption(key)
    assert isinstance(encryption, SecretSealer)
    assert encryption.key_id == hashlib.sha256(b"pathfinder-identity-kek:" + key).hexdigest()[:16]
    nonce = os.urandom(12)
    stored = nonce + AESGCM(key).encrypt(nonce, b"private key", b"kid-1")
    assert encryption.open("kid-1", stored) == b"private key"
    assert KeyEncryption.from_text(KeyEncryption.new_key_text()).key_id != encryption.key_id
    generated = KeyEncryption.generate()
    assert generated.open("kid-2", generated.seal("kid-2", b"x")) == b"x"
