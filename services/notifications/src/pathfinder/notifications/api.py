"""``python -m pathfinder.notifications.api``: the HTTP API process."""

from pathfinder.notifications.bootstrap import bootstrap
from pathfinder.notifications.settings import SERVICE, NotificationsSettings
from pathfinder.web.server import run_api_process

if __name__ == "__main__":
    settings = NotificationsSettings()
    run_api_process(SERVICE, lambda: bootstrap(settings).app(), host=settings.http_host, port=settings.http_port)
