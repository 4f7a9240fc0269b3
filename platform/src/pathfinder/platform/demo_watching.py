"""What the demos show as it happens: a line per step, an LA's Kafka topic as its system reads it, and waiting."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer
from pathfinder.notifications.domain.la_subscription import la_topic


def say(who: str, text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  {who:<14} {text}", flush=True)


def matching(text: str, ids: dict[str, str]) -> str | None:
    """The first of ``ids`` that ``text`` names."""
    return next((found for found in ids if found in text), None)


async def watch_topic(la_code: str, bootstrap: str, ids: dict[str, str], seen: set[str], stop: asyncio.Event) -> None:
    """Read the LA's topic from the start until ``stop``, adding to ``seen`` each of ``ids`` an event names."""
    consumer = AIOKafkaConsumer(
        la_topic(la_code), bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        while not stop.is_set():
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                for record in batch:
                    found = matching((record.value or b"").decode(), ids)
                    if found and found not in seen:
                        seen.add(found)
                        event = json.loads(record.value or b"{}")
                        where = f"{la_topic(la_code)} p{record.partition}@{record.offset}"
                        say(f"LA {la_code} kafka", f"{where}: received for person {event.get('person_id')}")
    finally:
        await consumer.stop()


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.3)
    return True
