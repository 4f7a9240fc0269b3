"""The LA subscription API: subscriptions, their delivery logs and redelivery, and the LA's acknowledgement of
a notification. Every route keeps an LA to its own subscriptions and children."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pathfinder.auth import AccessDenied, Principal, Scope, ensure_la_may_see
from pathfinder.web.access import require_scopes
from pathfinder.contracts import LaCode, Reference
from pathfinder.notifications.adapters.subscription_repository import SubscriptionSecrets
from pathfinder.notifications.delivery.settings import LaDeliverySettings
from pathfinder.notifications.domain.subscription import Channel, InvalidSubscription, LaSubscription, la_topic
from pathfinder.notifications.entrypoints.http import UnitOfWork
from pathfinder.notifications.subscriptions import commands
from pathfinder.web.problems import Problem, problem_responses
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

router = APIRouter(tags=["LA subscriptions"])
PERSON_DATA = "person-data"
NOT_FOUND = Problem(404, "Not Found", "No subscription has that id.")
ONE_SUBSCRIPTION = problem_responses(401, 403, 404, 422)

Manage = Annotated[Principal, Depends(require_scopes(Scope.SUBSCRIPTIONS_MANAGE))]
Read = Annotated[Principal, Depends(require_scopes(Scope.NOTIFICATIONS_READ))]
Acknowledge = Annotated[Principal, Depends(require_scopes(Scope.NOTIFICATIONS_ACKNOWLEDGE))]


class SubscriptionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_types: list[str] | None = Field(default=None, description="Catalogued event types (current versions)")
    endpoint: str | None = Field(default=None, description="https URL of the webhook or rest-hook endpoint")
    allowed_hosts: list[str] | None = Field(default=None, description="Hosts besides the endpoint's own")
    secrets: list[str] | None = Field(
        default=None, description="Webhook signing secrets (whsec_...): one, or two while rotating", max_length=2
    )
    headers: dict[str, str] | None = Field(default=None, description="Rest-hook: headers sent with every call")
    heartbeat_seconds: int | None = Field(default=None, description="Rest-hook: heartbeat period")


class SubscriptionRequest(SubscriptionFields):
    channel: Channel
    la_code: LaCode | None = Field(default=None, description="Only the platform names the LA; an LA gets its own")


class SubscriptionChange(SubscriptionFields):
    status: Literal["active"] | None = Field(default=None, description="Resume a paused subscription")


class SubscriptionView(BaseModel):
    id: UUID
    la_code: str
    channel: Channel
    event_types: list[str]
    status: str
    endpoint: str | None
    allowed_hosts: list[str]
    active_secrets: int = Field(description="Secrets are never shown again")
    header_names: list[str] = Field(description="Header values are never shown again")
    heartbeat_seconds: int | None
    events_since_start: int
    kafka_topic: str | None
    created_at: datetime


class DeliveryView(BaseModel):
    id: int
    event_id: UUID
    event_type: str
    person_id: str
    event_number: int | None
    state: str
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    response_status: int | None
    last_error: str | None


class RedeliveryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime
    until: AwareDatetime


class Redelivered(BaseModel):
    queued: int


class AcknowledgementRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    la_reference: Reference | None = None


class AcknowledgementView(BaseModel):
    notification_id: UUID
    la_reference: str | None
    acknowledged_at: datetime


def _settings(request: Request) -> LaDeliverySettings:
    settings: LaDeliverySettings = request.app.state.la_delivery
    return settings


Settings = Annotated[LaDeliverySettings, Depends(_settings)]


def _secrets(request: Request) -> SubscriptionSecrets:
    secrets: SubscriptionSecrets = request.app.state.subscription_secrets
    return secrets


Secrets = Annotated[SubscriptionSecrets, Depends(_secrets)]


def _authorise(principal: Principal) -> commands.Authorise:
    return lambda la_code: ensure_la_may_see(principal, la_code)


def _terms(fields: SubscriptionFields, *, resume: bool = False) -> commands.SubscriptionTerms:
    return commands.SubscriptionTerms(
        event_types=frozenset(fields.event_types) if fields.event_types is not None else None,
        endpoint=fields.endpoint,
        allowed_hosts=frozenset(fields.allowed_hosts) if fields.allowed_hosts is not None else None,
        secrets=tuple(fields.secrets) if fields.secrets is not None else None,
        headers=fields.headers,
        heartbeat_seconds=fields.heartbeat_seconds,
        resume=resume,
    )


def _view(subscription: LaSubscription) -> SubscriptionView:
    return SubscriptionView(
        id=subscription.id,
        la_code=subscription.la_code,
        channel=subscription.channel,
        event_types=sorted(subscription.event_types),
        status=subscription.status.value,
        endpoint=subscription.endpoint,
        allowed_hosts=sorted(subscription.allowed_hosts),
        active_secrets=len(subscription.secrets),
        header_names=sorted(subscription.headers),
        heartbeat_seconds=subscription.heartbeat_seconds,
        events_since_start=subscription.events_since_start,
        kafka_topic=la_topic(subscription.la_code) if subscription.channel is Channel.KAFKA else None,
        created_at=subscription.created_at,
    )


def _invalid(error: InvalidSubscription) -> Problem:
    return Problem(422, "Invalid subscription", str(error))


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=SubscriptionView,
    summary="Subscribe an LA",
    responses=problem_responses(401, 403, 409, 422),
)
async def create(
    asked: SubscriptionRequest,
    uow: UnitOfWork,
    principal: Manage,
    settings: Settings,
    secrets: Secrets,
    response: Response,
) -> SubscriptionView:
    la_code = asked.la_code or principal.la_code
    if la_code is None:
        raise AccessDenied("an LA subscribes only for itself; the platform names the LA")
    ensure_la_may_see(principal, la_code)
    try:
        made = await commands.create_subscription(
            la_code,
            asked.channel,
            _terms(asked),
            uow,
            allow_loopback_http=settings.allow_loopback_http,
            secrets=secrets,
        )
    except InvalidSubscription as error:
        raise _invalid(error) from None
    except commands.SubscriptionConflict as error:
        raise Problem(409, "Conflict", str(error)) from None
    response.headers["Location"] = f"/subscriptions/{made.id}"
    return _view(made)


@router.get(
    "/subscriptions",
    response_model=list[SubscriptionView],
    summary="An LA's subscriptions: the caller's own, or for the platform's operators the LA named",
    responses=problem_responses(401, 403, 422),
)
async def list_subscriptions(
    uow: UnitOfWork,
    principal: Manage,
    la_code: Annotated[LaCode | None, Query(description="Whose; an LA may name only itself")] = None,
) -> list[SubscriptionView]:
    # As for one subscription: the LA sees its own, the platform any LA's (operators looking into a delivery).
    wanted = la_code or principal.la_code
    if wanted is None:
        raise Problem(422, "LA required", "Name the LA whose subscriptions to list: ?la_code=<code>.")
    ensure_la_may_see(principal, wanted)
    return [_view(found) for found in await commands.subscriptions_of(wanted, uow)]


async def _one(call: Any) -> Any:
    try:
        return await call
    except commands.SubscriptionNotFound:
        raise NOT_FOUND from None
    except InvalidSubscription as error:
        raise _invalid(error) from None


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionView, responses=ONE_SUBSCRIPTION)
async def read(subscription_id: UUID, uow: UnitOfWork, principal: Manage) -> SubscriptionView:
    return _view(await _one(commands.subscription(subscription_id, uow, _authorise(principal))))


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionView, responses=ONE_SUBSCRIPTION)
async def change(
    subscription_id: UUID,
    asked: SubscriptionChange,
    uow: UnitOfWork,
    principal: Manage,
    settings: Settings,
    secrets: Secrets,
) -> SubscriptionView:
    terms = _terms(asked, resume=asked.status == "active")
    call = commands.change_subscription(
        subscription_id,
        terms,
        uow,
        _authorise(principal),
        allow_loopback_http=settings.allow_loopback_http,
        secrets=secrets,
    )
    return _view(await _one(call))


@router.delete("/subscriptions/{subscription_id}", status_code=204, responses=ONE_SUBSCRIPTION)
async def remove(subscription_id: UUID, uow: UnitOfWork, principal: Manage) -> Response:
    await _one(commands.remove_subscription(subscription_id, uow, _authorise(principal)))
    return Response(status_code=204)


@router.get(
    "/subscriptions/{subscription_id}/deliveries",
    response_model=list[DeliveryView],
    tags=[PERSON_DATA],
    summary="The delivery log of a subscription",
    responses=ONE_SUBSCRIPTION,
)
async def deliveries(
    subscription_id: UUID,
    uow: UnitOfWork,
    principal: Read,
    since: Annotated[AwareDatetime | None, Query()] = None,
    until: Annotated[AwareDatetime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[DeliveryView]:
    call = commands.delivery_log(subscription_id, uow, _authorise(principal), since=since, until=until, limit=limit)
    return [_delivery(row) for row in await _one(call)]


def _delivery(row: Any) -> DeliveryView:
    return DeliveryView(
        id=row.id,
        event_id=row.event_id,
        event_type=row.event_type,
        person_id=row.subject,
        event_number=row.event_number,
        state=row.state,
        attempts=row.attempts,
        created_at=row.created_at,
        last_attempt_at=row.last_attempt_at,
        delivered_at=row.delivered_at,
        response_status=row.response_status,
        last_error=row.last_error,
    )


@router.post(
    "/subscriptions/{subscription_id}/deliveries/$redeliver",
    response_model=Redelivered,
    summary="Queue again the deliveries created in a time range (and resume a paused subscription)",
    responses=ONE_SUBSCRIPTION,
)
async def redeliver(subscription_id: UUID, asked: RedeliveryRequest, uow: UnitOfWork, principal: Manage) -> Redelivered:
    call = commands.redeliver(subscription_id, asked.since, asked.until, uow, _authorise(principal))
    return Redelivered(queued=await _one(call))


@router.post(
    "/early-years-notifications/{notification_id}/acknowledgement",
    response_model=AcknowledgementView,
    tags=[PERSON_DATA],
    summary="The responsible LA acknowledges a notification",
    responses=problem_responses(401, 403, 404, 422),
)
async def acknowledge(
    notification_id: UUID,
    uow: UnitOfWork,
    principal: Acknowledge,
    response: Response,
    asked: Annotated[AcknowledgementRequest | None, Body()] = None,
) -> AcknowledgementView:
    def only_the_responsible_la(la_code: str) -> None:
        if principal.la_code != la_code:
            raise AccessDenied(f"{principal.role} {principal.organisation} is not responsible LA {la_code}")

    reference = asked.la_reference if asked is not None else None
    made = await commands.acknowledge_notification(notification_id, reference, uow, only_the_responsible_la)
    if made is None:
        raise Problem(404, "Not Found", "No early-years notification has that id.")
    response.status_code = 201 if made.new else 200
    return AcknowledgementView(
        notification_id=made.notification_id, la_reference=made.la_reference, acknowledged_at=made.acknowledged_at
    )
