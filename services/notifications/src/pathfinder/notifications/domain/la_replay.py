"""Replaying archived events to one LA subscription (ADR 0011): which replayed event the subscription may have.

The event-history service sends each event of a replay to ``pathfinder.replay.la-delivery``, naming the replay and
the subscription. The subscription gets it only if the subscription still exists, the event's child is one of the
subscription's LA (an event naming no LA reaches no LA), and the subscription would have received the event live
(an event type an LA may receive, and one it subscribes to). Otherwise the replay is refused, saying why.

A replayed event is delivered again even where it was delivered live: its delivery is keyed by (replay,
subscription, event), so one replay delivers it once and a later replay again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid5

from pathfinder.contracts import ContractEvent
from pathfinder.contracts.wire import REPLAY_ID_HEADER, REPLAY_SUBSCRIPTION_HEADER
from pathfinder.notifications.domain.la_subscription import LaSubscription

_REPLAY_KEY_NAMESPACE = UUID("0b6a4c1e-7d53-5f0e-9a0c-5e1d6f2b8c41")


class UnreadableReplay(ValueError):
    """The record does not say which replay it belongs to or which subscription it is for."""


@dataclass(frozen=True)
class ReplayTarget:
    replay_id: UUID
    subscription_id: UUID

    @classmethod
    def from_headers(cls, headers: Sequence[tuple[str, bytes]]) -> ReplayTarget:
        found = dict(headers)
        return cls(_uuid_header(found, REPLAY_ID_HEADER), _uuid_header(found, REPLAY_SUBSCRIPTION_HEADER))

    def key(self, event_id: UUID) -> UUID:
        """The replayed event's key (its inbox entry): one per replay, subscription and event."""
        return uuid5(_REPLAY_KEY_NAMESPACE, f"{self.replay_id}/{self.subscription_id}/{event_id}")


def replay_refusal(target: ReplayTarget, subscription: LaSubscription | None, event: ContractEvent) -> str | None:
    """Why ``subscription`` may not have ``event`` in the replay, or None when it may."""
    named = f"subscription {target.subscription_id}"
    if subscription is None:
        return f"{named} does not exist (it was removed, or never made)"
    if not type(event).la_deliverable:
        return f"{event.event_type} is not an event type an LA may receive"
    la_code = event.audience_la
    if la_code is None:
        return "the event names no responsible LA: no LA may receive it"
    if la_code != subscription.la_code:
        return f"the event is about a child of LA {la_code}; {named} is LA {subscription.la_code}'s"
    if not subscription.wants(event.event_type):
        return f"{named} does not subscribe to {event.event_type}"
    return None


def _uuid_header(headers: dict[str, bytes], name: str) -> UUID:
    value = headers.get(name)
    if value is None:
        raise UnreadableReplay(f"the record has no {name} header")
    try:
        return UUID(value.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise UnreadableReplay(f"the {name} header is not a UUID") from None
