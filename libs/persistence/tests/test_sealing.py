"""The shared sealer: values open only with the same key and the same associated data, and key ids are stable."""

from __future__ import annotations

import base64
import hashlib

import pytest
from pathfinder.persistence.sealing import SealingError, SecretSealer, new_key_text

PREFIX = "pathfinder-test:"


def sealer(key: bytes = b"k" * 32) -> SecretSealer:
    return SecretSealer(key, key_id_prefix=PREFIX)


def test_a_sealed_value_opens_with_the_same_key_and_associated_data() -> None:
    sealed = sealer().seal("row-1:secret", b"whsec_plain")
    assert b"whsec_plain" not in sealed
    assert sealer().open("row-1:secret", sealed) == b"whsec_plain"
    assert sealer().seal("row-1:secret", b"whsec_plain") != sealed, "a fresh nonce every time"


def test_other_associated_data_another_key_or_a_changed_byte_do_not_open() -> None:
    sealed = sealer().seal("row-1:secret", b"whsec_plain")
    with pytest.raises(SealingError, match="row-2:secret"):
        sealer().open("row-2:secret", sealed)
    other = sealer(b"o" * 32)
    with pytest.raises(SealingError, match=other.key_id):
        other.open("row-1:secret", sealed)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(SealingError):
        sealer().open("row-1:secret", tampered)
    with pytest.raises(SealingError):
        sealer().open("row-1:secret", b"short")


def test_the_key_id_names_the_key_under_its_prefix_without_giving_it_away() -> None:
    key = b"k" * 32
    assert sealer(key).key_id == hashlib.sha256(PREFIX.encode() + key).hexdigest()[:16]
    assert SecretSealer(key, key_id_prefix="another:").key_id != sealer(key).key_id
    assert sealer(b"o" * 32).key_id != sealer(key).key_id


def test_keys_come_from_base64url_text_with_or_without_padding() -> None:
    text = new_key_text()
    assert "=" not in text and len(base64.urlsafe_b64decode(text + "=")) == 32
    padded = base64.urlsafe_b64encode(base64.urlsafe_b64decode(text + "=")).decode()
    assert SecretSealer.from_text(text, key_id_prefix=PREFIX).key_id == (
        SecretSealer.from_text(f" {padded}\n", key_id_prefix=PREFIX).key_id
    )
    sealed = SecretSealer.from_text(text, key_id_prefix=PREFIX).seal("a", b"b")
    assert SecretSealer.from_text(padded, key_id_prefix=PREFIX).open("a", sealed) == b"b"
    assert SecretSealer.generate(key_id_prefix=PREFIX).key_id != SecretSealer.generate(key_id_prefix=PREFIX).key_id


@pytest.mark.parametrize("text", ["c2hvcnQ", "not base64 at all!", ""])
def test_a_malformed_key_is_refused(text: str) -> None:
    with pytest.raises(SealingError, match="key must be"):
        SecretSealer.from_text(text, key_id_prefix=PREFIX)
