"""Waking a worker when PostgreSQL says there is work: ``LISTEN`` on a channel that a trigger notifies when a row
it waits for is committed, with the worker's poll interval left as the fallback for anything a notice misses
(the listening connection was away, the work fell due later, the row came from elsewhere).

A waiter takes a ticket before it looks for work and waits on that ticket after finding none: a notice that
came in between ends the wait at once, so no work committed while the worker looked waits for the next poll.
Every waiter holding a ticket wakes, so several lanes of one process can share one listening connection."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg

log = logging.getLogger(__name__)
_CONNECT_TIMEOUT_SECONDS = 5.0  # an unreachable server costs a poll interval or two, not the driver's minute


class NotifiedChannel:
    def __init__(self, dsn: str, channel: str) -> None:
        self._dsn = dsn
        self._channel = channel
        self._rung = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._connecting = asyncio.Lock()

    def ticket(self) -> asyncio.Event:
        """Take before looking for work; pass to :meth:`wait` if none was found."""
        return self._rung

    async def wait(self, ticket: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
        """Until a notice after ``ticket`` was taken, ``stop``, or ``timeout`` seconds."""
        await self._listen()
        waiters = {asyncio.ensure_future(ticket.wait()), asyncio.ensure_future(stop.wait())}
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            try:
                await listener.close()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("error while closing the listener of %s", self._channel, exc_info=True)

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        async with self._connecting:
            if self._listener is not None and not self._listener.is_closed():
                return
            listener: asyncpg.Connection | None = None
            try:
                listener = await asyncpg.connect(self._dsn, timeout=_CONNECT_TIMEOUT_SECONDS)
                await listener.add_listener(self._channel, self._on_notice)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("cannot listen on %s; polling meanwhile", self._channel, exc_info=True)
                if listener is not None:
                    listener.terminate()
                return
            self._listener = listener
        self._ring()  # whatever was notified while nobody listened: look again at once

    def _on_notice(self, *_notice: Any) -> None:
        self._ring()

    def _ring(self) -> None:
        rung, self._rung = self._rung, asyncio.Event()
        rung.set()
