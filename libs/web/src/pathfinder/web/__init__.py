"""What every service's HTTP API shares: the app shape, health probes, problem details, correlation ids, and
the FastAPI side of access control."""
