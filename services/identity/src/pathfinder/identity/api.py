"""``python -m pathfinder.identity.api``: the HTTP API process."""

from pathfinder.identity.bootstrap import bootstrap
from pathfinder.identity.settings import SERVICE, IdentitySettings
from pathfinder.web.server import run_api_process

if __name__ == "__main__":
    settings = IdentitySettings()
    run_api_process(SERVICE, lambda: bootstrap(settings).app(), host=settings.http_host, port=settings.http_port)
