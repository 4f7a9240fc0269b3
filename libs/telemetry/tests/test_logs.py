from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pathfinder.telemetry import TelemetrySettings, configure_logging, configure_telemetry, correlation_scope
from pathfinder.telemetry.logs import HANDLER_NAME
from pathfinder.telemetry.redaction import REDACTED
from pathfinder.telemetry.setup import Telemetry

JsonLines = Callable[[], list[dict[str, Any]]]
log = logging.getLogger("pathfinder.tests.telemetry")


def _ours() -> list[logging.Handler]:
    return [handler for handler in logging.getLogger().handlers if handler.get_name() == HANDLER_NAME]


def test_json_line_has_the_standard_fields(json_lines: JsonLines) -> None:
    configure_logging("svc-logs", "INFO", "json")
    before = datetime.now(UTC)
    log.info("hello %s", "world")
    (line,) = json_lines()
    assert list(line)[:8] == [
        "time",
        "level",
        "logger",
        "message",
        "service",
        "trace_id",
        "span_id",
        "correlation_id",
    ]
    assert line["level"] == "INFO"
    assert line["logger"] == "pathfinder.tests.telemetry"
    assert line["message"] == "hello world"
    assert line["service"] == "svc-logs"
    assert line["trace_id"] is None
    assert line["span_id"] is None
    assert line["correlation_id"] is None
    assert line["time"].endswith("Z")
    logged_at = datetime.fromisoformat(line["time"])
    assert logged_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= logged_at <= datetime.now(UTC)


def test_json_line_carries_trace_and_span_ids_inside_a_span(
    json_lines: JsonLines, shutdown_after: Callable[[Telemetry], Telemetry]
) -> None:
    telemetry = shutdown_after(
        configure_telemetry("svc-logs", TelemetrySettings(), span_exporter=InMemorySpanExporter())
    )
    tracer = telemetry.tracer_provider.get_tracer("tests")
    with tracer.start_as_current_span("outer") as span:
        log.info("inside")
    log.info("outside")
    inside, outside = json_lines()
    context = span.get_span_context()
    assert inside["trace_id"] == f"{context.trace_id:032x}"
    assert inside["span_id"] == f"{context.span_id:016x}"
    assert outside["trace_id"] is None
    assert outside["span_id"] is None


def test_json_line_carries_the_correlation_id_inside_a_scope(json_lines: JsonLines) -> None:
    configure_logging("svc-logs", "INFO", "json")
    with correlation_scope("corr-123"):
        log.info("inside")
    log.info("outside")
    inside, outside = json_lines()
    assert inside["correlation_id"] == "corr-123"
    assert outside["correlation_id"] is None


def test_extra_fields_are_included(json_lines: JsonLines) -> None:
    configure_logging("svc-logs", "INFO", "json")
    log.info("delivered", extra={"topic": "notifications", "attempt": 2, "tags": ["a", "b"]})
    (line,) = json_lines()
    assert line["topic"] == "notifications"
    assert line["attempt"] == 2
    assert line["tags"] == ["a", "b"]


def test_nhs_numbers_are_redacted_in_message_and_extras(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("svc-logs", "INFO", "json")
    log.info(
        "matched 943 476 5919 and %s",
        "9434765919",
        extra={"nhs_number": "943-476-5919", "numeric": 9434765919, "nested": {"ids": ["9434765919"]}},
    )
    output = capsys.readouterr().err
    assert "5919" not in output
    line = json.loads(output)
    assert line["message"] == f"matched {REDACTED} and {REDACTED}"
    assert line["nhs_number"] == REDACTED
    assert line["numeric"] == REDACTED
    assert line["nested"] == {"ids": [REDACTED]}


def test_nhs_numbers_are_redacted_in_exception_text(json_lines: JsonLines) -> None:
    configure_logging("svc-logs", "INFO", "json")
    try:
        raise ValueError("no record for 9434765919")
    except ValueError:
        log.exception("lookup failed")
    (line,) = json_lines()
    assert f"ValueError: no record for {REDACTED}" in line["exc_info"]
    assert "9434765919" not in json.dumps(line)


def test_a_correlation_id_that_looks_like_an_nhs_number_is_redacted(json_lines: JsonLines) -> None:
    configure_logging("svc-logs", "INFO", "json")
    with correlation_scope("9434765919"):
        log.info("request")
    (line,) = json_lines()
    assert line["correlation_id"] == REDACTED


def test_text_format_includes_the_ids(
    capsys: pytest.CaptureFixture[str], shutdown_after: Callable[[Telemetry], Telemetry]
) -> None:
    telemetry = shutdown_after(
        configure_telemetry("svc-text", TelemetrySettings(log_format="text"), span_exporter=InMemorySpanExporter())
    )
    with (
        correlation_scope("corr-text"),
        telemetry.tracer_provider.get_tracer("tests").start_as_current_span("s") as span,
    ):
        log.warning("careful with %s", "943 476 5919")
    log.warning("no context")
    inside, outside = capsys.readouterr().err.splitlines()[-2:]
    context = span.get_span_context()
    assert " WARNING pathfinder.tests.telemetry " in inside
    assert f"trace_id={context.trace_id:032x}" in inside
    assert f"span_id={context.span_id:016x}" in inside
    assert "correlation_id=corr-text" in inside
    assert "service=svc-text" in inside
    assert inside.endswith(f"careful with {REDACTED}")
    assert "trace_id=- span_id=- correlation_id=-" in outside


def test_level_is_applied(json_lines: JsonLines) -> None:
    configure_logging("svc-logs", "warning", "json")
    log.info("dropped")
    log.warning("kept")
    assert [line["message"] for line in json_lines()] == ["kept"]


def test_unknown_level_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("svc-logs", "LOUD", "json")


def test_configuring_twice_does_not_duplicate_the_handler(json_lines: JsonLines) -> None:
    others = [handler for handler in logging.getLogger().handlers if handler.get_name() != HANDLER_NAME]
    configure_logging("svc-logs", "INFO", "text")
    configure_logging("svc-logs", "INFO", "json")
    assert len(_ours()) == 1
    log.info("once")
    assert [line["message"] for line in json_lines()] == ["once"]
    others_after = [handler for handler in logging.getLogger().handlers if handler.get_name() != HANDLER_NAME]
    assert others_after == others  # a test runner's capture handlers are left in place


def test_handler_follows_sys_stderr_when_it_is_replaced(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    configure_logging("svc-logs", "INFO", "json")
    replacement = io.StringIO()
    monkeypatch.setattr(sys, "stderr", replacement)
    log.info("to the replacement")
    assert json.loads(replacement.getvalue())["message"] == "to the replacement"
