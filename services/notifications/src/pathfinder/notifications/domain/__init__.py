"""The notifications domain: rules only, no I/O."""
