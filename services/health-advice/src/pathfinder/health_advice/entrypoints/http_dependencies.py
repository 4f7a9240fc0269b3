"""What the HTTP routes depend on: one object, built by the composition root, reached through ``Dependencies``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from pathfinder.health_advice.service_layer.unit_of_work import HealthAdviceUnitOfWork
from pathfinder.web.dependencies import RouteDependencies


@dataclass(frozen=True)
class HealthAdviceHttp:
    unit_of_work: Callable[[], HealthAdviceUnitOfWork]


provided = RouteDependencies(HealthAdviceHttp)
Dependencies = Annotated[HealthAdviceHttp, Depends(provided)]
