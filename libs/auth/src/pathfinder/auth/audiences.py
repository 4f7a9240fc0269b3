"""Which service each scope is for, and so which audiences (``aud``) an access token names.

Each service's API accepts only tokens whose ``aud`` names it (``urn:pathfinder:<service>``), so a token sent to
one service cannot be replayed at another that its scopes do not concern. A token is issued for the services its
scopes belong to and for identity, the issuer, whose ``/me`` and organisation registry answer any platform token
(and nothing more without identity's scopes). A client that wants a token one service alone accepts names that
service as the RFC 8707 ``resource`` of its token request, and gets only that service's scopes.
"""

from __future__ import annotations

from collections.abc import Iterable

from pathfinder.auth.principal import Scope

_PREFIX = "urn:pathfinder:"

SERVICE_OF_SCOPE: dict[Scope, str] = {
    Scope.NOTIFICATIONS_SUBMIT: "notifications",
    Scope.NOTIFICATIONS_READ: "notifications",
    Scope.NOTIFICATIONS_ACKNOWLEDGE: "notifications",
    Scope.SUBSCRIPTIONS_MANAGE: "notifications",
    Scope.PERSONS_MATCH: "identity",
    Scope.PERSONS_READ: "identity",
    Scope.PERSONS_LINK: "identity",
    Scope.PERSONS_REVIEW: "identity",
    Scope.PERSONS_ERASE: "identity",
    Scope.AUDIT_READ: "identity",
    Scope.ORGANISATIONS_MANAGE: "identity",
    Scope.CASES_READ: "ehcp",
    Scope.CASES_MANAGE: "ehcp",
    Scope.ADVICE_READ: "health-advice",
    Scope.ADVICE_SUBMIT: "health-advice",
    Scope.EVENTS_REPLAY: "event-history",
    Scope.EVENTS_ENGINEER: "event-history",
}


_SCOPES = frozenset(scope.value for scope in Scope)


class UnknownAudience(ValueError):
    """A resource that names no Pathfinder service."""


def audience_of(service: str) -> str:
    """The ``aud`` a service's API accepts: ``urn:pathfinder:notifications`` for notifications."""
    return f"{_PREFIX}{service}"


def audiences_for(scopes: Iterable[str]) -> tuple[str, ...]:
    """Every audience the scopes concern, sorted; a scope the platform does not know concerns none."""
    return tuple(sorted({audience_of(SERVICE_OF_SCOPE[Scope(scope)]) for scope in scopes if scope in _SCOPES}))


def scopes_for(audience: str) -> frozenset[str]:
    """The scopes a token for ``audience`` may hold; :class:`UnknownAudience` for a resource no service is."""
    scopes = frozenset(scope.value for scope, service in SERVICE_OF_SCOPE.items() if audience_of(service) == audience)
    if not scopes:
        known = ", ".join(sorted({audience_of(service) for service in SERVICE_OF_SCOPE.values()}))
        raise UnknownAudience(f"{audience!r} is not a Pathfinder API; the resources are {known}")
    return scopes


def token_audiences(scopes: Iterable[str]) -> tuple[str, ...]:
    """The ``aud`` of a token with ``scopes`` that names no one resource: their services and identity."""
    return tuple(sorted({*audiences_for(scopes), audience_of("identity")}))
