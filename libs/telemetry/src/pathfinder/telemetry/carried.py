"""A request's trace context and correlation id, kept with work that a worker finishes later (a row it picks up),
so that what the worker does for it, and the events it raises, continue the request's trace instead of starting
their own: one trust's POST can still be followed to every service that applied its events."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from opentelemetry import propagate, trace
from pathfinder.telemetry.correlation import correlation_scope, current_correlation_id

CORRELATION_ID = "correlation_id"
_tracer = trace.get_tracer("pathfinder.telemetry")


def carried_context() -> dict[str, str]:
    """The current trace context (W3C ``traceparent``, ``tracestate``) and correlation id, to store."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    correlation_id = current_correlation_id()
    if correlation_id is not None:
        carrier[CORRELATION_ID] = correlation_id
    return carrier


@contextmanager
def continuing(carried: Mapping[str, str] | None, span_name: str) -> Iterator[None]:
    """A span named ``span_name`` in the trace ``carried`` names (a new trace if none), under its correlation id."""
    carrier = dict(carried or {})
    with (
        correlation_scope(carrier.get(CORRELATION_ID)),
        _tracer.start_as_current_span(span_name, context=propagate.extract(carrier)),
    ):
        yield
