"""An archived event replayed to one LA subscription (ADR 0011): delivered to that subscription only, on its
channel, exactly as a live event is (signed, retried, numbered on a rest-hook, reported to its notification), and
marked with the replay's id; or refused, saying why (:mod:`..domain.la_replay`).

The consumer's handler asks :func:`refusal_of_replay` first, then calls :func:`replay_to_subscription` for an event
the subscription may have, in one transaction with the consumer's inbox row (under the replay's key).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from pathfinder.contracts import ContractEvent
from pathfinder.messaging.envelope import EventEnvelope
from pathfinder.notifications.domain.la_delivery import PublicUrls
from pathfinder.notifications.domain.la_replay import ReplayTarget, replay_refusal
from pathfinder.notifications.service_layer.la_delivery import deliver_on, la_event
from pathfinder.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


class ReplayRefused(Exception):
    """The subscription may not have the replayed event; the message says why."""


def _now() -> datetime:
    return datetime.now(UTC)


async def refusal_of_replay(event: ContractEvent, target: ReplayTarget, *, uow: NotificationsUnitOfWork) -> str | None:
    """Why the target subscription may not have ``event``, or None; the subscription stays locked until the
    caller's transaction ends, so what was judged holds when it is delivered."""
    subscription = await uow.subscriptions.get(target.subscription_id, lock=True)
    return replay_refusal(target, subscription, event)


async def replay_to_subscription(
    event: ContractEvent,
    received: EventEnvelope,
    target: ReplayTarget,
    *,
    uow: NotificationsUnitOfWork,
    public_urls: PublicUrls,
    now: Callable[[], datetime] = _now,
) -> None:
    """One delivery of the replayed event on the target subscription, in the caller's transaction. Raises
    :class:`ReplayRefused` (and changes nothing) when the subscription may not have it."""
    subscription = await uow.subscriptions.get(target.subscription_id, lock=True)
    refusal = replay_refusal(target, subscription, event)
    if refusal is not None:
        raise ReplayRefused(refusal)
    assert subscription is not None
    delivered = la_event(event, received, public_urls=public_urls, replay_id=target.replay_id)
    await deliver_on(uow, subscription, delivered, now())
