"""``python -m pathfinder.notifications.worker``: the outbox relay, the consumers and the timers."""

from pathfinder.messaging.workers import run_worker_process
from pathfinder.notifications.bootstrap import bootstrap
from pathfinder.notifications.settings import SERVICE

if __name__ == "__main__":
    run_worker_process(SERVICE, lambda: bootstrap().workers())
