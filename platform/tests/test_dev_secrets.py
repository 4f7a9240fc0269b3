"""The platform command's development keys survive restarts and yield to the environment."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pathfinder.platform.dev_secrets import FILE_NAME, dev_secrets

NAMES = ("PATHFINDER_TEST_SEALING_KEY", "PATHFINDER_TEST_OTHER_KEY")


def test_the_same_keys_come_back_on_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    first = dev_secrets(tmp_path, NAMES)
    assert dev_secrets(tmp_path, NAMES) == first
    assert first[NAMES[0]] != first[NAMES[1]]
    assert all(len(value) == 43 for value in first.values()), "32 bytes, base64url without padding"
    assert stat.S_IMODE((tmp_path / FILE_NAME).stat().st_mode) == 0o600


def test_a_new_name_is_added_without_changing_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    first = dev_secrets(tmp_path, NAMES[:1])
    both = dev_secrets(tmp_path, NAMES)
    assert both[NAMES[0]] == first[NAMES[0]]


def test_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAMES[0], "from-the-operator")
    assert dev_secrets(tmp_path, NAMES)[NAMES[0]] == "from-the-operator"
