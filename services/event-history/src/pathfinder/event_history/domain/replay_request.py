"""A replay's target as it was asked: text, read into a :class:`ReplayTarget` with every value checked, so that a
target refused for its values is refused with a reason (and audited) like a slice refused for its values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from pathfinder.event_history.domain.refusals import InvalidQuery
from pathfinder.event_history.domain.replay import InvalidReplay, ReplayTarget, TargetKind

_TOPIC = re.compile(r"[A-Za-z0-9._-]{1,249}")  # Kafka's legal topic names
_GROUP = re.compile(r"[A-Za-z0-9._:-]{1,200}")  # the platform's consumer group names


def checked_group(group: str | None) -> str | None:
    """A consumer group's name as asked, or the refusal of one that cannot be a group's name."""
    if group and not _GROUP.fullmatch(group):
        raise InvalidQuery("group is a consumer group's name: letters, digits and . _ : - only, at most 200")
    return group or None


@dataclass(frozen=True)
class TargetQuery:
    kind: str
    topic: str | None = None
    group: str | None = None
    subscription_id: str | None = None

    def read(self) -> ReplayTarget:
        try:
            kind = TargetKind(self.kind)
        except ValueError:
            kinds = ", ".join(one.value for one in TargetKind)
            raise InvalidReplay(f"A target's kind is one of {kinds}.") from None
        if self.topic and not _TOPIC.fullmatch(self.topic):
            raise InvalidReplay("A target topic is a Kafka topic name: letters, digits and . _ - only.")
        subscription: UUID | None = None
        if self.subscription_id:
            try:
                subscription = UUID(self.subscription_id)
            except ValueError:
                raise InvalidReplay("subscription_id is the subscription's id (a UUID).") from None
        return ReplayTarget(
            kind, topic=self.topic or None, group=checked_group(self.group), subscription_id=subscription
        )

    def as_json(self) -> dict[str, str]:
        """What was asked, as the audit keeps it when the target is refused (each value cut short)."""
        asked = (("kind", self.kind), ("topic", self.topic), ("group", self.group),
                 ("subscription_id", self.subscription_id))  # fmt: skip
        return {name: value[:249] for name, value in asked if value is not None}
