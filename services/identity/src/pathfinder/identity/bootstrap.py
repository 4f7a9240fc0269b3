"""The composition root. The service's own features arrive with their issues; until then it runs the
shared runtime: its database, health probes and an outbox relay."""

from __future__ import annotations

from dataclasses import dataclass

from pathfinder.identity.settings import SERVICE, IdentitySettings
from pathfinder.web.runtime import ServiceRuntime


@dataclass
class IdentityService(ServiceRuntime):
    service = SERVICE
    title = "Pathfinder identity"
    description = "Organisations, API clients and the child across agencies behind a pseudonymous id."


def bootstrap(settings: IdentitySettings | None = None) -> IdentityService:
    return IdentityService(settings=settings or IdentitySettings())
