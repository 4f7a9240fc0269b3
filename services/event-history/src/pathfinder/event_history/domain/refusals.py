"""Why a call to the event history is refused. Each says what its audit row records as the outcome; what the
caller is told is ``detail``, which never says whether a record the caller may not see exists."""

from __future__ import annotations

from typing import ClassVar


class Refused(Exception):
    default_outcome: ClassVar[str] = "refused"

    def __init__(self, detail: str, *, outcome: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.outcome = outcome or self.default_outcome


class MissingReason(Refused):
    default_outcome = "refused: no reason"


class InvalidQuery(Refused):
    default_outcome = "refused: invalid"


class NotAllowed(Refused):
    default_outcome = "refused: not allowed"


class AnotherLasEvents(Refused):
    default_outcome = "refused: another LA's events"


class EventNotFound(Refused):
    """No such event, or (``withheld``) one the caller may not see: answered alike, audited apart."""

    default_outcome = "not found"

    def __init__(self, *, withheld: bool = False) -> None:
        super().__init__(
            "No event with that id is held for you.", outcome="withheld: another LA's event" if withheld else None
        )


class ReplayNotFound(Refused):
    default_outcome = "not found"

    def __init__(self) -> None:
        super().__init__("No replay with that id was asked for by your organisation.")


class GroupInUse(Refused):
    """A consumer group with live members cannot be rewound: the broker would refuse, or its members undo it."""

    default_outcome = "refused: group in use"
