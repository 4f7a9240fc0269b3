"""The composition root. The service's own features arrive with their issue; until then it runs the shared
runtime: its database, health probes and an outbox relay."""

from __future__ import annotations

from dataclasses import dataclass

from pathfinder.health_advice.settings import SERVICE, HealthAdviceSettings
from pathfinder.messaging.settings import KafkaSettings, OutboxSettings
from pathfinder.runtime.service import ServiceRuntime


@dataclass
class HealthAdviceService(ServiceRuntime[HealthAdviceSettings]):
    service = SERVICE
    title = "Pathfinder health advice"
    description = (
        "Advice requests to health with their 6-week deadlines (SEND Regulations 2014, reg 8). Only its health "
        "probes run so far.\n\n"
        "The events it will publish are catalogued already: the JSON Schema of each one's data is at "
        "notifications' `GET /event-types/{event_type}/schema` (the same documents as `libs/contracts/schemas/` "
        "in the repository, explained field by field in `libs/contracts/CATALOGUE.md`)."
    )


def bootstrap(
    settings: HealthAdviceSettings | None = None,
    kafka: KafkaSettings | None = None,
    outbox: OutboxSettings | None = None,
) -> HealthAdviceService:
    return HealthAdviceService(
        settings=settings or HealthAdviceSettings(), kafka=kafka or KafkaSettings(), outbox=outbox or OutboxSettings()
    )
