"""The composition root: wires adapters to handlers for the API, the workers and the tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.ehcp.entrypoints.http import router
from pathfinder.ehcp.handlers import EARLY_YEARS_INTAKE
from pathfinder.ehcp.settings import SERVICE, EhcpSettings
from pathfinder.ehcp.unit_of_work import EhcpUnitOfWork
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.runtime.service import ServiceRuntime
from pathfinder.web.access import install_access_control


@dataclass
class EhcpService(ServiceRuntime[EhcpSettings]):
    service = SERVICE
    title = "Pathfinder EHC needs assessments and plans"
    description = "The EHC needs assessment and plan lifecycle with its statutory clock."

    auth: AuthSettings = field(default_factory=AuthSettings)

    def unit_of_work(self) -> EhcpUnitOfWork:
        return EhcpUnitOfWork(self.sessions, source=self.source)

    def routers(self) -> list[APIRouter]:
        return [router]

    def configure_app(self, app: FastAPI) -> None:
        app.state.unit_of_work = self.unit_of_work
        install_access_control(app, AccessTokenVerifier.from_settings(self.auth))

    def consumers(self) -> list[EventConsumer[Any]]:
        return [self.consumer_of(EARLY_YEARS_INTAKE, self.unit_of_work)]


def bootstrap(
    settings: EhcpSettings | None = None,
    kafka: KafkaSettings | None = None,
    outbox: OutboxSettings | None = None,
    consumer: ConsumerSettings | None = None,
    auth: AuthSettings | None = None,
) -> EhcpService:
    return EhcpService(
        settings=settings or EhcpSettings(),
        kafka=kafka or KafkaSettings(),
        outbox=outbox or OutboxSettings(),
        consumer=consumer or ConsumerSettings(),
        auth=auth or AuthSettings(),
    )
