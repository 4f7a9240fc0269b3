"""Thin entry points: HTTP API, workers, migrations."""
