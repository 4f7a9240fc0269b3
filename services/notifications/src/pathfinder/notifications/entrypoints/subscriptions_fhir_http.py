"""FHIR ``$events`` and ``$status`` of an LA's rest-hook subscription (R4 Subscriptions Backport). Like every
FHIR route, they answer errors with an OperationOutcome rather than problem+json."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Annotated, TypeVar
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pathfinder.auth import Principal, Scope, ensure_la_may_see, withheld_as_missing
from pathfinder.contracts.fhir import SpineErrorCode
from pathfinder.contracts.fhir.subscription_notification import NotificationType
from pathfinder.notifications.domain.la_subscription import InvalidSubscription
from pathfinder.notifications.entrypoints.fhir_guards import (
    FhirError,
    fhir_error_responses,
    fhir_principal,
    fhir_response,
)
from pathfinder.notifications.entrypoints.http_dependencies import Dependencies
from pathfinder.notifications.service_layer import la_subscriptions
from pathfinder.notifications.service_layer.rest_hook_bundles import rest_hook_document

router = APIRouter(prefix="/fhir/Subscription", tags=["LA subscriptions (FHIR)"])
T = TypeVar("T")
MAX_EVENT_NUMBER = 2**63 - 1  # events are counted in a PostgreSQL bigint


def _authorise(principal: Principal) -> la_subscriptions.Authorise:
    return lambda la_code: ensure_la_may_see(principal, la_code)


async def _fhir(call: Awaitable[T]) -> T:
    """One subscription by its id: another LA's is answered as one that does not exist."""
    not_found = FhirError.one(404, "not-found", "No subscription has that id.", SpineErrorCode.RESOURCE_NOT_FOUND)
    try:
        with withheld_as_missing(not_found):
            return await call
    except la_subscriptions.SubscriptionNotFound:
        raise not_found from None
    except InvalidSubscription as error:
        raise FhirError.one(422, "invalid", str(error), SpineErrorCode.INVALID_PARAMETER) from None


@router.get(
    "/{subscription_id}/$events",
    tags=["person-data"],
    summary="Missed rest-hook events, by number",
    responses=fhir_error_responses(
        401,
        403,
        404,
        422,
        parameter_validation=True,
        described={422: "The subscription does not number its events (not a fhir-rest-hook)"},
    ),
)
async def events(
    subscription_id: UUID,
    request: Request,
    dependencies: Dependencies,
    events_since: Annotated[int | None, Query(alias="eventsSinceNumber", ge=1, le=MAX_EVENT_NUMBER)] = None,
    events_until: Annotated[int | None, Query(alias="eventsUntilNumber", ge=1, le=MAX_EVENT_NUMBER)] = None,
) -> JSONResponse:
    """The subscription's notifications numbered ``eventsSinceNumber`` to ``eventsUntilNumber`` (inclusive), as
    a query-event Bundle: how a rest-hook LA fills a gap it saw in the event numbers."""
    principal = await fhir_principal(request, Scope.NOTIFICATIONS_READ)
    found, numbered = await _fhir(
        la_subscriptions.numbered_events(
            subscription_id,
            events_since,
            events_until,
            uow=dependencies.unit_of_work(),
            authorise=_authorise(principal),
        )
    )
    now = datetime.now(UTC)
    document = rest_hook_document(
        found, NotificationType.QUERY_EVENT, numbered, dependencies.public_urls.notifications, now
    )
    return fhir_response(200, document)


@router.get(
    "/{subscription_id}/$status",
    summary="Rest-hook subscription status",
    responses=fhir_error_responses(401, 403, 404, parameter_validation=True),
)
async def status(subscription_id: UUID, request: Request, dependencies: Dependencies) -> JSONResponse:
    """A query-status Bundle: whether the subscription is active and how many events it has numbered."""
    principal = await fhir_principal(request, Scope.NOTIFICATIONS_READ)
    found = await _fhir(
        la_subscriptions.subscription(subscription_id, uow=dependencies.unit_of_work(), authorise=_authorise(principal))
    )
    now = datetime.now(UTC)
    document = rest_hook_document(found, NotificationType.QUERY_STATUS, [], dependencies.public_urls.notifications, now)
    return fhir_response(200, document)
