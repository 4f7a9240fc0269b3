from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence

import pytest
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pathfinder.telemetry import Telemetry, TelemetrySettings, configure_telemetry
from pathfinder.telemetry.exporters import otlp_signal_url, span_processors
from pathfinder.telemetry.logs import HANDLER_NAME
from pathfinder.telemetry.providers import build_resource

Register = Callable[[Telemetry], Telemetry]
QUIET = TelemetrySettings(exporter="none")


def _points(data: MetricsData | None, name: str) -> list[int | float]:
    assert data is not None
    return [
        point.value  # type: ignore[union-attr]
        for resource_metrics in data.resource_metrics
        for scope_metrics in resource_metrics.scope_metrics
        for metric in scope_metrics.metrics
        if metric.name == name
        for point in metric.data.data_points
    ]


def test_resource_names_the_service_in_the_pathfinder_namespace() -> None:
    attributes = build_resource("ehcp").attributes
    assert attributes["service.name"] == "ehcp"
    assert attributes["service.namespace"] == "pathfinder"


def test_in_memory_exporter_records_spans(shutdown_after: Register) -> None:
    exporter = InMemorySpanExporter()
    telemetry = shutdown_after(configure_telemetry("svc-setup", QUIET, span_exporter=exporter))
    with (
        telemetry.tracer_provider.get_tracer("tests").start_as_current_span("parent"),
        trace.get_tracer("tests.global").start_as_current_span("child"),
    ):
        pass
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert set(spans) == {"parent", "child"}
    assert spans["child"].parent is not None
    assert spans["child"].parent.span_id == spans["parent"].context.span_id
    assert spans["parent"].resource.attributes["service.namespace"] == "pathfinder"


def test_the_process_providers_are_the_global_ones(shutdown_after: Register) -> None:
    telemetry = shutdown_after(configure_telemetry("svc-setup", QUIET))
    assert trace.get_tracer_provider() is telemetry.tracer_provider
    assert metrics.get_meter_provider() is telemetry.meter_provider


def test_metric_reader_receives_metrics_from_the_global_api(shutdown_after: Register) -> None:
    reader = InMemoryMetricReader()
    shutdown_after(configure_telemetry("svc-setup", QUIET, metric_reader=reader))
    counter = metrics.get_meter("tests.metrics").create_counter("pathfinder.tests.reader_counter")
    counter.add(3)
    counter.add(4)
    assert _points(reader.get_metrics_data(), "pathfinder.tests.reader_counter") == [7]


def test_configuring_twice_reuses_the_providers_and_moves_export(
    shutdown_after: Register, caplog: pytest.LogCaptureFixture
) -> None:
    first_exporter, second_exporter = InMemorySpanExporter(), InMemorySpanExporter()
    first_reader, second_reader = InMemoryMetricReader(), InMemoryMetricReader()
    first = shutdown_after(
        configure_telemetry("svc-twice", QUIET, span_exporter=first_exporter, metric_reader=first_reader)
    )
    with caplog.at_level(logging.INFO):
        second = shutdown_after(
            configure_telemetry("svc-twice", QUIET, span_exporter=second_exporter, metric_reader=second_reader)
        )
    assert second.tracer_provider is first.tracer_provider
    assert second.meter_provider is first.meter_provider
    assert [h.get_name() for h in logging.getLogger().handlers].count(HANDLER_NAME) == 1

    tracer = trace.get_tracer("tests.twice")
    with tracer.start_as_current_span("both"):
        pass
    first.shutdown()
    with tracer.start_as_current_span("second only"):
        pass
    assert [span.name for span in first_exporter.get_finished_spans()] == ["both"]
    assert [span.name for span in second_exporter.get_finished_spans()] == ["both", "second only"]

    metrics.get_meter("tests.twice").create_counter("pathfinder.tests.twice_counter").add(5)
    assert _points(second_reader.get_metrics_data(), "pathfinder.tests.twice_counter") == [5]


class CountingExporter(SpanExporter):
    """Counts every export call, even after shutdown (unlike InMemorySpanExporter, which then ignores them)."""

    def __init__(self) -> None:
        self.exported: list[str] = []
        self.shutdowns = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.exported.extend(span.name for span in spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.shutdowns += 1


def test_shutdown_is_idempotent_and_detaches(shutdown_after: Register, caplog: pytest.LogCaptureFixture) -> None:
    exporter = CountingExporter()
    reader = InMemoryMetricReader()
    telemetry = shutdown_after(configure_telemetry("svc-setup", QUIET, span_exporter=exporter, metric_reader=reader))
    counter = metrics.get_meter("tests.after").create_counter("pathfinder.tests.after_counter")
    assert not telemetry.is_shut_down
    with trace.get_tracer("tests.after").start_as_current_span("before shutdown"):
        counter.add(1)

    telemetry.shutdown()
    telemetry.shutdown()
    assert telemetry.is_shut_down
    assert exporter.shutdowns == 1
    assert telemetry.force_flush() is True
    assert _points(reader.get_metrics_data(), "pathfinder.tests.after_counter") == [1]  # flushed at shutdown

    with caplog.at_level(logging.WARNING, logger="opentelemetry"):
        with trace.get_tracer("tests.after").start_as_current_span("after shutdown"):
            counter.add(1)
        # A detached processor is not called at all (an attached, shut-down one would warn about every span).
        assert not [r for r in caplog.records if "already shutdown" in r.getMessage()]
        assert exporter.exported == ["before shutdown"]
        # The reader was removed from the meter provider, so it can no longer collect.
        assert reader.get_metrics_data() is None


def test_console_exporter_is_flushed_on_shutdown(capsys: pytest.CaptureFixture[str]) -> None:
    settings = TelemetrySettings(exporter="console", metric_export_interval_ms=3_600_000)
    telemetry = configure_telemetry("svc-console", settings)
    try:
        with trace.get_tracer("tests.console").start_as_current_span("console span"):
            pass
        metrics.get_meter("tests.console").create_counter("pathfinder.tests.console_counter").add(1)
    finally:
        telemetry.shutdown()
    printed = capsys.readouterr().out
    assert '"name": "console span"' in printed
    assert '"name": "pathfinder.tests.console_counter"' in printed


def test_otlp_urls_follow_the_otlp_http_convention() -> None:
    assert otlp_signal_url("http://collector:4318", "traces") == "http://collector:4318/v1/traces"
    assert otlp_signal_url("http://collector:4318/", "metrics") == "http://collector:4318/v1/metrics"
    assert otlp_signal_url(None, "traces") is None


def test_otlp_exporter_batches_spans() -> None:
    processors = span_processors(TelemetrySettings(exporter="otlp", otlp_endpoint="http://127.0.0.1:9"))
    try:
        assert len(processors) == 1
        assert isinstance(processors[0], BatchSpanProcessor)
    finally:
        for processor in processors:
            processor.shutdown()
    assert span_processors(QUIET) == []


def test_first_configuration_in_a_fresh_process() -> None:
    """In a process of its own: the first call's providers become global and later calls keep them."""
    script = textwrap.dedent(
        """
        import logging
        from opentelemetry import metrics, propagate, trace
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
        from pathfinder.telemetry import TelemetrySettings, configure_telemetry

        exporter = InMemorySpanExporter()
        first = configure_telemetry("first-service", TelemetrySettings(), span_exporter=exporter)
        assert trace.get_tracer_provider() is first.tracer_provider
        assert metrics.get_meter_provider() is first.meter_provider
        second = configure_telemetry("second-service", TelemetrySettings(), span_exporter=exporter)
        assert second.tracer_provider is first.tracer_provider
        with trace.get_tracer("fresh").start_as_current_span("span"):
            carrier = {}
            propagate.inject(carrier)
        assert set(carrier) == {"traceparent"}, carrier
        (span, again) = exporter.get_finished_spans()
        assert span.resource.attributes["service.name"] == "first-service"
        assert len([h for h in logging.getLogger().handlers if h.get_name() == "pathfinder.telemetry"]) == 1
        first.shutdown()
        second.shutdown()
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert "telemetry was first configured in this process for service 'first-service'" in result.stderr
