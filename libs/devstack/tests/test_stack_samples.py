"""Where a process spends its time: py-spy's samples put down to the library nearest the top of each stack."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from pathfinder.devstack.stack_samples import (
    LIBRARY_CALLBACKS,
    OTHER,
    OWN_CODE,
    WAITING,
    Profile,
    parse_raw,
    sample,
    time_spent,
)

LIB = "/srv/.venv/lib/python3.11/site-packages"
STD = "/usr/lib/python3.11"
OURS = "/srv/services/notifications/src/pathfinder/notifications"
RELAY = "/srv/libs/messaging/src/pathfinder/messaging/relay.py"
LOOP = f"run ({STD}/asyncio/runners.py:190);BaseEventLoop._run_once ({STD}/asyncio/base_events.py:1922)"
WORKER = f"<module> ({OURS}/worker.py:8);{LOOP};Handle._run ({STD}/asyncio/events.py:80)"
RAW = "\n".join([
    # A statement's socket write: a PostgreSQL round trip, made by the subscription repository.
    f"{WORKER};SqlLaSubscriptions._load ({OURS}/adapters/subscription_repository.py:205);"
    f"PreparedStatement.fetch ({LIB}/asyncpg/prepared_stmt.py:177);"
    f"_SelectorSocketTransport.write ({STD}/asyncio/selector_events.py:1057) 30",
    # The same write under aiokafka, from its own task: a Kafka request that no function of ours made.
    f"{WORKER};AIOKafkaClient.send ({LIB}/aiokafka/client.py:474);StreamWriter.write ({STD}/asyncio/streams.py:343) 10",
    # Statement building in SQLAlchemy, under the relay; greenlet is SQLAlchemy's bridge, not a library of its own.
    f"{WORKER};OutboxRelay._mark_published ({RELAY}:225);update ({LIB}/sqlalchemy/sql/_dml_constructors.py:108);"
    f"switch ({LIB}/greenlet/__init__.py:1) 20",
    # The standard library called by our own code is our own code's time.
    f"{WORKER};deliver_on ({OURS}/service_layer/la_delivery.py:104);uuid4 ({STD}/uuid.py:723) 15",
    # A library nobody named.
    f"{WORKER};deliver_on ({OURS}/service_layer/la_delivery.py:104);loads ({LIB}/orjson/__init__.py:1) 5",
    # Waiting for the next event: no work.
    f"{LOOP};EpollSelector.select ({STD}/selectors.py:468) 70",
    "",
])  # fmt: skip


def test_each_sample_goes_to_the_library_nearest_the_top_of_its_stack_and_waiting_is_no_work() -> None:
    spent = time_spent(parse_raw(RAW))

    assert (spent.samples, spent.busy) == (150, 80)
    assert spent.by_owner == {
        "PostgreSQL driver (asyncpg)": 30 / 80,
        "SQLAlchemy (statements, ORM, rows)": 20 / 80,
        OWN_CODE: 15 / 80,
        "Kafka client (aiokafka)": 10 / 80,
        OTHER: 5 / 80,
    }
    assert WAITING not in spent.by_owner
    assert spent.by_own_function == {
        "notifications…subscription_repository:SqlLaSubscriptions._load": 30 / 80,
        "messaging.relay:OutboxRelay._mark_published": 20 / 80,
        "notifications…la_delivery:deliver_on": 20 / 80,
        LIBRARY_CALLBACKS: 10 / 80,
    }


def test_the_rows_say_how_busy_each_part_was_and_leave_out_parts_that_hardly_worked() -> None:
    busy, idle = time_spent(parse_raw(RAW)), time_spent(parse_raw(f"{LOOP};x ({RELAY}:1) 3"))
    rows = dict(
        Profile(
            {"notifications worker": busy, "ehcp worker": idle},
            possible={"notifications worker": 160, "ehcp worker": 160},
        ).rows("profile")
    )

    assert rows["[profile] notifications worker: at work, of the time sampled"] == "50%"
    assert rows["[profile] notifications worker: of its work, in PostgreSQL driver (asyncpg)"] == "38%"
    assert rows["[profile] notifications worker: our functions nearest the top of the stack, most first"].startswith(
        "notifications…subscription_repository:SqlLaSubscriptions._load 38%; "
    )
    assert not [label for label in rows if "ehcp worker" in label]  # 3 samples against 80: left out


def test_py_spy_samples_a_running_python_process_from_outside() -> None:
    spinning = subprocess.Popen([sys.executable, "-c", (
        "import json\n"
        "def spin_for_the_sampler():\n"
        "    while True:\n"
        "        json.dumps({'n': list(range(100))})\n"
        "spin_for_the_sampler()\n"
    )])  # fmt: skip
    try:
        taken = asyncio.run(sample([spinning.pid], 2))
    finally:
        spinning.kill()
        spinning.wait()
    if not taken:
        pytest.fail("py-spy took no samples (see stderr): tracing another process may be refused here")
    stacks = parse_raw(taken[spinning.pid])
    spinning_samples = sum(count for frames, count in stacks if "spin_for_the_sampler" in {f.function for f in frames})
    assert spinning_samples > 100, stacks[:5]  # 2 s at 100 a second, nearly all of them spinning
