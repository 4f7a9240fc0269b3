"""What the FHIR submission endpoints accept and answer, for their OpenAPI operations.

The endpoints read the raw body themselves (media type, size and depth checks come before any parsing), so
FastAPI cannot infer a request body: these declarations describe it. The schemas name only the fields that tell
the accepted shapes apart; FHIR resources are open-ended, and the full checks are the FHIR R4 validation and
:func:`~pathfinder.contracts.fhir.parse_early_years_notification`. The examples are built by the same mapping a
trust's system would use, so they stay valid as the mapping changes.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from pathfinder.contracts.fhir import (
    EarlyYearsNotificationSubmission,
    early_years_communication,
    early_years_message_bundle,
)
from pathfinder.contracts.fhir.early_years_demographics import ChildDemographics
from pathfinder.contracts.fhir.systems import EARLY_YEARS_NOTIFICATION_EVENT, MESSAGE_EVENT
from pathfinder.notifications.entrypoints.fhir_guards import (
    FHIR_JSON,
    NDJSON,
    OPERATION_OUTCOME_SCHEMA,
    fhir_error_responses,
)

_OPEN = {"additionalProperties": True}
_RESOURCE: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType"],
    "properties": {"resourceType": {"type": "string"}},
    **_OPEN,
}
_MESSAGE_HEADER_ENTRY: dict[str, Any] = {
    "type": "object",
    "required": ["resource"],
    "properties": {
        "fullUrl": {"type": "string"},
        "resource": {
            "type": "object",
            "required": ["resourceType", "eventCoding", "source", "focus"],
            "properties": {
                "resourceType": {"const": "MessageHeader"},
                "id": {"type": "string", "description": "The message id: the idempotency key"},
                "eventCoding": {
                    "type": "object",
                    "required": ["system", "code"],
                    "properties": {
                        "system": {"const": MESSAGE_EVENT},
                        "code": {"const": EARLY_YEARS_NOTIFICATION_EVENT},
                    },
                    **_OPEN,
                },
                "source": {"type": "object", "required": ["endpoint"], **_OPEN},
                "focus": {
                    "type": "array",
                    "description": "The Communication entry",
                    "minItems": 1,
                    "maxItems": 1,
                    "items": {"type": "object", "required": ["reference"], **_OPEN},
                },
            },
            **_OPEN,
        },
    },
    **_OPEN,
}
MESSAGE_BUNDLE_SCHEMA: dict[str, Any] = {
    "title": "Early-years notification message",
    "description": "A FHIR R4 message Bundle: the MessageHeader first, then the Communication, the child Patient "
    "and the sending Organization (ODS code), optionally the recipient LA's Organization (DfE LA code)",
    "type": "object",
    "required": ["resourceType", "type", "entry"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"const": "message"},
        "entry": {
            "type": "array",
            "minItems": 2,
            "prefixItems": [_MESSAGE_HEADER_ENTRY],
            "items": {"type": "object", "properties": {"fullUrl": {"type": "string"}, "resource": _RESOURCE}, **_OPEN},
        },
    },
    **_OPEN,
}
COMMUNICATION_SCHEMA: dict[str, Any] = {
    "title": "Early-years notification Communication",
    "description": "A bare FHIR R4 Communication: the child a contained Patient, sender (ODS code) and recipient "
    "(DfE LA code) contained or referred to by identifier; the s23 dates are extensions",
    "type": "object",
    "required": ["resourceType", "status", "contained", "subject", "sender", "sent", "extension"],
    "properties": {
        "resourceType": {"const": "Communication"},
        "status": {"const": "completed"},
        "identifier": {"type": "array", "description": "The first value is the message id", "items": _OPEN},
        "contained": {
            "type": "array",
            "minItems": 1,
            "contains": {
                "type": "object",
                "required": ["resourceType", "id", "birthDate"],
                "properties": {"resourceType": {"const": "Patient"}, "id": {"type": "string"}},
                **_OPEN,
            },
        },
        "subject": {
            "type": "object",
            "required": ["reference"],
            "properties": {"reference": {"type": "string", "pattern": "^#"}},
            **_OPEN,
        },
        "sender": {"type": "object", **_OPEN},
        "sent": {"type": "string", "format": "date-time"},
        "extension": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}, **_OPEN},
        },
    },
    **_OPEN,
}
NOTIFICATION_SCHEMA: dict[str, Any] = {"oneOf": [MESSAGE_BUNDLE_SCHEMA, COMMUNICATION_SCHEMA]}
BATCH_BUNDLE_SCHEMA: dict[str, Any] = {
    "title": "Bulk early-years notifications",
    "description": "A FHIR R4 batch Bundle whose entries are notifications, each judged on its own",
    "type": "object",
    "required": ["resourceType", "type", "entry"],
    "properties": {
        "resourceType": {"const": "Bundle"},
        "type": {"const": "batch"},
        "entry": {
            "type": "array",
            "items": {"type": "object", "required": ["resource"], "properties": {"resource": NOTIFICATION_SCHEMA}},
        },
    },
    **_OPEN,
}


def _submission(message_id: str) -> EarlyYearsNotificationSubmission:
    # The seed organisations identity loads (`pathfinder-identity org load-csv`): the Royal Devon notifies Devon.
    child = ChildDemographics(
        nhs_number="9990000018", given_names=("Amelia",), family_name="Smith", birth_date=date(2024, 4, 12),
        sex="female", postcode="EX1 1AA",
    )  # fmt: skip
    return EarlyYearsNotificationSubmission(
        message_id=message_id, submission_format="fhir-message", notifying_organisation="RH8", responsible_la="878",
        opinion_formed_on=date(2026, 11, 2), parent_informed_on=date(2026, 11, 5),
        discussion_offered_on=date(2026, 11, 9), sent_at=datetime(2026, 11, 23, 10, tzinfo=UTC), child=child,
    )  # fmt: skip


MESSAGE_EXAMPLE = early_years_message_bundle(
    _submission("3f1c2a9e-5b7d-4c21-9e0f-6a8b1d2c3e4f"), bundle_id="b7e0c6d2-1a3f-4e58-9c7b-2d4f6a8e0b1c"
)
COMMUNICATION_EXAMPLE = early_years_communication(
    _submission("RH8-EYN-2026-000123"), identifier_system="https://fhir.rh8.nhs.uk/Id/early-years-notification"
)
_EXAMPLES = {
    "message": {"summary": "A FHIR message Bundle", "value": MESSAGE_EXAMPLE},
    "communication": {"summary": "A bare Communication, the child contained", "value": COMMUNICATION_EXAMPLE},
}

PROCESS_MESSAGE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One s23 early-years notification",
        "content": {
            media_type: {"schema": NOTIFICATION_SCHEMA, "examples": _EXAMPLES}
            for media_type in (FHIR_JSON, "application/json")
        },
    }
}
BULK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Many notifications: NDJSON, or a batch Bundle",
        "content": {
            NDJSON: {
                "schema": {
                    "type": "string",
                    "description": "One notification (message Bundle or Communication) as JSON a line",
                },
                "example": "".join(json.dumps(example) + "\n" for example in (MESSAGE_EXAMPLE, COMMUNICATION_EXAMPLE)),
            },
            **{
                media_type: {
                    "schema": BATCH_BUNDLE_SCHEMA,
                    "example": {
                        "resourceType": "Bundle",
                        "type": "batch",
                        "entry": [{"resource": MESSAGE_EXAMPLE}, {"resource": COMMUNICATION_EXAMPLE}],
                    },
                }
                for media_type in (FHIR_JSON, "application/json")
            },
        },
    }
}

_ACCEPTED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "status", "status_url"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "status": {"type": "string"},
        "status_url": {"type": "string"},
    },
}
_STATUS_LOCATION = {"Location": {"description": "The notification's status URL", "schema": {"type": "string"}}}
PROCESS_MESSAGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Accepted; its status URL is also in Location",
        "content": {"application/json": {"schema": _ACCEPTED_SCHEMA}},
        "headers": _STATUS_LOCATION,
    },
    **fhir_error_responses(
        400,
        401,
        403,
        409,
        413,
        415,
        422,
        429,
        described={
            409: "This message id or X-Request-ID was used before with a different body",
            413: "The body, or the number of notifications in it, is over the limit",
            422: "Refused for a statutory reason, or the child cannot be identified; a refusal for a statutory "
            "reason is kept as the notification's status, at Location",
        },
    ),
}
BULK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One outcome per notification, in order, in the submitted format",
        "content": {
            NDJSON: {
                "schema": {
                    "type": "string",
                    "description": "A line per notification: index, http_status, then the single answer's "
                    "fields (id, status, status_url) or outcome (an OperationOutcome) and status_url",
                }
            },
            FHIR_JSON: {
                "schema": {
                    "title": "batch-response Bundle",
                    "type": "object",
                    "required": ["resourceType", "type", "entry"],
                    "properties": {
                        "resourceType": {"const": "Bundle"},
                        "type": {"const": "batch-response"},
                        "entry": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["response"],
                                "properties": {
                                    "response": {
                                        "type": "object",
                                        "required": ["status", "outcome"],
                                        "properties": {
                                            "status": {"type": "string"},
                                            "location": {"type": "string"},
                                            "outcome": OPERATION_OUTCOME_SCHEMA,
                                        },
                                    }
                                },
                            },
                        },
                    },
                }
            },
        },
    },
    **fhir_error_responses(
        400,
        401,
        403,
        413,
        415,
        429,
        parameter_validation=True,
        described={
            400: "Not JSON, nested too deep, or not a batch Bundle (a bad NDJSON line is refused on its own)",
            413: "The body, or the number of notifications in it, is over the limit",
        },
    ),
}
