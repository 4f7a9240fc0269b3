"""The embedded broker for real: a record through it with aiokafka, restart semantics, start failures."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pathfinder.devstack.broker import BrokerDidNotStart, EmbeddedBroker
from pathfinder.devstack.processes import port_accepts
from pathfinder.devstack.pytest_plugin import ExternalKafka


async def _topics(bootstrap_servers: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def _create_topic(bootstrap_servers: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()


async def test_a_record_goes_through_the_broker(embedded_broker: EmbeddedBroker | ExternalKafka) -> None:
    servers = embedded_broker.bootstrap_servers
    topic = f"devstack-{uuid4().hex}"
    await _create_topic(servers, topic)

    producer = AIOKafkaProducer(bootstrap_servers=servers, enable_idempotence=False)  # Tansu: no InitProducerId
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello", key=b"k1", headers=[("h", b"v")])
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(topic, bootstrap_servers=servers, auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=10_000, max_records=1)
    finally:
        await consumer.stop()
    [record] = [record for records in batches.values() for record in records]
    assert (record.key, record.value, list(record.headers)) == (b"k1", b"hello", [("h", b"v")])


async def test_restart_comes_back_on_the_same_port_with_every_topic_gone(fresh_broker: EmbeddedBroker) -> None:
    topic = f"devstack-{uuid4().hex}"
    await _create_topic(fresh_broker.bootstrap_servers, topic)
    assert topic in await _topics(fresh_broker.bootstrap_servers)
    port, pid = fresh_broker.port, fresh_broker.pid

    fresh_broker.restart()

    assert (fresh_broker.port, fresh_broker.running) == (port, True)
    assert fresh_broker.pid != pid
    assert topic not in await _topics(fresh_broker.bootstrap_servers)  # memory storage: that is the real behaviour


def test_stop_kill_and_context_manager(tmp_path: Path) -> None:
    with EmbeddedBroker(log_dir=tmp_path) as broker:
        assert port_accepts(broker.port)
        broker.kill()
        assert not broker.running
        assert not port_accepts(broker.port)
        broker.start()
        assert port_accepts(broker.port)
    assert not broker.running
    assert broker.log_file is not None
    assert broker.log_file.read_text().count("listening on: tcp://127.0.0.1:") == 2


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(BrokerDidNotStart, match=f"port {port} is in use"):
            EmbeddedBroker(port).start()


def test_a_broker_that_dies_at_start_shows_its_output(tmp_path: Path) -> None:
    fake = tmp_path / "tansu"
    fake.write_text("#!/bin/sh\necho 'starting up' >&2\necho 'error: storage is on fire' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(BrokerDidNotStart) as failure:
        EmbeddedBroker(executable=str(fake), log_dir=tmp_path).start()
    message = str(failure.value)
    assert "exited with status 3" in message
    assert "error: storage is on fire" in message
    assert "log:" in message


def test_a_broker_that_never_listens_times_out_with_its_output(tmp_path: Path) -> None:
    fake = tmp_path / "tansu"
    fake.write_text("#!/bin/sh\necho 'waiting for something that never comes' >&2\nexec sleep 60\n")
    fake.chmod(0o755)
    broker = EmbeddedBroker(executable=str(fake), start_timeout=0.5)
    with pytest.raises(BrokerDidNotStart, match=r"was not listening after 0.5 s(.|\n)*never comes"):
        broker.start()
    assert not broker.running
    assert subprocess.run(["pgrep", "-f", str(fake)], capture_output=True).returncode == 1  # nothing left
