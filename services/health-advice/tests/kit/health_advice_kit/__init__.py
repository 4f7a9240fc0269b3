"""Test kit of the health-advice service: its unit of work in memory, for the fast tier. Never shipped."""
