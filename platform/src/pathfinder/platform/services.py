"""The platform's services, as the platform command runs them: one database, one API and one worker each."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import sys
from collections.abc import Mapping
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
    # Arguments to ``python`` giving the service the configuration the platform starts with, run as the service's
    # runtime role once its database is migrated. It runs at every start, so it must change nothing the second time.
    start_up: tuple[str, ...] = ()

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


class StartUpFailed(RuntimeError):
    pass


async def start_up(service: PlatformService, database_url: str, env: Mapping[str, str]) -> str | None:
    """Run the service's start-up command on its database (``env`` adds to this process's environment); what it
    printed, or None when it has none."""
    if not service.start_up:
        return None
    process = await asyncio.create_subprocess_exec(
        sys.executable, *service.start_up,
        env={**env, f"{service.env_prefix}DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    printed, _ = await process.communicate()
    said = printed.decode(errors="replace").strip()
    if process.returncode != 0:
        raise StartUpFailed(f"{' '.join(service.start_up)} exited with {process.returncode}: {said}")
    return said


SERVICES: tuple[PlatformService, ...] = (
    PlatformService(
        "notifications",
        "pathfinder.notifications",
        "PATHFINDER_NOTIFICATIONS_",
        8001,
        dev_secrets=("PATHFINDER_LA_DELIVERY_SECRETS_KEY",),
    ),
    PlatformService("ehcp", "pathfinder.ehcp", "PATHFINDER_EHCP_", 8002),
    PlatformService(
        "health-advice",
        "pathfinder.health_advice",
        "PATHFINDER_HEALTH_ADVICE_",
        8003,
        start_up=("-m", "pathfinder.health_advice.cli", "seed"),  # the routing of ICBs QHM and QHL
    ),
    PlatformService(
        "identity",
        "pathfinder.identity",
        "PATHFINDER_IDENTITY_",
        8004,
        dev_secrets=("PATHFINDER_IDENTITY_KEY_ENCRYPTION_KEY", "PATHFINDER_IDENTITY_MASTER_KEY"),
    ),
    PlatformService("event-history", "pathfinder.event_history", "PATHFINDER_EVENT_HISTORY_", 8005),
)
