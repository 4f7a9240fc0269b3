"""The shapes of the LA subscription API: what an LA sends and what it is shown (never a secret again)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pathfinder.contracts import LaCode
from pathfinder.notifications.domain.la_delivery import LaDelivery
from pathfinder.notifications.domain.la_subscription import Channel, LaSubscription, SubscriptionTerms, la_topic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


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


def terms(fields: SubscriptionFields) -> SubscriptionTerms:
    return SubscriptionTerms(
        event_types=frozenset(fields.event_types) if fields.event_types is not None else None,
        endpoint=fields.endpoint,
        allowed_hosts=frozenset(fields.allowed_hosts) if fields.allowed_hosts is not None else None,
        secrets=tuple(fields.secrets) if fields.secrets is not None else None,
        headers=fields.headers,
        heartbeat_seconds=fields.heartbeat_seconds,
    )


def subscription_view(subscription: LaSubscription) -> SubscriptionView:
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
    )
