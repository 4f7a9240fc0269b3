"""Where a service fetches identity's keys from, and whom it trusts as the issuer: https, or plain http only to
this machine (development)."""

from __future__ import annotations

import pytest
from pathfinder.auth.settings import AuthSettings
from pydantic import ValidationError


@pytest.mark.parametrize(
    "issuer",
    ["https://identity.pathfinder.example", "http://127.0.0.1:8004", "http://localhost:8004", "http://[::1]:8004"],
)
def test_https_or_a_loopback_issuer_is_accepted(issuer: str) -> None:
    assert AuthSettings(issuer=issuer).issuer == issuer


@pytest.mark.parametrize("issuer", ["http://identity:8004", "http://10.0.0.4", "ftp://identity.example", "identity"])
def test_any_other_issuer_is_a_settings_error_that_says_so(issuer: str) -> None:
    with pytest.raises(ValidationError, match="PATHFINDER_AUTH_ISSUER must be an https URL"):
        AuthSettings(issuer=issuer)


def test_a_plain_http_jwks_url_elsewhere_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHFINDER_AUTH_JWKS_URL", "http://identity.internal/.well-known/jwks.json")
    with pytest.raises(ValidationError, match="PATHFINDER_AUTH_JWKS_URL must be an https URL"):
        AuthSettings()
    monkeypatch.setenv("PATHFINDER_AUTH_JWKS_URL", "https://identity.internal/.well-known/jwks.json")
    assert AuthSettings().effective_jwks_url == "https://identity.internal/.well-known/jwks.json"
