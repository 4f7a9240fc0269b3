"""Test kit of the ehcp service: its unit of work in memory, for the fast tier. Never shipped."""
