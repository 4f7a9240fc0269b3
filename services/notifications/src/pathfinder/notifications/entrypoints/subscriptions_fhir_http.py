"""FHIR ``$events`` and ``$status`` of an LA's rest-hook subscription (R4 Subscriptions Backport). Like every
FHIR route, they answer errors with an OperationOutcome rather than problem+json."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pathfinder.auth.tokens import InvalidAccessToken
from pathfinder.auth.keys import JwksUnavailable
from pathfinder.auth import Principal, Scope, ensure_la_may_see
from pathfinder.web.access import NotAuthenticated, presented_token
from pathfinder.contracts.fhir import OutcomeIssue, SpineErrorCode, operation_outcome
from pathfinder.contracts.fhir.subscription_notification import NotificationType
from pathfinder.messaging.envelope import header_value
from pathfinder.messaging.outbox import decode_headers
from pathfinder.notifications.delivery.rest_hook import rest_hook_document
from pathfinder.notifications.delivery.settings import LaDeliverySettings
from pathfinder.notifications.domain.subscription import InvalidSubscription
from pathfinder.notifications.domain.subscription_delivery import DATAREF_EXTENSION
from pathfinder.notifications.entrypoints.inbound_input import fhir_error_responses
from pathfinder.notifications.subscriptions import commands
from pathfinder.notifications.unit_of_work import NotificationsUnitOfWork
from pathfinder.web.problems import Problem

router = APIRouter(prefix="/fhir/Subscription", tags=["LA subscriptions (FHIR)"])
FHIR_JSON = "application/fhir+json"
_ISSUE = {
    401: ("login", SpineErrorCode.ACCESS_DENIED),
    403: ("forbidden", SpineErrorCode.ACCESS_DENIED),
    404: ("not-found", SpineErrorCode.RESOURCE_NOT_FOUND),
    422: ("invalid", SpineErrorCode.INVALID_PARAMETER),
    503: ("transient", None),
}


def _outcome(status: int, diagnostics: str) -> JSONResponse:
    code, spine_code = _ISSUE[status]
    document = operation_outcome([OutcomeIssue(code, diagnostics, spine_code)])
    return JSONResponse(document, status_code=status, media_type=FHIR_JSON)


async def _answer(request: Request, work: Callable[[Principal], Awaitable[dict[str, Any]]]) -> JSONResponse:
    try:
        token = presented_token(request)
        if token is None:
            return _outcome(401, "An access token is required.")
        principal: Principal = await request.app.state.access_tokens.verify(token)
        if not principal.has_scope(Scope.NOTIFICATIONS_READ.value):
            return _outcome(403, f"The access token lacks the scope {Scope.NOTIFICATIONS_READ.value}")
        return JSONResponse(await work(principal), media_type=FHIR_JSON)
    except (NotAuthenticated, InvalidAccessToken):
        return _outcome(401, "The access token is not valid.")
    except JwksUnavailable:
        return _outcome(503, "Access tokens cannot be checked just now.")
    except commands.SubscriptionNotFound:
        return _outcome(404, "No subscription has that id.")
    except InvalidSubscription as error:
        return _outcome(422, str(error))
    except Problem as problem:
        return _outcome(problem.status if problem.status in _ISSUE else 403, problem.detail or problem.title)


def _uow(request: Request) -> NotificationsUnitOfWork:
    uow: NotificationsUnitOfWork = request.app.state.unit_of_work()
    return uow


def _settings(request: Request) -> LaDeliverySettings:
    settings: LaDeliverySettings = request.app.state.la_delivery
    return settings


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
    events_since: Annotated[int | None, Query(alias="eventsSinceNumber", ge=1)] = None,
    events_until: Annotated[int | None, Query(alias="eventsUntilNumber", ge=1)] = None,
) -> JSONResponse:
    async def work(principal: Principal) -> dict[str, Any]:
        found, rows = await commands.numbered_events(
            subscription_id, events_since, events_until, _uow(request), lambda la: ensure_la_may_see(principal, la)
        )
        numbered = [(row, header_value(decode_headers(row.headers), f"ce_{DATAREF_EXTENSION}") or "") for row in rows]
        api_base_url = _settings(request).api_base_url
        return rest_hook_document(found, NotificationType.QUERY_EVENT, numbered, api_base_url, datetime.now(UTC))

    return await _answer(request, work)


@router.get(
    "/{subscription_id}/$status",
    summary="Rest-hook subscription status",
    responses=fhir_error_responses(401, 403, 404, parameter_validation=True),
)
async def status(subscription_id: UUID, request: Request) -> JSONResponse:
    async def work(principal: Principal) -> dict[str, Any]:
        found = await commands.subscription(subscription_id, _uow(request), lambda la: ensure_la_may_see(principal, la))
        api_base_url = _settings(request).api_base_url
        return rest_hook_document(found, NotificationType.QUERY_STATUS, [], api_base_url, datetime.now(UTC))

    return await _answer(request, work)
