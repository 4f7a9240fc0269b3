"""The notifications service's use cases, one function each, dependencies by name; nothing here does I/O
except through the unit of work and the ports it is given."""
