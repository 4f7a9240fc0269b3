"""The access token is checked before a route's body is read.

FastAPI reads and parses a JSON body before a route's dependencies run, so a caller with no valid token could
make a process read and parse a body (up to its limit, :mod:`pathfinder.web.body_limit`) before the 401.
:class:`TokenBeforeBody` holds the body back until the token is verified, for every route that takes its caller
from :func:`pathfinder.web.access.require_scopes`: a request without a valid token is answered 401 with its body
unread. The caller it finds is the one the route then uses, so a token is verified once. Routes that check the
token themselves (the FHIR routes, which answer with an OperationOutcome) are left alone.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pathfinder.web.access import TokenRefused, authenticated, token_dependencies
from pathfinder.web.problems import Problem
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class TokenBeforeBody:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._needs_token: dict[int, bool] = {}  # by the route's id: routes live as long as the app, unhashed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        checked = False

        async def receive_once_authenticated() -> Message:
            nonlocal checked
            if not checked:
                checked = True
                route = scope.get("route")  # routing has run: the route is known before its body is read
                if isinstance(route, APIRoute) and self._route_needs_token(route):
                    try:
                        await authenticated(Request(scope))  # remembered on the request's state for the route
                    except Problem as refused:
                        raise TokenRefused(refused) from None
            return await receive()

        await self.app(scope, receive_once_authenticated, send)

    def _route_needs_token(self, route: APIRoute) -> bool:
        known = self._needs_token.get(id(route))
        if known is None:
            known = self._needs_token[id(route)] = not _calls(route.dependant).isdisjoint(token_dependencies)
        return known


def _calls(dependant: Dependant) -> set[object]:
    """Every dependency of a route, however deeply one depends on another."""
    found: set[object] = set()
    for dependency in dependant.dependencies:
        found.add(dependency.call)
        found |= _calls(dependency)
    return found
