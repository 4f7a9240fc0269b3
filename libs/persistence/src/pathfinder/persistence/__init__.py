"""PostgreSQL engines, units of work and migrations shared by every service."""
