"""``GET /event-types``: what an LA may subscribe to, each type with what it means and its payload's JSON Schema
(the same document as ``libs/contracts/schemas/``; ``libs/contracts/CATALOGUE.md`` explains every field). No
token is needed: the contracts are public and carry no personal data."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import APIRouter
from pathfinder.contracts.artefacts.json_schemas import event_json_schema
from pathfinder.contracts.catalogue import DOMAIN_OF, UnknownEventType, event_class
from pathfinder.notifications.domain.la_subscription import deliverable_event_types
from pathfinder.notifications.entrypoints.http_dependencies import Dependencies
from pathfinder.web.problems import Problem, problem_responses
from pydantic import BaseModel, Field

router = APIRouter(tags=["event types"])


class EventTypeView(BaseModel):
    event_type: str = Field(description="What to name in a subscription's event_types, and the CloudEvents type")
    domain: str
    description: str
    schema_url: str = Field(description="The JSON Schema (draft 2020-12) of the event's data")


def _description(event_type: str) -> str:
    return " ".join((inspect.getdoc(event_class(event_type)) or "").split("\n\n")[0].split())


@router.get("/event-types", response_model=list[EventTypeView], summary="The event types an LA may subscribe to")
async def event_types(dependencies: Dependencies) -> list[EventTypeView]:
    """Every event type that may be delivered to an LA (current versions), sorted by name. A subscription made
    without ``event_types`` receives all of them, and any catalogued later."""
    base = dependencies.public_urls.notifications.rstrip("/")
    return [
        EventTypeView(
            event_type=event_type,
            domain=DOMAIN_OF[event_type],
            description=_description(event_type),
            schema_url=f"{base}/event-types/{event_type}/schema",
        )
        for event_type in sorted(deliverable_event_types())
    ]


@router.get(
    "/event-types/{event_type}/schema",
    summary="The JSON Schema of an event type's data",
    responses=problem_responses(404),
)
async def event_type_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema an event's ``data`` (the Kafka record's value, the webhook body's ``data``) validates
    against; ``x-pathfinder`` says its topic, producer, key and whether it may reach an LA."""
    try:
        return event_json_schema(event_class(event_type))
    except UnknownEventType:
        raise Problem(404, "Not Found", "No catalogued event type has that name; see GET /event-types.") from None
