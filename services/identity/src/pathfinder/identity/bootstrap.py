"""The composition root. The service's own features arrive with their issues; until then it runs the
shared runtime: its database, health probes and an outbox relay."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI
from pathfinder.auth.settings import AuthSettings
from pathfinder.identity.access.composition import Access, install_access
from pathfinder.identity.access.settings import AccessSettings
from pathfinder.identity.entrypoints.access_http import access_routers
from pathfinder.identity.entrypoints.persons_http import install_person_index
from pathfinder.identity.entrypoints.persons_http import router as persons_router
from pathfinder.identity.settings import SERVICE, IdentitySettings
from pathfinder.runtime.service import ServiceRuntime


@dataclass
class IdentityService(ServiceRuntime[IdentitySettings]):
    service = SERVICE
    title = "Pathfinder identity"
    description = "Organisations, API clients and the child across agencies behind a pseudonymous id."

    def routers(self) -> Sequence[APIRouter]:
        return [*access_routers(), persons_router]

    def configure_app(self, app: FastAPI) -> None:
        install_access(app, Access(self.sessions, self.source, AccessSettings(), AuthSettings()))
        install_person_index(app, sessions=self.sessions, source=self.source)


def bootstrap(settings: IdentitySettings | None = None) -> IdentityService:
    return IdentityService(settings=settings or IdentitySettings())
