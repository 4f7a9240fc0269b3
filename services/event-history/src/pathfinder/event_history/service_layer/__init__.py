"""The event history's use cases, one async function each, on the unit of work and ports they are given."""
