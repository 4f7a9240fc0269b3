"""A last line of defence against NHS numbers in logs.

Pathfinder code must never log personal data: identify people by their opaque Pathfinder ids. This module is
**defence in depth** against a mistake slipping through; it is not a licence to log personal data. It redacts
anything that looks like an NHS number: ten digits, either run together (``9434765919``) or grouped 3-3-4 with
spaces or hyphens (``943 476 5919``, ``943-476-5919``). No checksum test is made, so that mistyped numbers are
redacted too.

A candidate must not touch another letter ``a``-``f`` or digit on either side, so hexadecimal tokens (UUIDs,
trace and span ids, hashes) are never garbled. The price is that other ten-digit numbers, such as Unix times in
seconds, are redacted as well.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

REDACTED: Final = "[redacted-nhs-number]"

NHS_NUMBER_PATTERN: Final = re.compile(r"(?<![0-9A-Fa-f])\d{3}[ -]?\d{3}[ -]?\d{4}(?![0-9A-Fa-f])")
"""Ten digits, optionally grouped 3-3-4 by spaces or hyphens, not next to another hexadecimal character."""

# Attributes every LogRecord has; anything else on a record came from ``extra=`` or a filter.
_STANDARD_ATTRIBUTES: Final = frozenset(
    {*logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__, "message", "asctime", "taskName"}
)
_MAX_DEPTH: Final = 8


def redact_text(text: str) -> str:
    """``text`` with every NHS-number-like run of digits replaced by :data:`REDACTED`."""
    return NHS_NUMBER_PATTERN.sub(REDACTED, text)


def redact_value(value: Any, _depth: int = 0) -> Any:
    """A copy of ``value`` with NHS-number-like text redacted; the original is never modified.

    Strings are redacted; integers of ten digits become :data:`REDACTED`; dictionaries (keys too), lists, tuples
    and sets are redacted item by item; booleans, floats and ``None`` are kept. Any other object is kept unless
    its ``str()`` contains an NHS-number-like run, in which case it is replaced by its redacted ``str()``.
    """
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, int):
        return REDACTED if len(str(abs(value))) == 10 else value
    if _depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {redact_value(key, _depth + 1): redact_value(item, _depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_value(item, _depth + 1) for item in value]
    if isinstance(value, tuple):
        return tuple(redact_value(item, _depth + 1) for item in value)
    if isinstance(value, set | frozenset):
        return {redact_value(item, _depth + 1) for item in value}
    try:
        text = str(value)
    except Exception:
        return value
    redacted = redact_text(text)
    return redacted if redacted != text else value


class NhsNumberRedactionFilter(logging.Filter):
    """Redacts NHS-number-like text from a record's message, arguments, ``extra=`` fields, exception and stack
    text before it is formatted. Attach it to every handler that writes logs out of the process (filters on a
    parent logger do not see records propagated from child loggers). It never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redact_message(record)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRIBUTES:
                setattr(record, key, redact_value(value))
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def _redact_message(record: logging.LogRecord) -> None:
    if isinstance(record.msg, dict):  # a dict logged as the message; the JSON formatter emits its items
        record.msg = redact_value(record.msg)
        return
    try:
        message = record.getMessage()
    except Exception:
        # The formatter will report the bad format string; make sure what it prints is redacted.
        record.msg = redact_value(record.msg)
        record.args = redact_value(record.args)
        return
    redacted = redact_text(message)
    if redacted != message:
        record.msg = redacted
        record.args = None
