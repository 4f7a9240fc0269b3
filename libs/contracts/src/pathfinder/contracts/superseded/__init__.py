"""Event versions that producers no longer emit but consumers must still read (archives, replays, lagging
topics). Each is frozen as released; :mod:`pathfinder.contracts.upcasting` lifts it to the current version."""
