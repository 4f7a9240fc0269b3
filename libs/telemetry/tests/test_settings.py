from __future__ import annotations

import pytest
from pathfinder.telemetry.settings import TelemetrySettings
from pydantic import ValidationError

_VARIABLES = ("EXPORTER", "OTLP_ENDPOINT", "METRIC_EXPORT_INTERVAL_MS", "LOG_LEVEL", "LOG_FORMAT")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _VARIABLES:
        monkeypatch.delenv(f"PATHFINDER_TELEMETRY_{name}", raising=False)


def test_defaults() -> None:
    settings = TelemetrySettings()
    assert settings.exporter == "none"
    assert settings.otlp_endpoint is None
    assert settings.metric_export_interval_ms == 10_000
    assert settings.log_level == "INFO"
    assert settings.log_format == "json"


def test_reads_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHFINDER_TELEMETRY_EXPORTER", "otlp")
    monkeypatch.setenv("PATHFINDER_TELEMETRY_OTLP_ENDPOINT", "http://collector:4318")
    monkeypatch.setenv("PATHFINDER_TELEMETRY_METRIC_EXPORT_INTERVAL_MS", "2500")
    monkeypatch.setenv("PATHFINDER_TELEMETRY_LOG_LEVEL", "debug")
    monkeypatch.setenv("PATHFINDER_TELEMETRY_LOG_FORMAT", "text")
    settings = TelemetrySettings()
    assert settings.exporter == "otlp"
    assert settings.otlp_endpoint == "http://collector:4318"
    assert settings.metric_export_interval_ms == 2500
    assert settings.log_level == "DEBUG"
    assert settings.log_format == "text"


@pytest.mark.parametrize(
    ("name", "value"),
    [("EXPORTER", "jaeger"), ("LOG_FORMAT", "xml"), ("LOG_LEVEL", "LOUD"), ("METRIC_EXPORT_INTERVAL_MS", "0")],
)
def test_rejects_invalid_values(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(f"PATHFINDER_TELEMETRY_{name}", value)
    with pytest.raises(ValidationError):
        TelemetrySettings()
