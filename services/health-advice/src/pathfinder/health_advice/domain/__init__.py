"""Requests for health advice, their statutory clock and their routing to provider teams: no I/O."""
