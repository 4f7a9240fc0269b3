"""The composition root: builds every adapter once and wires them to the use cases, for the API, the worker
and the tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from pathfinder.auth.audiences import audience_of
from pathfinder.auth.settings import AuthSettings
from pathfinder.auth.tokens import AccessTokenVerifier
from pathfinder.ehcp.adapters.unit_of_work import SqlEhcpUnitOfWork
from pathfinder.ehcp.entrypoints import (
    assessments_http,
    child_cases_http,
    http_dependencies,
    open_cases_http,
    plans_http,
    timers,
)
from pathfinder.ehcp.entrypoints.consumers import early_years_intake, health_advice_intake
from pathfinder.ehcp.settings import SERVICE, EhcpSettings
from pathfinder.messaging.consumer import EventConsumer
from pathfinder.messaging.settings import ConsumerSettings, KafkaSettings, OutboxSettings
from pathfinder.messaging.sql_unit_of_work import CrashPoints
from pathfinder.messaging.workers import Worker
from pathfinder.runtime.service import ServiceRuntime
from pathfinder.web.access import install_access_control
from pathfinder.web.problems import problem_responses
from pathfinder.web.rate_limits import ClientRateLimits, Rate, RateLimit

TIMER_CRASH_POINTS = CrashPoints(before_commit="timer.before_commit", after_commit="timer.after_commit")


@dataclass
class EhcpService(ServiceRuntime[EhcpSettings]):
    service = SERVICE
    title = "Pathfinder EHC needs assessments and plans"
    description = (
        "The EHC needs assessment and plan lifecycle with its statutory clock.\n\n"
        "The events ehcp publishes, and those an LA may receive on its subscriptions, are listed at notifications' "
        "`GET /event-types`, with the JSON Schema of each one's data at `GET /event-types/{event_type}/schema` (the "
        "same documents as `libs/contracts/schemas/` in the repository, explained in `libs/contracts/CATALOGUE.md`)."
    )

    auth: AuthSettings = field(default_factory=AuthSettings)
    keeps_token_buckets = True

    def unit_of_work(self) -> SqlEhcpUnitOfWork:
        return SqlEhcpUnitOfWork(self.sessions, source=self.source)

    def routers(self) -> Sequence[APIRouter]:
        rate = Rate(self.settings.client_rate_per_second, self.settings.client_rate_burst)
        per_client = ClientRateLimits(RateLimit("client", rate, self.token_buckets))
        limited = APIRouter(dependencies=[Depends(per_client)], responses=problem_responses(429))
        for router in (child_cases_http.router, assessments_http.router, plans_http.router, open_cases_http.router):
            limited.include_router(router)
        return (limited,)

    def configure_app(self, app: FastAPI) -> None:
        install_access_control(app, AccessTokenVerifier.from_settings(self.auth, audience=audience_of(self.service)))
        http_dependencies.provided.install(app, http_dependencies.EhcpHttp(unit_of_work=self.unit_of_work))

    def consumers(self) -> list[EventConsumer[Any]]:
        return [
            self.consumer_of(early_years_intake(), self.unit_of_work),
            self.consumer_of(health_advice_intake(), self.unit_of_work),
        ]

    def other_workers(self) -> Sequence[Worker]:
        return (
            timers.due_timers(
                self.timer_unit_of_work, batch=self.settings.timer_batch,
                interval_seconds=self.settings.timer_interval_seconds,
            ),
            timers.risk_watch(self.unit_of_work, interval_seconds=self.settings.risk_watch_interval_seconds),
        )  # fmt: skip

    def timer_unit_of_work(self) -> SqlEhcpUnitOfWork:
        """The timers' unit of work, with crash points around its commit for the crash tests."""
        return SqlEhcpUnitOfWork(self.sessions, source=self.source, crash_points=TIMER_CRASH_POINTS)


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
