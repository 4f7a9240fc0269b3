"""The health-advice use cases: one function per command, query or event, dependencies by name."""
