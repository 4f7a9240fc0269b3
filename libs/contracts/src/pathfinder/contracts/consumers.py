"""Consumer-driven contracts: each service declares which event versions it reads, for which consumer group.

A service publishes its declarations as an entry point in the ``pathfinder.consumer_contracts`` group, naming a
sequence of :class:`ConsumerContract` (see a service's ``consumer_contracts`` module). The contract tests, the
AsyncAPI document and the catalogue page all read them from there, so what is declared is what runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points

from pathfinder.contracts.base import ContractEvent

ENTRY_POINT_GROUP = "pathfinder.consumer_contracts"


@dataclass(frozen=True)
class ConsumerContract:
    service: str
    group: str
    reads: tuple[type[ContractEvent], ...]

    def topics(self) -> list[str]:
        return sorted({cls.topic for cls in self.reads})


class InvalidConsumerContract(TypeError):
    pass


def declared_consumer_contracts() -> list[ConsumerContract]:
    """Every installed service's declarations, sorted by service and group."""
    found: list[ConsumerContract] = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        declared = entry.load()
        if not isinstance(declared, Iterable):
            raise InvalidConsumerContract(f"entry point {entry.name} ({entry.value}) is not a sequence")
        for contract in declared:
            if not isinstance(contract, ConsumerContract):
                raise InvalidConsumerContract(f"entry point {entry.name} ({entry.value}) holds {contract!r}")
            found.append(contract)
    return sorted(found, key=lambda contract: (contract.service, contract.group))


def readers_of(family: str, contracts: Iterable[ConsumerContract]) -> list[ConsumerContract]:
    return [contract for contract in contracts if any(cls.family() == family for cls in contract.reads)]


def contract_problems(contract: ConsumerContract) -> list[str]:
    """Why ``contract``'s consumer could not read what producers emit (empty when it can).

    Producers emit the current version of each event; topics and archives also hold older versions, which
    upcasters lift. A consumer can read a version only if it is not older than what producers emit.
    """
    from pathfinder.contracts.catalogue import current_class, topics_produced_by

    problems: list[str] = []
    for cls in contract.reads:
        emitted = current_class(cls.family())
        if emitted.version() > cls.version():
            problems.append(
                f"{contract.group} reads {cls.event_type} but {emitted.producer} emits {emitted.event_type}"
            )
        if cls.topic not in topics_produced_by(cls.producer):
            problems.append(f"{contract.group} reads {cls.event_type} on {cls.topic}, which nobody produces")
    return problems
