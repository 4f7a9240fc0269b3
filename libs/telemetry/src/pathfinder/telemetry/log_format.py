"""Formatters for Pathfinder's log lines: JSON lines for machines, one-line text for people.

Both print the time in ISO 8601 UTC, the level, the logger, the service, the trace and span ids of the current
OpenTelemetry span and the correlation id (the context fields are put on each record by
:class:`pathfinder.telemetry.logs.LogContextFilter`). Exception and stack text pass through
:func:`~pathfinder.telemetry.redaction.redact_text`, whatever filters ran before.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import TracebackType
from typing import Final, TypeAlias

from pathfinder.telemetry.redaction import redact_text
from pythonjsonlogger.json import JsonFormatter

ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

CONTEXT_FIELDS: Final = ("service", "trace_id", "span_id", "correlation_id")
"""Record attributes added by the log context filter; absent when there is no value."""


def iso_utc(created: float) -> str:
    """A record's creation time as ISO 8601 in UTC with millisecond precision, e.g. ``2026-11-02T09:30:00.123Z``."""
    return datetime.fromtimestamp(created, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PathfinderJsonFormatter(JsonFormatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message``, ``service``, ``trace_id``,
    ``span_id``, ``correlation_id`` (``null`` when unknown), then any ``extra=`` fields."""

    def __init__(self) -> None:
        super().__init__(
            ["asctime", "levelname", "name", "message", *CONTEXT_FIELDS],
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return iso_utc(record.created)

    def formatException(self, ei: ExcInfo) -> str:
        return _redacted(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _redacted(super().formatStack(stack_info))


def _redacted(text: str | list[str]) -> str:
    return redact_text(text if isinstance(text, str) else "\n".join(text))


class PathfinderTextFormatter(logging.Formatter):
    """``<time> <LEVEL> <logger> [service=… trace_id=… span_id=… correlation_id=…] <message>``, with ``-`` for an
    unknown id."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s ["
            + " ".join(f"{name}=%({name})s" for name in CONTEXT_FIELDS)
            + "] %(message)s",
            defaults=dict.fromkeys(CONTEXT_FIELDS, "-"),
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return iso_utc(record.created)

    def formatException(self, ei: ExcInfo) -> str:
        return redact_text(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return redact_text(super().formatStack(stack_info))
