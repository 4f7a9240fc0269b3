"""Embedded Kafka-compatible broker and PostgreSQL, and the command that runs the whole platform."""
