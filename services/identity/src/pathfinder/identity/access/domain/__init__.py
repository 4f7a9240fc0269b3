"""The rules of access: who may be registered, granted what, and authenticated how. No I/O."""
