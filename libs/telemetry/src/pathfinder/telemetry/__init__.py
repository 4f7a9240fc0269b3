"""OpenTelemetry set-up and structured logs without personal data.

``configure_telemetry`` once per process (it also configures logging); ``correlation_scope`` around each unit of
work so its log lines and events share a correlation id.
"""

from pathfinder.telemetry.carried import carried_context, continuing
from pathfinder.telemetry.correlation import correlation_scope, current_correlation_id
from pathfinder.telemetry.logs import configure_logging
from pathfinder.telemetry.settings import TelemetrySettings
from pathfinder.telemetry.setup import Telemetry, configure_telemetry

__all__ = [
    "Telemetry",
    "TelemetrySettings",
    "carried_context",
    "configure_logging",
    "configure_telemetry",
    "continuing",
    "correlation_scope",
    "current_correlation_id",
]
