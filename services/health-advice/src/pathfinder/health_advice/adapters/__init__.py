"""The health-advice adapters: PostgreSQL tables, repositories and read model, and the OpenTelemetry metrics."""
