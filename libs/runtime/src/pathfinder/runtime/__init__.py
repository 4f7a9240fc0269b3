"""What every service's composition root shares: its settings, database, API app, relay and consumers."""
