"""The notifications worker's loops besides its consumers: the dispatcher's lanes and heartbeats, the LA topics
kept, identity asked who the children of accepted notifications are (in batches; again while it is away or a
review is pending), LAs that have not acknowledged in time reported overdue, and what MESH says of the events
sent by MESH. Each runs one use case in the shared step loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from pathfinder.messaging.broker import TopicAdmin, TopicSpec
from pathfinder.messaging.workers import Worker, keep_stepping, repeating
from pathfinder.notifications.domain.la_delivery import RetryPolicy
from pathfinder.notifications.service_layer.acknowledgements import raise_overdue_acknowledgements
from pathfinder.notifications.service_layer.child_identification import ask_identity_again
from pathfinder.notifications.service_layer.la_delivery import la_topics, send_heartbeats, send_next_delivery
from pathfinder.notifications.service_layer.mesh_tracking import track_mesh_deliveries
from pathfinder.notifications.service_layer.ports import IdentityClient, LaEndpoints, MeshPost, PostcodeLookup
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from pathfinder.persistence.notified_channel import NotifiedChannel

log = logging.getLogger(__name__)
UnitOfWorkFactory = Callable[[], NotificationsUnitOfWork]


def child_identification(
    unit_of_work: UnitOfWorkFactory,
    identity: IdentityClient,
    postcodes: PostcodeLookup,
    *,
    interval_seconds: float,
    notices: NotifiedChannel,
) -> Worker:
    """Identity asked about every notification waiting for it, in batches: at once when ``notices`` says one was
    committed, and every ``interval_seconds`` for those whose next try (identity away, a review pending) is due."""

    async def step() -> int:
        return await ask_identity_again(uow=unit_of_work(), identity=identity, postcodes=postcodes)

    async def run(stop: asyncio.Event) -> None:
        try:
            await keep_stepping(stop, step, name="child identification", idle_seconds=interval_seconds, notices=notices)
        finally:
            await notices.close()

    return run


def acknowledgement_deadlines(
    unit_of_work: UnitOfWorkFactory, *, due_after: timedelta, interval_seconds: float
) -> Worker:
    async def step() -> int:
        raised = await raise_overdue_acknowledgements(uow=unit_of_work(), due_after=due_after)
        if raised:
            log.warning("%d early-years notification(s) not acknowledged by their LA in time", raised)
        return raised

    return repeating("acknowledgement deadline", step, idle_seconds=interval_seconds)


def mesh_tracking(
    unit_of_work: UnitOfWorkFactory, post: MeshPost, *, due_after: timedelta, interval_seconds: float
) -> Worker:
    """Each message sent to an LA by MESH is asked about every ``interval_seconds`` until MESH's answer is final."""

    async def step() -> int:
        interval = timedelta(seconds=interval_seconds)
        return await track_mesh_deliveries(unit_of_work=unit_of_work, post=post, interval=interval, due_after=due_after)

    return repeating("MESH tracking", step, idle_seconds=interval_seconds)


def dispatcher(
    unit_of_work: UnitOfWorkFactory,
    endpoints: LaEndpoints,
    *,
    policy: RetryPolicy,
    lease: timedelta,
    lanes: int,
    per_la: int,
    poll_interval_seconds: float,
    before_start: Callable[[], Awaitable[object]] | None = None,
    notices: NotifiedChannel | None = None,
) -> Worker:
    """``lanes`` deliveries in flight at once (at most ``per_la`` of them to one LA, one per endpoint), and the
    rest-hook heartbeats beside them. Idle lanes wake when ``notices`` says a delivery was made, else poll."""

    async def send() -> bool:
        return await send_next_delivery(
            unit_of_work=unit_of_work, endpoints=endpoints, policy=policy, lease=lease, per_la=per_la
        )

    async def heartbeats() -> int:
        return await send_heartbeats(unit_of_work=unit_of_work, endpoints=endpoints)

    async def run(stop: asyncio.Event) -> None:
        if before_start is not None:
            try:
                await before_start()
            except Exception:
                log.exception("the dispatcher's start-up check failed")
        senders = [
            keep_stepping(stop, send, name="LA delivery", idle_seconds=poll_interval_seconds, notices=notices)
            for _ in range(lanes)
        ]
        beats = keep_stepping(
            stop, heartbeats, name="rest-hook heartbeats", idle_seconds=max(1.0, poll_interval_seconds)
        )
        try:
            await asyncio.gather(*senders, beats)
        finally:
            if notices is not None:
                await notices.close()

    return run


def la_topic_keeper(
    unit_of_work: UnitOfWorkFactory,
    admin: TopicAdmin,
    *,
    topic_specs: Callable[[list[str]], list[TopicSpec]],
    interval_seconds: float,
    also: Sequence[str] = (),
) -> Worker:
    """Keeps a Kafka topic for every LA that subscribes on Kafka, so the relay can always write to it, and the
    topics ``also`` named. Checked at an interval rather than on subscription: the API need not reach the broker,
    and a broker that lost its topics (the embedded one, when it restarts) gets them back like the relay's own."""

    async def step() -> bool:
        topics = [*await la_topics(uow=unit_of_work()), *also]
        if topics:
            await admin.ensure(topic_specs(topics))
        return False

    async def run(stop: asyncio.Event) -> None:
        try:
            await keep_stepping(stop, step, name="LA topics", idle_seconds=interval_seconds, after_failure=admin.close)
        finally:
            await admin.close()

    return run
