"""Named crash points for crash tests.

``PATHFINDER_FAULTS="relay.after_send=3,consumer.after_db_commit=40"`` makes the process kill itself with
SIGKILL the 3rd time the relay has sent a batch but not yet marked it published, or the 40th time a consumer
has committed its database transaction but not yet its Kafka offsets. Unset (always, outside crash tests), a
fault point costs one dictionary look-up.
"""

from __future__ import annotations

import os
import signal

FAULTS_ENV = "PATHFINDER_FAULTS"

KNOWN_FAULT_POINTS = frozenset(
    {
        "relay.after_claim",  # lanes leased, nothing sent
        "relay.after_send",  # batch acknowledged by the broker, not marked published
        "relay.after_mark",  # marked published, before the next batch
        "consumer.before_db_commit",  # effect and inbox row written, transaction open
        "consumer.after_db_commit",  # transaction committed, Kafka offsets not committed
        "timer.before_commit",  # due timers' events staged in the outbox and marked fired, not committed
        "timer.after_commit",  # ... committed, before the next step
        "mesh.after_commit",  # a MESH message's notifications committed, the message not acknowledged to MESH
        "mesh.after_reply",  # the reply to a MESH message not accepted sent, the message not acknowledged
        "identity.after_batch_answer",  # identity answered a batch of children, no answer applied
    }
)


def _parse(spec: str) -> dict[str, int]:
    armed: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, count = item.partition("=")
        if name not in KNOWN_FAULT_POINTS:
            raise ValueError(f"unknown fault point {name!r} in {FAULTS_ENV}")
        armed[name] = int(count or "1")
    return armed


_armed = _parse(os.environ.get(FAULTS_ENV, ""))


def fault_point(name: str) -> None:
    remaining = _armed.get(name)
    if remaining is None:
        return
    if remaining <= 1:
        os.kill(os.getpid(), signal.SIGKILL)
    _armed[name] = remaining - 1
