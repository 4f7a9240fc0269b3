"""The span processors and metric readers that :class:`~pathfinder.telemetry.settings.TelemetrySettings` asks
for: none, console (stdout) or OTLP over HTTP."""

from __future__ import annotations

import sys
import threading
from typing import IO, Any

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, MetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from pathfinder.telemetry.settings import TelemetrySettings


class StdoutSpanExporter(ConsoleSpanExporter):
    """Prints spans to whatever ``sys.stdout`` is at export time (the SDK's exporter keeps the stream that was
    ``sys.stdout`` when it was imported, which breaks when a test runner or tool swaps it)."""

    @property
    def out(self) -> IO[str]:
        return sys.stdout

    @out.setter
    def out(self, _value: IO[str]) -> None:
        """Ignored: always the current ``sys.stdout``."""


class StdoutMetricExporter(ConsoleMetricExporter):
    """Prints metrics to whatever ``sys.stdout`` is at export time; see :class:`StdoutSpanExporter`."""

    @property
    def out(self) -> IO[str]:
        return sys.stdout

    @out.setter
    def out(self, _value: IO[str]) -> None:
        """Ignored: always the current ``sys.stdout``."""


class ExportingMetricReader(PeriodicExportingMetricReader):
    """A :class:`PeriodicExportingMetricReader` whose second and later ``shutdown()`` calls do nothing, quietly.

    Detaching a reader from a live ``MeterProvider`` shuts it down; shutting it down first, while it is still
    registered, lets its last collection be exported, and the provider's own shutdown call then is a no-op.
    """

    def __init__(self, exporter: MetricExporter, *, export_interval_millis: float) -> None:
        super().__init__(exporter, export_interval_millis=export_interval_millis)
        self._close_lock = threading.Lock()
        self._closed = False

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        super().shutdown(timeout_millis=timeout_millis, **kwargs)


def otlp_signal_url(base: str | None, signal: str) -> str | None:
    """The OTLP/HTTP URL of ``signal`` (``traces`` or ``metrics``) under the collector's base URL, or ``None`` to
    let the exporter read ``OTEL_EXPORTER_OTLP_[<SIGNAL>_]ENDPOINT``."""
    return None if base is None else f"{base.rstrip('/')}/v1/{signal}"


def span_processors(settings: TelemetrySettings) -> list[SpanProcessor]:
    """Batching processors for the configured exporter (none for ``exporter="none"``)."""
    exporter: SpanExporter
    if settings.exporter == "console":
        exporter = StdoutSpanExporter()
    elif settings.exporter == "otlp":
        exporter = OTLPSpanExporter(endpoint=otlp_signal_url(settings.otlp_endpoint, "traces"))
    else:
        return []
    return [BatchSpanProcessor(exporter)]


def metric_readers(settings: TelemetrySettings) -> list[ExportingMetricReader]:
    """A periodic reader for the configured exporter (none for ``exporter="none"``)."""
    exporter: MetricExporter
    if settings.exporter == "console":
        exporter = StdoutMetricExporter()
    elif settings.exporter == "otlp":
        exporter = OTLPMetricExporter(endpoint=otlp_signal_url(settings.otlp_endpoint, "metrics"))
    else:
        return []
    return [ExportingMetricReader(exporter, export_interval_millis=settings.metric_export_interval_ms)]
