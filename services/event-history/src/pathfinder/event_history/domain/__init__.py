"""What the archive holds and who may read what of it: no I/O, no framework."""
