"""Adapters of the notifications service: PostgreSQL repositories."""
