"""The JSON of replays: what a replay or its dry run is asked with, and what they answer. A body's values are text
here and are read by the use case (``SliceQuery``, ``TargetQuery``), so that a value refused is audited like any
refusal; a member the API does not know is refused outright, so that a misspelt filter never widens a replay."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pathfinder.event_history.domain.event_slice import SliceQuery
from pathfinder.event_history.domain.replay import Replay, ReplayStatus
from pathfinder.event_history.domain.replay_plan import PartitionCount, ReplayPlan
from pathfinder.event_history.domain.replay_request import TargetQuery
from pydantic import BaseModel, ConfigDict, Field


class SliceBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    event_type: list[str] | None = Field(default=None, alias="type", description="Event types (any of them)")
    la: str | None = Field(default=None, description="The responsible LA's DfE code (an LA's client: its own)")
    person: str | None = Field(default=None, description="A child's pseudonymous person id")
    correlation_id: str | None = None
    topic: str | None = Field(default=None, description="One topic")
    since: str | None = Field(default=None, description="RFC 3339; records at or after it (time on the broker)")
    until: str | None = Field(default=None, description="RFC 3339; records before it")

    def query(self) -> SliceQuery:
        return SliceQuery(
            types=tuple(self.event_type or ()), la=self.la, person=self.person, correlation_id=self.correlation_id,
            topic=self.topic, since=self.since, until=self.until,
        )  # fmt: skip


class TargetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="`topic`, `consumer-group` or `subscription`")
    topic: str | None = Field(default=None, description="topic: the one topic to send to (null: each event's own)")
    group: str | None = Field(default=None, description="consumer-group: the group rewound to `since`")
    subscription_id: str | None = Field(default=None, description="subscription: the LA subscription's id")

    def query(self) -> TargetQuery:
        return TargetQuery(self.kind, topic=self.topic, group=self.group, subscription_id=self.subscription_id)


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slice: SliceBody = Field(default_factory=SliceBody)
    target: TargetBody
    rate: int = Field(default=500, description="Events a second at most")


class PartitionCountView(BaseModel):
    topic: str
    partition: int
    events: int = Field(description="Events of the slice archived from this partition")
    offset: int | None = Field(description="A consumer group's rewind: the offset it would be set to")


class ReplayPlanView(BaseModel):
    events: int = Field(description="How many events the replay would send")
    last_position: int = Field(description="The archive's end when counted: a replay takes the events up to it")
    first_record_time: datetime | None
    last_record_time: datetime | None
    target: str
    partitions: list[PartitionCountView]
    by_type: dict[str, int]
    by_la: dict[str, int] = Field(description='Events per responsible LA ("none": events no LA may receive)')


class OffsetView(BaseModel):
    topic: str
    partition: int
    offset: int


class ReplayView(BaseModel):
    replay_id: UUID
    status: ReplayStatus
    target: str = Field(description="Where it sends, in words")
    target_kind: str
    slice: dict[str, Any] = Field(description="The slice sent (an LA's: narrowed to its LA)")
    rate: int
    total: int = Field(description="Events to send")
    sent: int = Field(description="Events sent and acknowledged, all its shards together")
    cursor: int = Field(
        description="The archive position up to which every event was sent and acknowledged: a resume carries on "
        "after it (each shard after its own cursor, at or past this one)"
    )
    last_position: int
    requested_by: str
    organisation: str
    reason: str
    started_at: datetime
    updated_at: datetime | None
    finished_at: datetime | None
    events_per_second: float = Field(description="Its shards' rates added up")
    offsets: list[OffsetView] = Field(description="A rewound consumer group's offsets")


class ReplayListView(BaseModel):
    replays: list[ReplayView]


def partition_view(count: PartitionCount) -> PartitionCountView:
    return PartitionCountView(topic=count.topic, partition=count.partition, events=count.events, offset=count.offset)


def plan_view(plan: ReplayPlan) -> ReplayPlanView:
    return ReplayPlanView(
        events=plan.events, last_position=plan.last_position, first_record_time=plan.first_record_time,
        last_record_time=plan.last_record_time, target=plan.target.describe(),
        partitions=[partition_view(one) for one in plan.partitions], by_type=dict(plan.by_type),
        by_la=dict(plan.by_la),
    )  # fmt: skip


def replay_view(replay: Replay) -> ReplayView:
    return ReplayView(
        replay_id=replay.replay_id, status=replay.status, target=replay.target.describe(),
        target_kind=replay.target.kind.value, slice=replay.chosen.as_json(), rate=replay.rate, total=replay.total,
        sent=replay.sent, cursor=replay.cursor, last_position=replay.last_position, requested_by=replay.requested_by,
        organisation=replay.organisation, reason=replay.reason, started_at=replay.started_at,
        updated_at=replay.last_change, finished_at=replay.finished_at, events_per_second=replay.events_per_second,
        offsets=[OffsetView(topic=topic, partition=partition, offset=offset)
                 for topic, partition, offset in replay.offsets],
    )  # fmt: skip


def replays_view(replays: list[Replay]) -> ReplayListView:
    return ReplayListView(replays=[replay_view(one) for one in replays])
