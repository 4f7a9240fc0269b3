"""Who may see and act on which advice requests.

- The ICB asked (a DCO is a person of it) with ``advice:read`` sees all its requests, across its LAs; with
  ``advice:submit`` it may take every step.
- The provider organisation running the team a request is routed to (a trust) reads and acts alike on those.
- A team lead (a person listed as the team's lead) sees the team's requests, and acts on them with
  ``advice:submit``.
- The requesting LA with ``advice:read`` reads its own requests' status, nothing more.
- The platform sees all. Anyone else is told the request does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathfinder.auth import AccessDenied, OrganisationRole, Principal, Scope
from pathfinder.health_advice.domain.advice_request import AdviceRequest


@dataclass(frozen=True)
class Visibility:
    """What a principal may read, as sets a query can filter by; a request is visible if any one matches."""

    everything: bool = False
    icbs: frozenset[str] = frozenset()
    provider_organisations: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()
    requesting_las: frozenset[str] = frozenset()
    """Status only: no timeline, no advice."""

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.icbs or self.provider_organisations or self.teams or self.requesting_las)


def visibility(principal: Principal, led_teams: frozenset[str] = frozenset()) -> Visibility:
    if not principal.has_scope(Scope.ADVICE_READ):
        return Visibility()
    organisation = frozenset({principal.organisation})
    match principal.role:
        case OrganisationRole.PLATFORM:
            return Visibility(everything=True)
        case OrganisationRole.LOCAL_AUTHORITY:
            return Visibility(requesting_las=organisation)
        case OrganisationRole.ICB:
            return Visibility(icbs=organisation, provider_organisations=organisation, teams=led_teams)
        case _:
            return Visibility(provider_organisations=organisation, teams=led_teams)


def may_read(seen: Visibility, request: AdviceRequest) -> bool:
    return may_read_in_full(seen, request) or request.requesting_la in seen.requesting_las


def may_read_in_full(seen: Visibility, request: AdviceRequest) -> bool:
    """Everything the service holds about it: its timeline, its clock stops and the advice."""
    return (
        seen.everything
        or request.icb in seen.icbs
        or (request.provider_organisation is not None and request.provider_organisation in seen.provider_organisations)
        or (request.team_id is not None and request.team_id in seen.teams)
    )


def ensure_may_act(principal: Principal, request: AdviceRequest, led_teams: frozenset[str] = frozenset()) -> None:
    """Accept, assign, stop or restart the clock, submit or cancel: the ICB asked, the team's provider or the
    team's lead, with ``advice:submit``."""
    if not principal.has_scope(Scope.ADVICE_SUBMIT):
        raise AccessDenied(f"{principal.subject} lacks advice:submit")
    if not may_read_in_full(_acting(principal, led_teams), request):
        raise AccessDenied(f"{principal.role} {principal.organisation} may not act on advice request of {request.icb}")


def _acting(principal: Principal, led_teams: frozenset[str]) -> Visibility:
    organisation = frozenset({principal.organisation})
    if principal.role is OrganisationRole.ICB:
        return Visibility(icbs=organisation, provider_organisations=organisation, teams=led_teams)
    if principal.role is OrganisationRole.NHS_TRUST:
        return Visibility(provider_organisations=organisation, teams=led_teams)
    return Visibility()
