"""``python -m pathfinder.ehcp.api``: the HTTP API process."""

from pathfinder.ehcp.bootstrap import bootstrap
from pathfinder.ehcp.settings import SERVICE, EhcpSettings
from pathfinder.web.server import run_api_process

if __name__ == "__main__":
    settings = EhcpSettings()
    run_api_process(SERVICE, lambda: bootstrap(settings).app(), host=settings.http_host, port=settings.http_port)
