"""One JSON Schema (draft 2020-12) per event version: what a consumer of that version accepts."""

from __future__ import annotations

from typing import Any

from pathfinder.contracts.base import ContractEvent

SCHEMA_BASE = "https://fhir.pathfinder-send.org/events"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
METADATA = "x-pathfinder"


def schema_id(cls: type[ContractEvent]) -> str:
    return f"{SCHEMA_BASE}/{cls.event_type}.schema.json"


def schema_file_name(event_type: str) -> str:
    return f"{event_type}.schema.json"


def routing_metadata(cls: type[ContractEvent]) -> dict[str, Any]:
    """What the schema alone does not say but every consumer relies on; part of the compatibility check."""
    return {
        "eventType": cls.event_type,
        "topic": cls.topic,
        "producer": cls.producer,
        "key": cls.key_field,
        "laDeliverable": cls.la_deliverable,
    }


def event_json_schema(cls: type[ContractEvent]) -> dict[str, Any]:
    schema = cls.model_json_schema(mode="validation")
    return {"$schema": DIALECT, "$id": schema_id(cls), METADATA: routing_metadata(cls), **schema}
