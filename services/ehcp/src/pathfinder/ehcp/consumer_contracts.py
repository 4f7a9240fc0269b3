"""What ehcp reads from other services, declared for the consumer-driven contract tests (see
:mod:`pathfinder.contracts.consumers`)."""

from __future__ import annotations

from pathfinder.contracts.consumers import ConsumerContract
from pathfinder.ehcp.handlers import EARLY_YEARS_INTAKE
from pathfinder.ehcp.settings import SERVICE

CONSUMER_CONTRACTS: tuple[ConsumerContract, ...] = (EARLY_YEARS_INTAKE.contract(SERVICE),)
