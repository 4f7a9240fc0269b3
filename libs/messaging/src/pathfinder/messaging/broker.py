"""Kafka clients configured from the broker profile, and topic administration."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from pathfinder.messaging.settings import KafkaSettings

log = logging.getLogger(__name__)


async def track_topics(producer: AIOKafkaProducer, topics: Iterable[str]) -> None:
    """Keep every topic the producer sends to in its metadata refreshes; call before sending.

    aiokafka adds a topic to the set a producer refreshes only when the topic's partitions are unknown at its
    first send. A topic already known from the metadata of every topic fetched at start-up is never added, so
    once another topic is added, each refresh asks for that one alone and the first topic's partitions drop out
    of the producer's view: its sender then finds a batch with no leader and asks for metadata again at once, in
    a loop with no pause (measured: 56,000 requests in a minute, a third of the notifications worker's CPU)."""
    for topic in set(topics):
        await producer.client.add_topic(topic)


def connection_options(settings: KafkaSettings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if settings.sasl_mechanism is not None:
        options["sasl_mechanism"] = settings.sasl_mechanism
        options["sasl_plain_username"] = settings.sasl_username
        options["sasl_plain_password"] = settings.sasl_password.get_secret_value() if settings.sasl_password else None
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        from aiokafka.helpers import create_ssl_context

        options["ssl_context"] = create_ssl_context()
    return options


def producer_options(settings: KafkaSettings) -> dict[str, Any]:
    # The embedded broker has no InitProducerId: an idempotent producer cannot start there. On Apache Kafka
    # idempotence stops retries from duplicating or reordering records within a partition.
    return {
        **connection_options(settings),
        "acks": "all",
        "enable_idempotence": settings.profile == "apache",
        "linger_ms": 5,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 30_000,
        "retry_backoff_ms": 200,
    }


def consumer_options(settings: KafkaSettings, group_id: str, *, session_timeout_ms: int) -> dict[str, Any]:
    return {
        **connection_options(settings),
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "session_timeout_ms": session_timeout_ms,
        "heartbeat_interval_ms": max(1000, session_timeout_ms // 4),
        # Topics recreated after a broker restart must be found again quickly.
        "metadata_max_age_ms": 5_000,
        "max_poll_interval_ms": 300_000,
    }


def new_producer(settings: KafkaSettings, *, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(client_id=client_id, **producer_options(settings))


def new_consumer(
    settings: KafkaSettings, topics: Iterable[str], *, group_id: str, session_timeout_ms: int
) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        client_id=group_id,
        **consumer_options(settings, group_id, session_timeout_ms=session_timeout_ms),
    )


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int


def topic_specs(settings: KafkaSettings, names: Iterable[str]) -> list[TopicSpec]:
    return [
        TopicSpec(name, settings.topic_partitions, settings.topic_replication_factor) for name in sorted(set(names))
    ]


class TopicAdmin:
    """Creates topics that are missing and tells which exist; one admin connection per owner."""

    def __init__(self, settings: KafkaSettings, *, client_id: str) -> None:
        self._settings = settings
        self._client_id = client_id
        self._client: AIOKafkaAdminClient | None = None

    @property
    def _admin(self) -> AIOKafkaAdminClient:
        assert self._client is not None
        return self._client

    async def start(self) -> None:
        # aiokafka clients bind to the running event loop, so the client is made here, not in __init__.
        if self._client is None:
            client = AIOKafkaAdminClient(client_id=self._client_id, **connection_options(self._settings))
            await client.start()
            self._client = client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def existing_topics(self) -> set[str]:
        await self.start()
        return set(await self._admin.list_topics())

    async def ensure(self, specs: Iterable[TopicSpec]) -> list[str]:
        wanted = list(specs)
        await self.start()
        existing = await self.existing_topics()
        missing = [spec for spec in wanted if spec.name not in existing]
        if not missing:
            return []
        with contextlib.suppress(TopicAlreadyExistsError):  # created concurrently by another relay or consumer
            await self._admin.create_topics(
                [NewTopic(spec.name, spec.partitions, spec.replication_factor) for spec in missing]
            )
        # Topic creation is asynchronous on Kafka: wait until metadata shows every partition.
        for _ in range(50):
            if {spec.name for spec in missing} <= await self.existing_topics():
                break
            await asyncio.sleep(0.1)
        log.info("created topics", extra={"topics": [spec.name for spec in missing]})
        return [spec.name for spec in missing]
