"""Authorisation every service shares: who is calling, and the organisation boundaries.

This package itself holds only value types and policy, importable by any domain model without a framework:
:class:`Principal`, :class:`Scope`, :class:`OrganisationRole` and :func:`ensure_la_may_see`. Identity issues
access tokens with :class:`pathfinder.auth.tokens.AccessTokenIssuer`; every service verifies them with
:class:`pathfinder.auth.tokens.AccessTokenVerifier`, behind the FastAPI dependencies of ``pathfinder.web.access``.
"""

from pathfinder.auth.policy import AccessDenied, ensure_la_may_see, withheld_as_missing
from pathfinder.auth.principal import PLATFORM_ORGANISATION, OrganisationRole, Principal, Scope

__all__ = [
    "PLATFORM_ORGANISATION",
    "AccessDenied",
    "OrganisationRole",
    "Principal",
    "Scope",
    "ensure_la_may_see",
    "withheld_as_missing",
]
