"""The identity domain: rules only, no I/O."""
