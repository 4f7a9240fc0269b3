"""``python -m pathfinder.health_advice.worker``: outbox relay, the advice-intake consumer, the alerts and the gauge."""

from pathfinder.health_advice.bootstrap import bootstrap
from pathfinder.health_advice.settings import SERVICE
from pathfinder.messaging.workers import run_worker_process

if __name__ == "__main__":
    run_worker_process(SERVICE, lambda: bootstrap().workers())
