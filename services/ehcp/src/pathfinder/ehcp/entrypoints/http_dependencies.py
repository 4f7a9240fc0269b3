"""What the HTTP routes depend on: one object, built by the composition root, reached through ``Dependencies``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends
from pathfinder.ehcp.service_layer.case_views import LaHistories
from pathfinder.ehcp.service_layer.unit_of_work import EhcpUnitOfWork
from pathfinder.web.dependencies import RouteDependencies


@dataclass(frozen=True)
class EhcpHttp:
    unit_of_work: Callable[[], EhcpUnitOfWork]
    la_histories: LaHistories = field(default_factory=LaHistories)


provided = RouteDependencies(EhcpHttp)
Dependencies = Annotated[EhcpHttp, Depends(provided)]
