"""The ehcp service's use cases, one function each, dependencies by name."""
