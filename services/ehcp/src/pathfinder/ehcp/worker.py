"""``python -m pathfinder.ehcp.worker``: outbox relay and event consumers."""

from pathfinder.ehcp.bootstrap import bootstrap
from pathfinder.ehcp.settings import SERVICE
from pathfinder.messaging.workers import run_worker_process

if __name__ == "__main__":
    run_worker_process(SERVICE, lambda: bootstrap().workers())
