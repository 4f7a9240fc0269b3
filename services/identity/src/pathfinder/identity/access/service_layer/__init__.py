"""Access's use cases: one function per command or query, each given its unit of work and ports by name."""
