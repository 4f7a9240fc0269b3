"""The correlation id of the work in hand, carried in a context variable.

A correlation id ties together the log lines and events caused by one request or one consumed event; it is
carried in event envelopes and the ``X-Correlation-ID`` header. Being a :class:`~contextvars.ContextVar` it
follows ``asyncio`` tasks and is isolated between concurrent requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_correlation_id: ContextVar[str | None] = ContextVar("pathfinder_correlation_id", default=None)


def new_correlation_id() -> str:
    """A fresh correlation id (a random UUID in its canonical string form)."""
    return str(uuid.uuid4())


def current_correlation_id() -> str | None:
    """The correlation id of the enclosing :func:`correlation_scope`, or ``None`` outside any scope."""
    return _correlation_id.get()


@contextmanager
def correlation_scope(correlation_id: str | None = None) -> Iterator[str]:
    """Make ``correlation_id`` (a new one when ``None``) current until the block ends, then restore the
    previous value, even when the block raises. Yields the id in force."""
    effective = correlation_id if correlation_id is not None else new_correlation_id()
    token = _correlation_id.set(effective)
    try:
        yield effective
    finally:
        _correlation_id.reset(token)
