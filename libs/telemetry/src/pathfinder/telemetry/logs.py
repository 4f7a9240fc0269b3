"""Structured logging for every Pathfinder process: one handler on the root logger, writing to stderr.

Each line carries the service, the trace and span ids of the current OpenTelemetry span and the correlation id,
so a log line can be joined to its trace and to the request or event that caused it. Before a record is
formatted, :class:`~pathfinder.telemetry.redaction.NhsNumberRedactionFilter` redacts anything that looks like an
NHS number (defence in depth: code must not log personal data in the first place).
"""

from __future__ import annotations

import logging
import sys
from typing import Final, Literal, TextIO

from opentelemetry import trace
from pathfinder.telemetry.correlation import current_correlation_id
from pathfinder.telemetry.log_format import PathfinderJsonFormatter, PathfinderTextFormatter
from pathfinder.telemetry.redaction import NhsNumberRedactionFilter

HANDLER_NAME: Final = "pathfinder.telemetry"
"""The name of the root handler :func:`configure_logging` installs (and replaces when called again)."""


class LogContextFilter(logging.Filter):
    """Adds ``service``, ``trace_id`` and ``span_id`` (lower-case hex, only inside a valid span) and
    ``correlation_id`` (only inside a correlation scope) to each record, keeping any value given in ``extra=``.
    It runs as the record is handled, on the thread and in the context that logged it."""

    def __init__(self, service_name: str) -> None:
        super().__init__()
        self.service_name = service_name

    def filter(self, record: logging.LogRecord) -> bool:
        values: dict[str, str | None] = {"service": self.service_name, "correlation_id": current_correlation_id()}
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            values["trace_id"] = trace.format_trace_id(span_context.trace_id)
            values["span_id"] = trace.format_span_id(span_context.span_id)
        for name, value in values.items():
            if value is not None and name not in record.__dict__:
                setattr(record, name, value)
        return True


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is when a record is emitted, like :data:`logging.lastResort`, so that
    replacing ``sys.stderr`` (as test runners do) never leaves the handler writing to a closed stream."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """Ignored: the stream is always the current ``sys.stderr``."""


def configure_logging(service_name: str, level: str, fmt: Literal["json", "text"]) -> None:
    """Send the root logger's records at ``level`` and above to stderr as JSON lines (``fmt="json"``) or text.

    Idempotent: a handler installed by an earlier call is replaced, never duplicated; handlers installed by
    anything else (e.g. a test runner's capture) are left alone.
    """
    levels = logging.getLevelNamesMapping()
    numeric_level = levels.get(level.strip().upper())
    if numeric_level is None:
        raise ValueError(f"unknown log level {level!r}")

    handler = _StderrHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(PathfinderJsonFormatter() if fmt == "json" else PathfinderTextFormatter())
    handler.addFilter(LogContextFilter(service_name))
    handler.addFilter(NhsNumberRedactionFilter())  # after the context filter, so it sees every field

    root = logging.getLogger()
    for existing in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(existing)
        existing.close()
    root.addHandler(handler)
    root.setLevel(numeric_level)
