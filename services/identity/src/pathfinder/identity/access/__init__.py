"""Access to Pathfinder: organisations, their API clients and people, and the access tokens identity issues."""
