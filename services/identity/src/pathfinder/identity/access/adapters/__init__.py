"""Adapters of the identity service: PostgreSQL repositories."""
