"""LA subscriptions: the commands and queries behind the subscription API."""
