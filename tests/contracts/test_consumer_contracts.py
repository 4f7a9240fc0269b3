"""Consumer-driven contract tests: every service's declared consumer can read what the producers emit.

Each service declares the event versions it reads (entry point ``pathfinder.consumer_contracts``). For every
declaration, events generated from the producers' published schemas, of every version still on the topics,
go through the real delivery path (CloudEvents envelope, Kafka headers, upcasting) and must come out as the
version the consumer's handler takes.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from contracts_kit import event_data
from hypothesis import given, settings
from hypothesis import strategies as st
from pathfinder.contracts.base import ContractEvent
from pathfinder.contracts.catalogue import versions_of
from pathfinder.contracts.consumers import ConsumerContract, contract_problems, declared_consumer_contracts
from pathfinder.contracts.superseded.notifications import EarlyYearsNotificationReceivedV1
from pathfinder.messaging.delivery import read_record
from pathfinder.messaging.outbox import message_for_event
from pathfinder.messaging.records import KafkaRecord

CONTRACTS = declared_consumer_contracts()
READS = [(contract, cls) for contract in CONTRACTS for cls in contract.reads]


def test_services_declare_what_they_consume() -> None:
    assert {contract.group for contract in CONTRACTS} >= {"ehcp.early-years-intake"}


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda contract: contract.group)
def test_every_declared_consumer_reads_what_its_producers_emit(contract: ConsumerContract) -> None:
    assert contract_problems(contract) == []


def test_a_consumer_stuck_on_a_superseded_version_is_caught() -> None:
    lagging = ConsumerContract("example", "example.intake", (EarlyYearsNotificationReceivedV1,))
    assert contract_problems(lagging) == [
        "example.intake reads pathfinder.notifications.early-years-notification-received.v1 but notifications "
        "emits pathfinder.notifications.early-years-notification-received.v2"
    ]


@pytest.mark.parametrize(("contract", "read_as"), READS, ids=[f"{c.group}:{cls.event_type}" for c, cls in READS])
def test_real_deliveries_of_every_version_reach_the_handler_as_the_declared_version(
    contract: ConsumerContract, read_as: type[ContractEvent]
) -> None:
    @settings(max_examples=40, deadline=None)
    @given(st.sampled_from(versions_of(read_as.family())), st.data())
    def delivered(written_as: Any, data: st.DataObject) -> None:
        event = written_as.model_validate_json(json.dumps(data.draw(event_data(written_as))))
        message = message_for_event(event, source=f"/pathfinder/{written_as.producer}")
        delivery = read_record(KafkaRecord.of(message))
        assert delivery.rejection is None, delivery.problem
        assert type(delivery.event) is read_as

    delivered()
