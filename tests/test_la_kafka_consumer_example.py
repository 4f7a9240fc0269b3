# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""The README's example LA consumer (docs/examples/la_kafka_consumer.py, confluent-kafka only) handles each event
once although Kafka delivers at least once: after a broker restart the platform's relay writes the retained events
again with the same ce_id, and a consumer starting over from the beginning skips them."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType
from uuid import uuid4

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "la_kafka_consumer.py"
TOPIC = "pathfinder.la.841.events"


def example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("la_kafka_consumer", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def publish(bootstrap: str, events: list[tuple[str, str]]) -> None:
    """As the relay writes an LA's topic: keyed by the child, CloudEvents headers, the event's JSON as value."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    if TOPIC not in admin.list_topics(timeout=10).topics:
        for future in admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)]).values():
            future.result(timeout=10)
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": False})
    for ce_id, person_id in events:
        headers: list[tuple[str, str | bytes | None]] = [
            ("ce_id", ce_id.encode()),
            ("ce_type", b"pathfinder.notifications.early-years-notification-received.v2"),
            ("ce_subject", person_id.encode()),
            ("ce_lacode", b"841"),
            ("ce_dataref", f"http://127.0.0.1:8001/fhir/early-years-notifications/{uuid4()}".encode()),
        ]
        producer.produce(TOPIC, key=person_id.encode(), value=json.dumps({"person_id": person_id}), headers=headers)
    assert producer.flush(10) == 0


def read(bootstrap: str, seen_file: Path, group: str, last: str) -> list[str]:
    """What the example hands its LA's system, read until the event ``last`` came (and a little longer, so that
    anything handled twice would show), or 60 s."""
    consumer_example = example()
    handled: list[str] = []
    deadline, settled = time.monotonic() + 60, [float("inf")]

    def stop() -> bool:
        if last in handled and settled[0] == float("inf"):
            settled[0] = time.monotonic() + 2
        return time.monotonic() > min(deadline, settled[0])

    seen = consumer_example.SeenEvents(seen_file)
    consumer = consumer_example.la_consumer(bootstrap, "841", group)
    try:
        consumer_example.consume(consumer, seen, lambda data, headers: handled.append(headers["ce_id"]), stop=stop)
    finally:
        consumer.close()
        seen.close()
    return handled


async def test_the_example_consumer_handles_each_event_once_across_a_broker_restart(fresh_broker, tmp_path) -> None:
    events = [(str(uuid4()), str(uuid4())) for _ in range(3)]
    seen_file = tmp_path / "seen-events.sqlite"
    bootstrap = fresh_broker.bootstrap_servers
    await asyncio.to_thread(publish, bootstrap, [*events, events[0]])  # a repeat on the same run, too
    first = await asyncio.to_thread(read, bootstrap, seen_file, "la-841.case-system", events[-1][0])
    assert first == [ce_id for ce_id, _ in events]

    if hasattr(fresh_broker, "stop"):  # the embedded broker: a restart loses every record and offset
        fresh_broker.stop()
        fresh_broker.start()
    newcomer = (str(uuid4()), str(uuid4()))
    await asyncio.to_thread(publish, bootstrap, [*events, newcomer])  # the relay writes what it kept again
    after_restart = await asyncio.to_thread(read, bootstrap, seen_file, "la-841.case-system", newcomer[0])
    assert after_restart == [newcomer[0]], "the repeats carry the same ce_id and are skipped"
