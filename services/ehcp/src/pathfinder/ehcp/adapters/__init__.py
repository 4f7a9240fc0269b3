"""Adapters of the ehcp service: PostgreSQL repositories."""
