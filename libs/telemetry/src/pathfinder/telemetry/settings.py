"""Telemetry settings, read from ``PATHFINDER_TELEMETRY_*`` environment variables."""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelemetrySettings(BaseSettings):
    """Where traces and metrics go, and how logs look.

    ``exporter``
        ``none`` records nothing outside the process (the default, and right for tests), ``console`` prints
        spans and metrics to stdout, ``otlp`` sends them over OTLP/HTTP to a collector.
    ``otlp_endpoint``
        The collector's base URL (e.g. ``http://otel-collector:4318``); ``/v1/traces`` and ``/v1/metrics`` are
        appended, as for ``OTEL_EXPORTER_OTLP_ENDPOINT``. When ``None`` the OTLP exporters read the standard
        ``OTEL_EXPORTER_OTLP_*`` variables (endpoint, headers, certificates, timeout, compression).
    ``metric_export_interval_ms``
        How often metrics are collected and exported when ``exporter`` is not ``none``.
    ``log_level`` / ``log_format``
        The root logger's level (a standard level name) and ``json`` lines or human-readable ``text``.
    """

    model_config = SettingsConfigDict(env_prefix="PATHFINDER_TELEMETRY_", extra="ignore")

    exporter: Literal["none", "console", "otlp"] = "none"
    otlp_endpoint: str | None = None
    metric_export_interval_ms: int = Field(default=10_000, gt=0)
    log_level: str = "INFO"
    log_format: Literal["json", "text"] = "json"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {value!r}")
        return level
