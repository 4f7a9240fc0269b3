"""Access on PostgreSQL and real cryptography: tables, repositories, the SQL unit of work, sealed signing keys,
RS512 assertions and argon2 passwords."""
