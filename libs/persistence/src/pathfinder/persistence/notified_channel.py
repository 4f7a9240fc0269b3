"""Waking a worker when PostgreSQL says there is work: ``LISTEN`` on a channel that a trigger notifies when a row
it waits for is committed, with the worker's poll interval left as the fallback for anything a notice misses
(the listening connection was away, the work fell due later, the row came from elsewhere).

A waiter takes a ticket before it looks for work and waits on that ticket after finding none: a notice that
came in between ends the wait at once, so no work committed while the worker looked waits for the next poll.
Every waiter holding a ticket wakes, so several lanes of one process can share one listening connection.

The channel never fails its waiters: while it cannot listen it says so once and they poll, and it tries to listen
again after a pause that doubles up to a minute. Whenever it starts listening, or the connection drops, every
waiter wakes to look for work at once, for whatever was notified while nobody listened."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg

log = logging.getLogger(__name__)
_CONNECT_TIMEOUT_SECONDS = 5.0  # an unreachable server costs a poll interval or two, not the driver's minute
_CLOSE_TIMEOUT_SECONDS = 2.0
_FIRST_PAUSE_SECONDS, _LONGEST_PAUSE_SECONDS = 1.0, 60.0


class NotifiedChannel:
    def __init__(self, dsn: str, channel: str) -> None:
        self._dsn = dsn
        self._channel = channel
        self._rung = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._connecting = asyncio.Lock()
        self._pause = 0.0
        self._next_try = 0.0

    def ticket(self) -> asyncio.Event:
        """Take before looking for work; pass to :meth:`wait` if none was found."""
        return self._rung

    async def wait(self, ticket: asyncio.Event, stop: asyncio.Event, timeout: float) -> None:
        """Until a notice after ``ticket`` was taken, ``stop``, or ``timeout`` seconds."""
        waiters = {asyncio.ensure_future(ticket.wait()), asyncio.ensure_future(stop.wait())}
        try:
            if not self._connecting.locked():  # one waiter connects; the others wait meanwhile
                await self._listen()
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None or listener.is_closed():
            return
        try:
            await listener.close(timeout=_CLOSE_TIMEOUT_SECONDS)
        except Exception:  # a half-open socket, a server gone: nothing to flush, so drop it
            listener.terminate()

    async def _listen(self) -> None:
        if self._listening():
            return
        async with self._connecting:
            loop = asyncio.get_running_loop()
            if self._listening() or loop.time() < self._next_try:
                return
            listener: asyncpg.Connection | None = None
            try:
                listener = await asyncpg.connect(self._dsn, timeout=_CONNECT_TIMEOUT_SECONDS)
                await listener.add_listener(self._channel, self._on_notice)
                listener.add_termination_listener(self._on_dropped)
            except Exception:  # whatever stops it listening, its waiters poll instead
                if listener is not None:
                    listener.terminate()
                if self._pause == 0.0:
                    log.warning("cannot listen on %s; polling meanwhile", self._channel, exc_info=True)
                self._pause = min(_LONGEST_PAUSE_SECONDS, max(_FIRST_PAUSE_SECONDS, self._pause * 2))
                self._next_try = loop.time() + self._pause
                return
            if self._pause:
                log.info("listening on %s again", self._channel)
            self._pause = 0.0
            self._listener = listener
        self._ring()

    def _listening(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    def _on_notice(self, *_notice: Any) -> None:
        self._ring()

    def _on_dropped(self, *_connection: Any) -> None:
        self._ring()  # its waiters look for work, and the next wait listens again

    def _ring(self) -> None:
        rung, self._rung = self._rung, asyncio.Event()
        rung.set()
