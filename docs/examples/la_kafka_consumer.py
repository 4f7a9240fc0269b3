"""An LA's consumer of its Pathfinder Kafka topic, written with confluent-kafka alone (no Pathfinder code).

Delivery is at least once: after a broker restart, a redelivery or a relay retry the same event can arrive
again, with the same ``ce_id`` header. The consumer therefore remembers the ``ce_id`` of every event it has
handled (here in a SQLite file, so the memory survives a restart of the consumer too), skips one it has seen,
and commits its offset only after the event is handled and remembered.

    python docs/examples/la_kafka_consumer.py --bootstrap 127.0.0.1:9092 --la 841

Each record: the key is the child's pseudonymous person id (one child's events arrive in order), the value the
event's JSON data, the headers CloudEvents attributes (``ce_id``, ``ce_type``, ``ce_subject``, ``ce_lacode``,
``ce_dataref``: where to fetch the details with the LA's access token).
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaError, Message

Handler = Callable[[dict[str, Any], dict[str, str]], None]


class SeenEvents:
    """The ``ce_id`` of every event handled, kept in a SQLite file."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS seen (ce_id TEXT PRIMARY KEY)")

    def first_time(self, ce_id: str) -> bool:
        """Remember ``ce_id``; False if it was remembered before (a repeat)."""
        with self._db:
            inserted = self._db.execute("INSERT OR IGNORE INTO seen (ce_id) VALUES (?)", (ce_id,))
        return inserted.rowcount == 1

    def close(self) -> None:
        self._db.close()


def headers_of(message: Message) -> dict[str, str]:
    return {key: (value or b"").decode() for key, value in message.headers() or []}


def consume(consumer: Consumer, seen: SeenEvents, handle: Handler, *, stop: Callable[[], bool] = lambda: False) -> int:
    """Handle each new event once, until ``stop()`` says so; returns how many were handled."""
    handled = 0
    while not stop():
        message = consumer.poll(0.5)
        if message is None:
            continue
        error = message.error()
        if error is not None:
            if error.code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                continue
            raise RuntimeError(error.str())
        headers = headers_of(message)
        # Handling and remembering are one step here; a real system does both in its own transaction.
        if seen.first_time(headers["ce_id"]):
            handle(json.loads(message.value() or b"{}"), headers)
            handled += 1
        consumer.commit(message=message, asynchronous=False)
    return handled


def la_consumer(bootstrap: str, la_code: str, group: str) -> Consumer:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,  # committed after each event is handled
            "topic.metadata.refresh.interval.ms": 5000,  # the topic may be made moments after the consumer starts
        }
    )
    consumer.subscribe([f"pathfinder.la.{la_code}.events"])
    return consumer


def print_event(data: dict[str, Any], headers: dict[str, str]) -> None:
    print(f"{headers['ce_type']} about {headers['ce_subject']}: details at {headers.get('ce_dataref')}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--la", required=True, help="the LA's DfE code, e.g. 841")
    parser.add_argument("--group", help="consumer group (default: la-<code>.case-system)")
    parser.add_argument("--seen", type=Path, default=Path("seen-events.sqlite"), help="where handled ce_ids are kept")
    args = parser.parse_args()
    consumer = la_consumer(args.bootstrap, args.la, args.group or f"la-{args.la}.case-system")
    seen = SeenEvents(args.seen)
    stopping: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):  # stopped by Ctrl-C or a service manager: leave the group
        signal.signal(signum, lambda received, _frame: stopping.append(received))
    try:
        consume(consumer, seen, print_event, stop=lambda: bool(stopping))
    finally:
        consumer.close()
        seen.close()


if __name__ == "__main__":
    main()
