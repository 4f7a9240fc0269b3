"""``python -m pathfinder.event_history.api``: the HTTP API process."""

from pathfinder.event_history.bootstrap import bootstrap
from pathfinder.event_history.settings import SERVICE, EventHistorySettings
from pathfinder.web.server import run_api_process

if __name__ == "__main__":
    settings = EventHistorySettings()
    run_api_process(SERVICE, lambda: bootstrap(settings).app(), host=settings.http_host, port=settings.http_port)
