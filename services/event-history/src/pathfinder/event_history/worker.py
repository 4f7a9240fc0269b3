"""``python -m pathfinder.event_history.worker``: the archive's ingest, the retention's pruning and the replays (sent
from processes of their own it starts: ``replay_processes``)."""

from pathfinder.event_history.bootstrap import bootstrap
from pathfinder.event_history.settings import SERVICE
from pathfinder.messaging.workers import run_worker_process

if __name__ == "__main__":
    run_worker_process(SERVICE, lambda: bootstrap().workers())
