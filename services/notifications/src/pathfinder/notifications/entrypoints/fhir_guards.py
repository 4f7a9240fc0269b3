"""Guarding the FHIR endpoints: who is calling, how fast (each client's buckets, shared by every API process), how
big and how deep their input is; every refusal an OperationOutcome (application/fhir+json) that never repeats what
was sent. The guards every service's FHIR routes share are :mod:`pathfinder.web.fhir`'s; notifications' own
limits (a bulk body and its entries) and the hash that tells a retry from a different body are here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pathfinder.web.fhir import (
    FHIR_JSON,
    JSON_MEDIA_TYPES,
    OPERATION_OUTCOME_SCHEMA,
    FhirError,
    FhirRateLimits,
    access_denied,
    fhir_error_responses,
    fhir_principal,
    fhir_response,
    install_fhir_errors,
    media_type,
    parse_json,
    read_body,
)

__all__ = [
    "FHIR_JSON",
    "JSON_MEDIA_TYPES",
    "NDJSON",
    "OPERATION_OUTCOME_SCHEMA",
    "FhirError",
    "FhirLimits",
    "FhirRateLimits",
    "access_denied",
    "body_hash",
    "fhir_error_responses",
    "fhir_principal",
    "fhir_response",
    "install_fhir_errors",
    "media_type",
    "parse_json",
    "read_body",
]

NDJSON = "application/x-ndjson"


def body_hash(document: Any) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class FhirLimits:
    max_body_bytes: int
    max_bulk_body_bytes: int
    max_json_depth: int
    max_bulk_entries: int
