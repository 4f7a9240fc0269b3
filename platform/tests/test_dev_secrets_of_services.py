"""Notifications gets a lasting key for its LA subscriptions' secrets from the platform, beside identity's."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from pathfinder.platform.dev_secrets import dev_secrets
from pathfinder.platform.services import SERVICES

LA_DELIVERY_KEY = "PATHFINDER_LA_DELIVERY_SECRETS_KEY"


def test_notifications_keeps_its_la_delivery_key_between_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LA_DELIVERY_KEY, raising=False)
    by_name = {service.name: service for service in SERVICES}
    names = by_name["notifications"].dev_secrets
    assert LA_DELIVERY_KEY in names
    first = dev_secrets(tmp_path, names)
    assert dev_secrets(tmp_path, names) == first
    assert len(base64.urlsafe_b64decode(first[LA_DELIVERY_KEY] + "=")) == 32
