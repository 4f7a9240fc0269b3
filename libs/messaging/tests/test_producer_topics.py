# mypy: disallow-untyped-defs=False, disallow-incomplete-defs=False, disallow-any-generics=False
"""A producer keeps in view every topic it sends to, on the real broker: a topic it already knew at start-up stays
in its metadata refreshes after it sends to a topic made later, so its sender never loses the topic's leaders."""

from __future__ import annotations

from pathfinder.messaging.broker import TopicAdmin, new_producer, topic_specs, track_topics
from pathfinder.messaging.settings import KafkaSettings

KNOWN, LATER = "tests.known-at-start", "tests.made-later"


async def test_a_topic_known_at_start_stays_in_view_after_another_is_added(fresh_broker) -> None:
    kafka = KafkaSettings(bootstrap_servers=fresh_broker.bootstrap_servers, profile="embedded", topic_partitions=3)
    admin = TopicAdmin(kafka, client_id="tests-producer-topics")
    producer = new_producer(kafka, client_id="tests-producer-topics")
    try:
        await admin.ensure(topic_specs(kafka, [KNOWN]))
        await producer.start()  # its first metadata holds every topic, KNOWN among them
        await track_topics(producer, [KNOWN])
        await producer.send_and_wait(KNOWN, b"first")
        await admin.ensure(topic_specs(kafka, [LATER]))
        await track_topics(producer, [LATER])
        await producer.send_and_wait(LATER, b"second")
        await producer.client.force_metadata_update()  # a refresh of the topics the producer follows
        assert producer.client.cluster.partitions_for_topic(KNOWN) == {0, 1, 2}
        await producer.send_and_wait(KNOWN, b"third")
    finally:
        await producer.stop()
        await admin.close()
