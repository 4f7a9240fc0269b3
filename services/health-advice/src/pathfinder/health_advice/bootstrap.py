"""The composition root: builds every adapter once and wires them to the use cases, for the API, the worker, the
command line and the tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from fastapi import APIRouter, FastAPI
from pathfinder.auth.audiences import audience_of
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.health_advice.adapters.identity_sign_in import IdentitySignIn
from pathfinder.health_advice.adapters.metrics import OpenTelemetryAdviceMetrics
from pathfinder.health_advice.adapters.unit_of_work import SqlHealthAdviceUnitOfWork
from pathfinder.health_advice.entrypoints import dashboard as dco_dashboard
from pathfinder.health_advice.entrypoints import fhir_http, http_dependencies, timers
from pathfinder.health_advice.entrypoints.consumers import advice_intake
from pathfinder.health_advice.entrypoints.dashboard_http import DashboardHttp
from pathfinder.health_advice.settings import SERVICE, DashboardSettings, HealthAdviceSettings
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.sql_unit_of_work import CrashPoints
from pathfinder.messaging.workers import Worker
from pathfinder.runtime.service import ServiceRuntime
from pathfinder.web.access import install_access_control
from pathfinder.web.fhir import install_fhir_errors

ALERT_CRASH_POINTS = CrashPoints(before_commit="alert.before_commit", after_commit="alert.after_commit")


@dataclass
class HealthAdviceService(ServiceRuntime[HealthAdviceSettings]):
    service = SERVICE
    title = "Pathfinder health advice"
    description = (
        "Advice requests to health with their 6-week deadlines (SEND Regulations 2014, reg 8), opened from ehcp's "
        "requests for health advice and routed to each ICB's provider teams.\n\n"
        "The events it publishes are catalogued: the JSON Schema of each one's data is at notifications' "
        "`GET /event-types/{event_type}/schema` (the same documents as `libs/contracts/schemas/` in the "
        "repository, explained field by field in `libs/contracts/CATALOGUE.md`)."
    )

    auth: AuthSettings = field(default_factory=AuthSettings)
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)

    @cached_property
    def metrics(self) -> OpenTelemetryAdviceMetrics:
        return OpenTelemetryAdviceMetrics()

    def unit_of_work(self) -> SqlHealthAdviceUnitOfWork:
        return SqlHealthAdviceUnitOfWork(self.sessions, source=self.source, metrics=self.metrics)

    def api_routers(self) -> Sequence[APIRouter]:
        """The FHIR API's routers (``entrypoints/fhir_*.py``), reaching the use cases through
        ``http_dependencies``."""
        return (fhir_http.router,)

    def body_allowances(self) -> Mapping[str, int | None]:
        # The FHIR updates read their bodies after the token, answering an oversized one with an OperationOutcome.
        return fhir_http.BODY_ALLOWANCES

    def routers(self) -> Sequence[APIRouter]:
        return (*self.api_routers(), *dco_dashboard.routers())

    def configure_app(self, app: FastAPI) -> None:
        install_access_control(app, AccessTokenVerifier.from_settings(self.auth, audience=audience_of(self.service)))
        install_fhir_errors(app)
        http_dependencies.provided.install(app, http_dependencies.HealthAdviceHttp(unit_of_work=self.unit_of_work))
        people = IdentitySignIn(
            self.dashboard.identity_url or self.auth.issuer, timeout_seconds=self.dashboard.identity_timeout_seconds
        )
        dco_dashboard.install(app, DashboardHttp(self.unit_of_work, people, secure_cookie=self.dashboard.secure_cookie))

    def consumers(self) -> list[EventConsumer[Any]]:
        return [self.consumer_of(advice_intake(), self.unit_of_work)]

    def other_workers(self) -> Sequence[Worker]:
        settings = self.settings
        return (
            timers.due_alerts(
                self.alert_unit_of_work, batch=settings.alert_batch, interval_seconds=settings.alert_interval_seconds
            ),
            timers.open_gauge(self.unit_of_work, self.metrics, interval_seconds=settings.open_gauge_interval_seconds),
        )

    def alert_unit_of_work(self) -> SqlHealthAdviceUnitOfWork:
        """The alerts' unit of work, with crash points around its commit for the crash tests."""
        return SqlHealthAdviceUnitOfWork(
            self.sessions, source=self.source, metrics=self.metrics, crash_points=ALERT_CRASH_POINTS
        )


def bootstrap(
    settings: HealthAdviceSettings | None = None,
    kafka: KafkaSettings | None = None,
    outbox: OutboxSettings | None = None,
    consumer: ConsumerSettings | None = None,
    auth: AuthSettings | None = None,
) -> HealthAdviceService:
    return HealthAdviceService(
        settings=settings or HealthAdviceSettings(),
        kafka=kafka or KafkaSettings(),
        outbox=outbox or OutboxSettings(),
        consumer=consumer or ConsumerSettings(),
        auth=auth or AuthSettings(),
    )
