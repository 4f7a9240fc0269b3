"""Settings every service process shares; each service subclasses them with its own env prefix."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class ServiceSettings(BaseSettings):
    """``PATHFINDER_<SERVICE>_*``: the service's own database and where its API listens."""

    database_url: str = Field(
        description="libpq or SQLAlchemy URL of the service's database, as the runtime role the service runs as"
    )
    migrations_database_url: str | None = Field(
        default=None,
        description="The same database as the role that owns its tables: only `migrate` uses it, to change the "
        "schema and grant the role of database_url what the service needs (and no more)",
    )
    database_pool_size: int = Field(default=10, ge=1)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    http_processes: int = Field(
        default=1,
        ge=1,
        description="API worker processes sharing the port (each with its own database pool of database_pool_size)",
    )
    http_max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="The largest request body the API reads (routes with their own limit aside)",
    )
