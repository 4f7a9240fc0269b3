"""Early-years health notifications in, LA subscriptions out."""
