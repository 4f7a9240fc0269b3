"""How identity is reached: its HTTP routers (one per context), the ``pathfinder-identity`` command and the
API, worker and migration processes. Routes reach their context through ``dependencies``, never its adapters."""
