"""The person index's commands and queries: one function each, dependencies by name."""
