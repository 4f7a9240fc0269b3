pytest_plugins = ["pathfinder.devstack.pytest_plugin", "pathfinder.devstack.stray_processes"]
