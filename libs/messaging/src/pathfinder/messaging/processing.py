"""The "process" span of a consumed event, and its correlation id in the log context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from pathfinder.messaging.delivery import Delivery
from pathfinder.messaging.tracing import messaging_attributes
from pathfinder.telemetry.correlation import correlation_scope

_tracer = trace.get_tracer("pathfinder.messaging")


@contextmanager
def process_span(consumer_group: str, delivery: Delivery) -> Iterator[trace.Span]:
    """A CONSUMER span that continues the producer's trace and links to its creation context, so one
    request can be followed from the HTTP call to every consumer that applied its events."""
    envelope = delivery.envelope
    carrier: dict[str, str] = {}
    if envelope is not None and envelope.traceparent:
        carrier["traceparent"] = envelope.traceparent
        if envelope.tracestate:
            carrier["tracestate"] = envelope.tracestate
    creation = propagate.extract(carrier)
    creation_span = trace.get_current_span(creation).get_span_context()
    links = [Link(creation_span)] if creation_span.is_valid else []
    with (
        correlation_scope(envelope.correlation_id if envelope else None),
        _tracer.start_as_current_span(
            f"process {delivery.topic}",
            context=creation,
            kind=SpanKind.CONSUMER,
            links=links,
            attributes=messaging_attributes(
                "process",
                delivery.topic,
                message_id=str(delivery.event_id),
                partition=delivery.partition,
                offset=delivery.offset,
                consumer_group=consumer_group,
            ),
            record_exception=True,
            set_status_on_exception=True,
        ) as span,
    ):
        yield span
        span.set_status(Status(StatusCode.OK))
