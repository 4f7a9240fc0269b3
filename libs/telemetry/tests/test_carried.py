"""A request's trace and correlation id, stored and continued later by a worker: the worker's span is in the
request's trace, under its correlation id; with nothing stored, a trace of its own."""

from __future__ import annotations

from collections.abc import Callable

from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pathfinder.telemetry import (
    Telemetry,
    TelemetrySettings,
    carried_context,
    configure_telemetry,
    continuing,
    correlation_scope,
    current_correlation_id,
)

QUIET = TelemetrySettings(exporter="none")


def test_work_finished_later_continues_the_requests_trace_and_correlation_id(
    shutdown_after: Callable[[Telemetry], Telemetry],
) -> None:
    exporter = InMemorySpanExporter()
    shutdown_after(configure_telemetry("svc-carried", QUIET, span_exporter=exporter))
    tracer = trace.get_tracer("tests.carried")
    with correlation_scope("trust-retry-1"), tracer.start_as_current_span("POST /fhir/$process-message") as request:
        stored = carried_context()
    assert stored["correlation_id"] == "trust-retry-1" and "traceparent" in stored

    with continuing(stored, "identify the child"):
        assert current_correlation_id() == "trust-retry-1"
        later = trace.get_current_span().get_span_context()
    with continuing(None, "identify the child"):
        alone = trace.get_current_span().get_span_context()
        assert current_correlation_id() not in (None, "trust-retry-1")

    assert later.trace_id == request.get_span_context().trace_id
    assert alone.is_valid and alone.trace_id != request.get_span_context().trace_id
    [finished] = [span for span in exporter.get_finished_spans() if span.context.span_id == later.span_id]
    assert finished.parent is not None and finished.parent.span_id == request.get_span_context().span_id
