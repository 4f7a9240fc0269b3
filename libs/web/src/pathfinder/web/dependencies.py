"""One typed object of what a service's routes depend on, put on the app by its composition root and read back
by the routes through ``Depends``: the one place a service's HTTP layer touches the app's state.

    provided = RouteDependencies(NotificationsHttp)
    Dependencies = Annotated[NotificationsHttp, Depends(provided)]    # in a route: dependencies: Dependencies
    provided.install(app, NotificationsHttp(...))                       # in the composition root
"""

from __future__ import annotations

from typing import Generic, TypeVar

from fastapi import FastAPI, Request

T = TypeVar("T")


class RouteDependencies(Generic[T]):
    def __init__(self, kind: type[T]) -> None:
        self._kind = kind
        self._name = f"route_dependencies_{kind.__module__}.{kind.__qualname__}".replace(".", "_")

    def install(self, app: FastAPI, dependencies: T) -> None:
        setattr(app.state, self._name, dependencies)

    async def __call__(self, request: Request) -> T:
        # A coroutine: FastAPI runs a plain function dependency in a worker thread, a thread hop on every request
        # for an attribute read.
        found = getattr(request.app.state, self._name, None)
        if not isinstance(found, self._kind):
            raise RuntimeError(f"the app has no {self._kind.__qualname__}: its composition root installs them")
        return found
