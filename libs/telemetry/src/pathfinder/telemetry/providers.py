"""The process-wide tracer and meter providers.

OpenTelemetry lets the global providers be set once per process, and instruments (``trace.get_tracer``,
``metrics.get_meter``) bind to them. So the first :func:`process_providers` call creates one SDK
``TracerProvider`` and one SDK ``MeterProvider``, with that call's resource, and makes them global; later calls
return the same pair. (If another component already made SDK providers global, they are adopted instead.)

What varies between configurations is attached to the pair and can be detached again: span processors join a
:class:`SpanProcessorHub` registered once on the tracer provider, and metric readers are added with
``MeterProvider.add_metric_reader`` and removed with ``remove_metric_reader``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_NAMESPACE, Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider

log = logging.getLogger(__name__)

SERVICE_NAMESPACE_VALUE = "pathfinder"


def build_resource(service_name: str) -> Resource:
    """``service.name`` and ``service.namespace="pathfinder"``, over the SDK's defaults and
    ``OTEL_RESOURCE_ATTRIBUTES``."""
    return Resource.create({SERVICE_NAME: service_name, SERVICE_NAMESPACE: SERVICE_NAMESPACE_VALUE})


class SpanProcessorHub(SpanProcessor):
    """Forwards to a changeable set of span processors; ``TracerProvider`` itself can only add them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._members: tuple[SpanProcessor, ...] = ()  # replaced, never mutated, so iteration needs no lock

    def add(self, processor: SpanProcessor) -> None:
        with self._lock:
            self._members = (*self._members, processor)

    def remove(self, processor: SpanProcessor) -> None:
        with self._lock:
            self._members = tuple(member for member in self._members if member is not processor)

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        for member in self._members:
            member.on_start(span, parent_context=parent_context)

    def _on_ending(self, span: Span) -> None:
        for member in self._members:
            member._on_ending(span)

    def on_end(self, span: ReadableSpan) -> None:
        for member in self._members:
            member.on_end(span)

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return all([member.force_flush(timeout_millis) for member in self._members])

    def shutdown(self) -> None:
        """Called when the tracer provider shuts down (at interpreter exit): shut down whatever is attached."""
        with self._lock:
            members, self._members = self._members, ()
        for member in members:
            member.shutdown()


@dataclass(frozen=True)
class ProcessProviders:
    service_name: str  # as first configured; the resource cannot change afterwards
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    span_hub: SpanProcessorHub


_lock = threading.Lock()
_providers: ProcessProviders | None = None


def process_providers(service_name: str) -> ProcessProviders:
    """The process's providers, created for ``service_name`` and made global on the first call."""
    global _providers
    with _lock:
        if _providers is None:
            hub = SpanProcessorHub()
            resource = build_resource(service_name)
            tracer_provider = _global_tracer_provider(resource)
            tracer_provider.add_span_processor(hub)
            _providers = ProcessProviders(service_name, tracer_provider, _global_meter_provider(resource), hub)
        elif _providers.service_name != service_name:
            log.warning(
                "telemetry was first configured in this process for service %r; its resource is kept for %r",
                _providers.service_name,
                service_name,
            )
        return _providers


def _global_tracer_provider(resource: Resource) -> TracerProvider:
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = TracerProvider(resource=resource)
    trace.set_tracer_provider(provider)
    if trace.get_tracer_provider() is not provider:
        log.warning("a non-SDK global tracer provider is already set; spans from trace.get_tracer are not exported")
    return provider


def _global_meter_provider(resource: Resource) -> MeterProvider:
    current = metrics.get_meter_provider()
    if isinstance(current, MeterProvider):
        return current
    provider = MeterProvider(resource=resource)
    metrics.set_meter_provider(provider)
    if metrics.get_meter_provider() is not provider:
        log.warning("a non-SDK global meter provider is already set; metrics.get_meter instruments are not exported")
    return provider
