"""Delivering events to LA systems: the la-delivery consumer, the webhook and rest-hook dispatcher, the per-LA
Kafka topics."""
