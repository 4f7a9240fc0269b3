"""An ICB's configuration: its provider teams, and the rules that route each LA's requests to one of them.

A request goes to the team of the first rule that matches: the rules naming the requesting LA, lowest priority
first, then the ICB's defaults (no LA). With no rule it stays unrouted and the DCO sees it so. One ICB serves
several LAs and one LA may ask several ICBs: nothing here assumes either is one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pathfinder.health_advice.domain.steps import InvalidStep

KNOWN_KINDS: dict[str, str] = {
    "community-paediatrics": "Community paediatrics",
    "speech-and-language-therapy": "Speech and language therapy",
    "occupational-therapy": "Occupational therapy",
    "physiotherapy": "Physiotherapy",
    "camhs": "Children and young people's mental health services (CAMHS)",
    "health-visiting": "Health visiting",
    "school-nursing": "School nursing",
}
"""The kinds of team every ICB has; an ICB adds others as a kebab-case code with a display name."""

_CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ODS = re.compile(r"^[A-Z0-9]{3,10}$")
_LA = re.compile(r"^[0-9]{3}$")


def ods_code(value: str, what: str) -> str:
    if not _ODS.match(value):
        raise InvalidStep(f"{what} {value!r} is not an ODS code (3 to 10 capitals and digits)")
    return value


def la_code(value: str) -> str:
    if not _LA.match(value):
        raise InvalidStep(f"{value!r} is not a DfE LA code (3 digits)")
    return value


@dataclass(frozen=True)
class TeamKind:
    code: str
    name: str

    @classmethod
    def of(cls, code: str, name: str | None = None) -> TeamKind:
        """A known kind by its code, or another kind with the display name the ICB gives it."""
        if not _CODE.match(code) or len(code) > 64:
            raise InvalidStep(f"a team kind is a kebab-case code such as 'community-paediatrics', not {code!r}")
        name = (name or KNOWN_KINDS.get(code, "")).strip()
        if not name or len(name) > 120:
            raise InvalidStep(f"give the kind {code!r} a display name (up to 120 characters)")
        return cls(code, name)


@dataclass(frozen=True)
class ProviderTeam:
    team_id: str
    icb: str
    name: str
    kind: TeamKind
    provider_organisation: str
    """ODS code of the trust (or other body) running the team."""

    def __post_init__(self) -> None:
        if not _CODE.match(self.team_id) or len(self.team_id) > 64:
            raise InvalidStep(f"a team id is a kebab-case code such as 'qhm-darlington-salt', not {self.team_id!r}")
        ods_code(self.icb, "the ICB")
        ods_code(self.provider_organisation, "the provider organisation")
        if not self.name.strip() or len(self.name) > 200:
            raise InvalidStep("give the team a name (up to 200 characters)")


@dataclass(frozen=True)
class RoutingRule:
    icb: str
    requesting_la: str | None
    """None: the ICB's default, for any LA without a rule of its own."""
    team_id: str
    priority: int = 100

    def __post_init__(self) -> None:
        ods_code(self.icb, "the ICB")
        if self.requesting_la is not None:
            la_code(self.requesting_la)

    def matches(self, icb: str, requesting_la: str) -> bool:
        return self.icb == icb and self.requesting_la in (None, requesting_la)


def route(rules: Iterable[RoutingRule], *, icb: str, requesting_la: str) -> str | None:
    """The team a request of ``requesting_la`` to ``icb`` goes to, or None when no rule matches."""
    matching = [rule for rule in rules if rule.matches(icb, requesting_la)]
    matching.sort(key=lambda rule: (rule.requesting_la is None, rule.priority, rule.team_id))
    return matching[0].team_id if matching else None
