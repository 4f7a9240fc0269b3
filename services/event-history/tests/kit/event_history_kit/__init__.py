"""Test kit of the event-history service: records as the relay writes them, callers, and the unit of work in
memory for the fast tier. Never shipped."""
