"""What health-advice reads from other services, declared for the consumer-driven contract tests (see
:mod:`pathfinder.contracts.consumers`)."""

from __future__ import annotations

from pathfinder.contracts.consumers import ConsumerContract
from pathfinder.health_advice.entrypoints.consumers import advice_intake
from pathfinder.health_advice.settings import SERVICE

CONSUMER_CONTRACTS: tuple[ConsumerContract, ...] = (advice_intake().contract(SERVICE),)
