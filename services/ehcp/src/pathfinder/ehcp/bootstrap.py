"""The composition root: builds every adapter once and wires them to the use cases, for the API, the worker
and the tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.ehcp.adapters.unit_of_work import SqlEhcpUnitOfWork
from pathfinder.ehcp.entrypoints import child_cases_http, http_dependencies
from pathfinder.ehcp.entrypoints.consumers import early_years_intake
from pathfinder.ehcp.settings import SERVICE, EhcpSettings
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

    def unit_of_work(self) -> SqlEhcpUnitOfWork:
        return SqlEhcpUnitOfWork(self.sessions, source=self.source)

    def routers(self) -> Sequence[APIRouter]:
        return (child_cases_http.router,)

    def configure_app(self, app: FastAPI) -> None:
        install_access_control(app, AccessTokenVerifier.from_settings(self.auth))
        http_dependencies.provided.install(app, http_dependencies.EhcpHttp(unit_of_work=self.unit_of_work))

    def consumers(self) -> list[EventConsumer[Any]]:
        return [self.consumer_of(early_years_intake(), self.unit_of_work)]


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
