"""What every service's HTTP API shares: health probes, problem details, correlation ids."""
