"""``python -m pathfinder.health_advice.api``: the HTTP API process."""

from pathfinder.health_advice.bootstrap import bootstrap
from pathfinder.health_advice.settings import SERVICE, HealthAdviceSettings
from pathfinder.web.server import run_api_process

if __name__ == "__main__":
    settings = HealthAdviceSettings()
    run_api_process(SERVICE, lambda: bootstrap(settings).app(), host=settings.http_host, port=settings.http_port)
