"""The archive on PostgreSQL, the feed from Kafka, and what the gap check reads."""
