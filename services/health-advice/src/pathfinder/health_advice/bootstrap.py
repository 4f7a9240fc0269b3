"""The composition root. The service's own features arrive with their issues; until then it runs the
shared runtime: its database, health probes and an outbox relay."""

from __future__ import annotations

from dataclasses import dataclass

from pathfinder.health_advice.settings import SERVICE, HealthAdviceSettings
from pathfinder.web.runtime import ServiceRuntime


@dataclass
class HealthAdviceService(ServiceRuntime):
    service = SERVICE
    title = "Pathfinder health advice"
    description = "Advice requests to health with their 6-week deadlines (SEND Regulations 2014, reg 8)."


def bootstrap(settings: HealthAdviceSettings | None = None) -> HealthAdviceService:
    return HealthAdviceService(settings=settings or HealthAdviceSettings())
