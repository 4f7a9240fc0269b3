"""Identity and access management: organisations, their API clients and people's accounts, the client assertions
that authenticate clients, and the access tokens identity signs with its own keys."""
