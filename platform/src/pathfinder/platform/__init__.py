"""The whole platform on one machine: every service on the embedded servers, and the demo that drives it."""
