"""``python -m pathfinder.identity.worker``: outbox relay."""

from pathfinder.identity.bootstrap import bootstrap
from pathfinder.identity.settings import SERVICE
from pathfinder.messaging.workers import run_worker_process

if __name__ == "__main__":
    run_worker_process(SERVICE, lambda: bootstrap().workers())
