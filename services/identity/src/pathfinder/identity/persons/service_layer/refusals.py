"""What the person index refuses, each with words safe to show any caller (no personal data). The HTTP API
answers each with its own problem document; ``AccessDenied`` (``pathfinder.auth``) is the 403 of them all."""

from __future__ import annotations

from uuid import UUID


class PersonIndexRefusal(Exception):
    pass


class PersonNotFound(PersonIndexRefusal):
    def __init__(self) -> None:
        super().__init__("No person is held under that id.")


class PersonErased(PersonIndexRefusal):
    """The same answer for every caller: the person's details no longer exist anywhere in the index."""

    def __init__(self) -> None:
        super().__init__("This person's details have been erased.")


class PersonMerged(PersonIndexRefusal):
    def __init__(self, survivor: UUID) -> None:
        super().__init__(f"This person id was merged into {survivor}: use that id.")
        self.survivor = survivor


class ReviewNotFound(PersonIndexRefusal):
    def __init__(self) -> None:
        super().__init__("No match review is held under that id.")


class LinkNotHeld(PersonIndexRefusal):
    def __init__(self) -> None:
        super().__init__("The person has no active link with that id.")


class MergeNotHeld(PersonIndexRefusal):
    def __init__(self) -> None:
        super().__init__("The person has no merge with that id to undo.")


class Conflict(PersonIndexRefusal):
    """The change does not fit the index as it is now."""


class UnregisteredLa(PersonIndexRefusal):
    """A record names as the child's responsible LA a code no registered local authority holds."""

    def __init__(self, la_code: str) -> None:
        super().__init__(f"{la_code} is not the DfE code of a registered local authority.")
        self.la_code = la_code
