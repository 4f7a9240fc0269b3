"""What the HTTP routes depend on: one object, built by the composition root, reached through ``Dependencies``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork


@dataclass(frozen=True)
class EhcpHttp:
    unit_of_work: Callable[[], EhcpUnitOfWork]


def install(app: FastAPI, dependencies: EhcpHttp) -> None:
    app.state.ehcp = dependencies


def _dependencies(request: Request) -> EhcpHttp:
    found = request.app.state.ehcp
    assert isinstance(found, EhcpHttp), "the composition root installs the routes' dependencies"
    return found


Dependencies = Annotated[EhcpHttp, Depends(_dependencies)]
