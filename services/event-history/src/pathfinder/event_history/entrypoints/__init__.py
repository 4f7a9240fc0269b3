"""The HTTP API and the worker's loops."""
