"""The shapes of the LA subscription API: what an LA sends and what it is shown (never a secret again)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from pathfinder.contracts import LaCode
from pathfinder.notifications.domain.la_delivery import LaDelivery
from pathfinder.notifications.domain.la_subscription import (
    EVERY_EVENT_TYPE,
    MAX_ENDPOINT_LENGTH,
    MAX_HEARTBEAT_SECONDS,
    MIN_HEARTBEAT_SECONDS,
    Channel,
    LaSubscription,
    MeshContent,
    SubscriptionTerms,
    deliverable_event_types,
    la_topic,
)
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _within_range(value: datetime) -> datetime:
    out_of_range = ValueError(f"must be from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} (UTC)")
    try:
        instant = value.astimezone(UTC)
    except OverflowError:
        raise out_of_range from None
    if not EARLIEST <= instant < LATEST:
        raise out_of_range
    return instant


Instant = Annotated[AwareDatetime, AfterValidator(_within_range)]
"""A date-time with a time zone, from 1970 to 2100: what a delivery's times can be."""


class SubscriptionFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_types: list[str] | None = Field(
        default=None,
        description=f"Catalogued event types (current versions, see GET /event-types). Left out when subscribing: "
        f"every type an LA may receive, including types catalogued later (shown as '{EVERY_EVENT_TYPE}'); "
        f"['{EVERY_EVENT_TYPE}'] asks for that again",
        max_length=100,
    )
    endpoint: str | None = Field(
        default=None,
        description="https URL of the webhook or rest-hook endpoint; on mesh, the LA's MESH mailbox id (one the "
        "platform has registered to the LA)",
        max_length=MAX_ENDPOINT_LENGTH,
    )
    allowed_hosts: list[str] | None = Field(default=None, description="Hosts besides the endpoint's own")
    secrets: list[str] | None = Field(
        default=None, description="Webhook signing secrets (whsec_...): one, or two while rotating", max_length=2
    )
    headers: dict[str, str] | None = Field(default=None, description="Rest-hook: headers sent with every call")
    heartbeat_seconds: int | None = Field(
        default=None,
        ge=MIN_HEARTBEAT_SECONDS,
        le=MAX_HEARTBEAT_SECONDS,
        description="Rest-hook: heartbeat period, from a minute to a day",
    )
    mesh_content: MeshContent | None = Field(
        default=None,
        description="MESH: what each message carries, the thin event in CloudEvents JSON (cloudevents, the "
        "default) or a FHIR Subscriptions Backport notification Bundle (fhir-bundle)",
    )


class SubscriptionRequest(SubscriptionFields):
    channel: Channel
    la_code: LaCode | None = Field(default=None, description="Only the platform names the LA; an LA gets its own")


class SubscriptionChange(SubscriptionFields):
    status: Literal["active"] | None = Field(default=None, description="Resume a paused subscription")


class SubscriptionView(BaseModel):
    id: UUID
    la_code: str
    channel: Channel
    every_event_type: bool = Field(description="Every type an LA may receive, including types catalogued later")
    event_types: list[str] = Field(description="What is delivered on it now")
    status: str
    endpoint: str | None
    allowed_hosts: list[str]
    active_secrets: int = Field(description="Secrets are never shown again")
    header_names: list[str] = Field(description="Header values are never shown again")
    heartbeat_seconds: int | None
    events_since_start: int
    kafka_topic: str | None
    mesh_mailbox: str | None = Field(default=None, description="MESH: the LA's mailbox its events go to")
    mesh_content: MeshContent | None = Field(default=None, description="MESH: what each message carries")
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
    mesh_message_id: str | None = Field(default=None, description="MESH: the id of the message it went in")
    mesh_status: str | None = Field(
        default=None, description="MESH: what MESH's tracking last said of the message (accepted, acknowledged...)"
    )
    replay_id: UUID | None = Field(
        default=None, description="The replay from the archive that sent the event again; absent: its first delivery"
    )


class RedeliveryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: Instant
    until: Instant


class Redelivered(BaseModel):
    queued: int


def terms(fields: SubscriptionFields) -> SubscriptionTerms:
    return SubscriptionTerms(
        event_types=frozenset(fields.event_types) if fields.event_types is not None else None,
        endpoint=fields.endpoint,
        allowed_hosts=frozenset(fields.allowed_hosts) if fields.allowed_hosts is not None else None,
        secrets=tuple(fields.secrets) if fields.secrets is not None else None,
        headers=fields.headers,
        heartbeat_seconds=fields.heartbeat_seconds,
        mesh_content=fields.mesh_content,
    )


def subscription_view(subscription: LaSubscription) -> SubscriptionView:
    return SubscriptionView(
        id=subscription.id,
        la_code=subscription.la_code,
        channel=subscription.channel,
        every_event_type=subscription.every_event_type,
        event_types=sorted(deliverable_event_types() if subscription.every_event_type else subscription.event_types),
        status=subscription.status.value,
        endpoint=subscription.endpoint,
        allowed_hosts=sorted(subscription.allowed_hosts),
        active_secrets=len(subscription.secrets),
        header_names=sorted(subscription.headers),
        heartbeat_seconds=subscription.heartbeat_seconds,
        events_since_start=subscription.events_since_start,
        kafka_topic=la_topic(subscription.la_code) if subscription.channel is Channel.KAFKA else None,
        mesh_mailbox=subscription.endpoint if subscription.channel is Channel.MESH else None,
        mesh_content=subscription.mesh_content,
        created_at=subscription.created_at,
    )


def delivery_view(delivery: LaDelivery) -> DeliveryView:
    assert delivery.id is not None, "a stored delivery"
    return DeliveryView(
        id=delivery.id,
        event_id=delivery.event.event_id,
        event_type=delivery.event.event_type,
        person_id=delivery.event.subject,
        event_number=delivery.event_number,
        state=delivery.state.value,
        attempts=delivery.attempts,
        created_at=delivery.created_at,
        last_attempt_at=delivery.last_attempt_at,
        delivered_at=delivery.delivered_at,
        response_status=delivery.response_status,
        last_error=delivery.last_error,
        mesh_message_id=delivery.mesh_message_id,
        mesh_status=delivery.mesh_status,
        replay_id=delivery.event.replay_id,
    )
