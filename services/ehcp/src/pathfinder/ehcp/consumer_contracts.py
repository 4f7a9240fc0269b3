"""What ehcp reads from other services, declared for the consumer-driven contract tests (see
:mod:`pathfinder.contracts.consumers`)."""

from __future__ import annotations

from pathfinder.contracts.consumers import ConsumerContract
from pathfinder.ehcp.entrypoints.consumers import early_years_intake, health_advice_intake
from pathfinder.ehcp.settings import SERVICE

CONSUMER_CONTRACTS: tuple[ConsumerContract, ...] = (
    early_years_intake().contract(SERVICE),
    health_advice_intake().contract(SERVICE),
)
