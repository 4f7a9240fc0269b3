import platform as _standard_platform
import sys

import pytest

pytest_plugins = [
    "pathfinder.devstack.pytest_plugin",
    "pathfinder.devstack.stray_processes",
    "pathfinder.devstack.mesh_fixtures",
]


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # Collecting platform/tests puts a namespace module for the repository's platform/ folder in sys.modules under
    # the standard library's name; whatever imports `platform` later (mesh-client does) needs the real module.
    sys.modules["platform"] = _standard_platform
