"""Organisations, API clients and the child across agencies."""
