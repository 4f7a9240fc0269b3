"""Each person's details sealed under their own key, wrapped by the master key; blind indexes keyed."""

from __future__ import annotations

import logging
from uuid import uuid4

import pytest
from pathfinder.identity.bootstrap import person_vault
from pathfinder.identity.persons.adapters.vault import MasterKeyInvalid, PersonVault, VaultError
from pathfinder.identity.settings import PersonVaultSettings
from pydantic import SecretStr


def test_details_open_only_with_their_persons_key_and_in_their_own_place() -> None:
    vault = PersonVault.generate()
    amelia, oliver = uuid4(), uuid4()
    amelia_key, wrapped = vault.new_data_key(amelia)
    oliver_key, _ = vault.new_data_key(oliver)
    sealed = vault.seal(amelia_key, "record|RR8", b"Amelia Smith")
    assert b"Amelia" not in sealed and b"Amelia" not in wrapped
    assert vault.open(vault.unwrap(amelia, wrapped), "record|RR8", sealed) == b"Amelia Smith"
    for key, label in ((oliver_key, "record|RR8"), (amelia_key, "record|RX1")):
        with pytest.raises(VaultError):
            vault.open(key, label, sealed)
    with pytest.raises(VaultError):
        vault.open(amelia_key, "record|RR8", sealed[:-1] + bytes([sealed[-1] ^ 1]))
    with pytest.raises(VaultError):
        vault.unwrap(oliver, wrapped)  # a wrapped key belongs to its person
    with pytest.raises(VaultError):
        PersonVault.generate().unwrap(amelia, wrapped)  # and to its master key


def test_sealing_twice_never_gives_the_same_ciphertext() -> None:
    vault = PersonVault.generate()
    key, _ = vault.new_data_key(uuid4())
    assert vault.seal(key, "record|RR8", b"x") != vault.seal(key, "record|RR8", b"x")


def test_blind_indexes_are_equal_for_equal_values_under_one_master_key_only() -> None:
    text = PersonVault.new_master_key_text()
    one, same = PersonVault.from_text(text), PersonVault.from_text(text)
    assert one.blind_index("dob-district|2019-04-12|DL1") == same.blind_index("dob-district|2019-04-12|DL1")
    assert one.blind_index("dob-district|2019-04-12|DL1") != one.blind_index("dob-district|2019-04-12|DL2")
    assert one.blind_index("x") != PersonVault.generate().blind_index("x")
    assert one.master_key_id == same.master_key_id


def test_the_master_key_comes_from_settings_and_its_absence_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    text = PersonVault.new_master_key_text()
    configured = person_vault(PersonVaultSettings(master_key=SecretStr(text)))
    assert configured.master_key_id == PersonVault.from_text(text).master_key_id
    with caplog.at_level(logging.WARNING):
        person_vault(PersonVaultSettings(master_key=None))
    assert "PATHFINDER_IDENTITY_MASTER_KEY is not set" in caplog.text
    with pytest.raises(MasterKeyInvalid):
        PersonVault.from_text("too-short")
