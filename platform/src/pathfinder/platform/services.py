"""The platform's services, as the platform command runs them: one database, one API and one worker each."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from pathfinder.persistence.migrations import ServiceSchema

HOST = "127.0.0.1"
"""Every service listens on loopback: the platform command is for one machine."""


@dataclass(frozen=True)
class PlatformService:
    """``python -m {package}.api`` / ``.worker``, configured by ``{env_prefix}*`` variables."""

    name: str
    package: str
    env_prefix: str
    http_port: int
    # Settings holding keys that must survive a restart of the platform (see pathfinder.platform.dev_secrets).
    dev_secrets: tuple[str, ...] = ()

    @property
    def database_name(self) -> str:
        """``pathfinder_`` + the name, with ``-`` as ``_`` (e.g. ``pathfinder_health_advice``)."""
        return "pathfinder_" + self.name.replace("-", "_")

    @property
    def migrations(self) -> str:
        """The Alembic script location inside the package."""
        return f"{self.package}:migrations"

    @property
    def runtime_role(self) -> str:
        """The role the service's processes run as (``pathfinder_<name>_runtime``); it owns none of its tables."""
        return f"{self.database_name}_runtime"

    @property
    def runtime_password_secret(self) -> str:
        """The development secret holding the runtime role's password."""
        return f"{self.env_prefix}RUNTIME_DATABASE_PASSWORD"

    @property
    def schema(self) -> ServiceSchema:
        """What the service's ``migrate`` module declares (its append-only tables), or just its migrations."""
        if importlib.util.find_spec(f"{self.package}.migrate") is not None:
            declared = getattr(importlib.import_module(f"{self.package}.migrate"), "SCHEMA", None)
            if isinstance(declared, ServiceSchema):
                return declared
        return ServiceSchema(self.migrations)


SERVICES: tuple[PlatformService, ...] = (
    PlatformService(
        "notifications",
        "pathfinder.notifications",
        "PATHFINDER_NOTIFICATIONS_",
        8001,
        dev_secrets=("PATHFINDER_LA_DELIVERY_SECRETS_KEY",),
    ),
    PlatformService("ehcp", "pathfinder.ehcp", "PATHFINDER_EHCP_", 8002),
    PlatformService("health-advice", "pathfinder.health_advice", "PATHFINDER_HEALTH_ADVICE_", 8003),
    PlatformService(
        "identity",
        "pathfinder.identity",
        "PATHFINDER_IDENTITY_",
        8004,
        dev_secrets=("PATHFINDER_IDENTITY_KEY_ENCRYPTION_KEY", "PATHFINDER_IDENTITY_MASTER_KEY"),
    ),
)
