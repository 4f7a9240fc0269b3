"""CloudEvents over Kafka with a transactional outbox, relay and idempotent consumers."""
