pytest_plugins = ["pathfinder.devstack.pytest_plugin"]
