"""A pooled connection the server has closed (a restart, a failover, an idle timeout, a terminated backend) is
never handed out: it is dropped at checkout and another one opened.

The check costs no round trip. The driver learns of the closed socket as soon as the event loop reads its end
of file, so asking it whether the connection is closed is enough; SQLAlchemy's own ``pool_pre_ping`` instead
begins a transaction, runs a statement and rolls back, three round trips on every checkout, which was a third of
the database work of an accepted notification.

What the driver cannot see is a connection something between it and the server dropped without a word (a NAT
gateway's or load balancer's idle timeout, commonly four to six minutes): a connection that sat in the pool
longer than ``IDLE_LIMIT_SECONDS`` is replaced rather than trusted. Under load connections never sit that long,
so this costs nothing when it matters."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

IDLE_LIMIT_SECONDS = 120.0
_RETURNED_AT = "pathfinder_returned_at"


def drop_closed_connections(engine: AsyncEngine) -> None:
    event.listen(engine.sync_engine.pool, "checkin", _note_return)
    event.listen(engine.sync_engine.pool, "checkout", _refuse_if_closed)


def _note_return(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_RETURNED_AT] = time.monotonic()


def _refuse_if_closed(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # DisconnectionError here makes the pool discard this connection and check out another, so the caller never
    # sees the closed one.
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")
    returned_at = record.info.get(_RETURNED_AT)
    if returned_at is not None and time.monotonic() - returned_at > IDLE_LIMIT_SECONDS:
        raise DisconnectionError("this pooled connection sat idle longer than a network path may keep it")
