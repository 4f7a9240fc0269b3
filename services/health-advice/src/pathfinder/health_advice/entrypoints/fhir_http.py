"""The FHIR R4 API of advice requests for NHS systems, one router: reading (:mod:`.fhir_read_http`) and changing
(:mod:`.fhir_write_http`) them. Each route checks the access token itself, to refuse with an OperationOutcome;
the router declares the bearer scheme for the OpenAPI document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fastapi import APIRouter
from pathfinder.health_advice.entrypoints import fhir_read_http, fhir_write_http
from pathfinder.web.access import bearer_token_documented

router = APIRouter(dependencies=[bearer_token_documented])
router.include_router(fhir_read_http.router)
router.include_router(fhir_write_http.router)

BODY_ALLOWANCES: Final[Mapping[str, int | None]] = dict.fromkeys(fhir_write_http.PATHS, None)
"""Routes that limit their bodies themselves (after the token), answering an OperationOutcome when over."""
