"""The EHC domain: rules only, no I/O."""
