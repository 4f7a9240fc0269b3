"""The composition root: wires adapters to handlers for the API, the workers and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from pathfinder.auth import AccessTokenVerifier, AuthSettings, install_access_control
from pathfinder.messaging.settings import KafkaSettings, OutboxSettings
from pathfinder.notifications.entrypoints.http import router
from pathfinder.notifications.settings import SERVICE, NotificationsSettings
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork
from pathfinder.web.runtime import ServiceRuntime


@dataclass
class NotificationsService(ServiceRuntime):
    service = SERVICE
    title = "Pathfinder notifications"
    description = "NHS bodies notify LAs of young children who may have SEN or a disability (CFA 2014 s23)."

    auth: AuthSettings = field(default_factory=AuthSettings)

    def unit_of_work(self) -> NotificationsUnitOfWork:
        return NotificationsUnitOfWork(self.sessions, source=self.source)

    def routers(self) -> list[APIRouter]:
        return [router]

    def configure_app(self, app: FastAPI) -> None:
        app.state.unit_of_work = self.unit_of_work
        install_access_control(app, AccessTokenVerifier.from_settings(self.auth))


def bootstrap(
    settings: NotificationsSettings | None = None,
    kafka: KafkaSettings | None = None,
    outbox: OutboxSettings | None = None,
    auth: AuthSettings | None = None,
) -> NotificationsService:
    return NotificationsService(
        settings=settings or NotificationsSettings(),
        kafka=kafka or KafkaSettings(),
        outbox=outbox or OutboxSettings(),
        auth=auth or AuthSettings(),
    )
