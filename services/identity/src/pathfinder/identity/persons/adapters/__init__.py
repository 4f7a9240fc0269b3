"""The person index on PostgreSQL: tables, the vault that seals each child's details under their own key,
repositories and the SQL unit of work."""
