"""``configure_telemetry``: traces, metrics and structured logs for one Pathfinder process.

How repeated calls behave
-------------------------
OpenTelemetry lets the global tracer and meter providers be set only once per process, and code everywhere has
already bound instruments to them (``trace.get_tracer(...)``, ``metrics.get_meter(...)`` at import time). So:

* the first call creates one SDK ``TracerProvider`` and one SDK ``MeterProvider`` for the process, with a
  resource naming the service (``service.name``, ``service.namespace="pathfinder"``), and makes them global;
* every call, the first included, *attaches* its own exporting parts to that pair: span processors (a batching
  one for the configured console or OTLP exporter, a synchronous one for an explicit ``span_exporter``) and
  metric readers (a periodic one for the configured exporter, plus an explicit ``metric_reader``);
* :meth:`Telemetry.shutdown` flushes and *detaches* exactly what its call attached, leaving the providers
  working, so a later call (the next test, say) starts clean, and nothing from an earlier call keeps
  receiving data.

Later calls therefore keep the first call's resource (a warning is logged if the service name differs), but
their exporters and readers receive everything recorded while they are attached, through the global API as
well as through :attr:`Telemetry.tracer_provider` and :attr:`Telemetry.meter_provider`.

The global text-map propagator is left as OpenTelemetry's default, W3C ``traceparent``/``tracestate`` plus
``baggage`` (or whatever ``OTEL_PROPAGATORS`` selects).
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from pathfinder.telemetry import exporters
from pathfinder.telemetry.logs import configure_logging
from pathfinder.telemetry.providers import SpanProcessorHub, process_providers
from pathfinder.telemetry.settings import TelemetrySettings

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Telemetry:
    """What one :func:`configure_telemetry` call set up. ``tracer_provider`` and ``meter_provider`` are the
    process-wide (global) providers; :meth:`shutdown` detaches this call's exporters and readers from them."""

    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    _span_hub: SpanProcessorHub = field(repr=False)
    _span_processors: tuple[SpanProcessor, ...] = field(default=(), repr=False)
    _own_readers: tuple[exporters.ExportingMetricReader, ...] = field(default=(), repr=False)
    _given_readers: tuple[MetricReader, ...] = field(default=(), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _shut_down: bool = field(default=False, repr=False)

    @property
    def is_shut_down(self) -> bool:
        return self._shut_down

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Export what this configuration's processors and readers hold now; ``False`` if any did not finish."""
        if self._shut_down:
            return True
        flushed = [processor.force_flush(timeout_millis) for processor in self._span_processors]
        flushed += [reader.force_flush(timeout_millis) for reader in (*self._own_readers, *self._given_readers)]
        return all(flushed)

    def shutdown(self) -> None:
        """Flush and detach this configuration's span processors and metric readers, then shut them down.

        Idempotent and safe from several threads; also registered to run at interpreter exit. The global
        providers keep working (they cannot be replaced), and a failure in one part does not stop the rest.
        """
        with self._lock:
            if self._shut_down:
                return
            self._shut_down = True
        atexit.unregister(self.shutdown)
        for processor in self._span_processors:
            self._span_hub.remove(processor)
            _quietly(processor.shutdown, "span processor")  # exports what is still queued
        for own in self._own_readers:
            _quietly(own.shutdown, "metric reader")  # its last collection is exported while still registered
            _quietly(partial(self.meter_provider.remove_metric_reader, own), "metric reader")
        for given in self._given_readers:
            _quietly(given.force_flush, "metric reader")
            _quietly(partial(self.meter_provider.remove_metric_reader, given), "metric reader")


def configure_telemetry(
    service_name: str,
    settings: TelemetrySettings,
    *,
    span_exporter: SpanExporter | None = None,
    metric_reader: MetricReader | None = None,
) -> Telemetry:
    """Set up tracing, metrics and logging for ``service_name`` as ``settings`` say; see the module docstring
    for what happens when called more than once in a process.

    ``span_exporter`` (exported synchronously, e.g. an ``InMemorySpanExporter`` in tests) and ``metric_reader``
    (e.g. an ``InMemoryMetricReader``) are attached *in addition to* whatever ``settings.exporter`` selects;
    they are shut down by :meth:`Telemetry.shutdown`.
    """
    configure_logging(service_name, settings.log_level, settings.log_format)
    providers = process_providers(service_name)

    span_processors = exporters.span_processors(settings)
    if span_exporter is not None:
        span_processors.append(SimpleSpanProcessor(span_exporter))
    own_readers = exporters.metric_readers(settings)
    given_readers = [metric_reader] if metric_reader is not None else []

    for processor in span_processors:
        providers.span_hub.add(processor)
    for reader in (*own_readers, *given_readers):
        providers.meter_provider.add_metric_reader(reader)

    telemetry = Telemetry(
        tracer_provider=providers.tracer_provider,
        meter_provider=providers.meter_provider,
        _span_hub=providers.span_hub,
        _span_processors=tuple(span_processors),
        _own_readers=tuple(own_readers),
        _given_readers=tuple(given_readers),
    )
    atexit.register(telemetry.shutdown)
    log.debug("telemetry configured for %s with exporter %s", service_name, settings.exporter)
    return telemetry


def _quietly(action: Callable[[], object], what: str) -> None:
    try:
        action()
    except Exception:
        log.exception("telemetry shutdown: a %s failed to shut down", what)
