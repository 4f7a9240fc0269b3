#!/usr/bin/env bash
# Run by the postgres image once, when it initialises an empty data directory
# (/docker-entrypoint-initdb.d). Changing a password here later has no effect: use ALTER ROLE.
#
# For each name in PATHFINDER_DATABASES (default: the five services) it creates
#   - a login role pathfinder_<name>, password from <NAME>_DB_PASSWORD, with no other attributes
#     (not superuser, cannot create databases or roles): the owner, which only migrations use;
#   - a login role pathfinder_<name>_runtime, password from <NAME>_DB_RUNTIME_PASSWORD, with no
#     attributes either: the role the service runs as, which owns nothing, so it cannot switch off
#     the triggers that keep a log append-only; the migrate job grants it what the service needs;
#   - a database pathfinder_<name> owned by the first role, which PUBLIC may not connect to, so no
#     service can reach another service's data.
# The owner has every right inside its own database, which its migrations need.
set -Eeo pipefail

create_service_database() {
    local service=$1
    local name="pathfinder_${service}"
    local password_variable="${service^^}_DB_PASSWORD"
    local password="${!password_variable:-}"
    local runtime_password_variable="${service^^}_DB_RUNTIME_PASSWORD"
    local runtime_password="${!runtime_password_variable:-}"
    if [[ -z $password || -z $runtime_password ]]; then
        echo "init-databases: $password_variable or $runtime_password_variable is empty; refusing to create $name" >&2
        return 1
    fi
    echo "init-databases: role and database $name"
    # Values are passed as psql variables and quoted by format(), never spliced into SQL by the shell.
    psql --no-psqlrc --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        --set name="$name" --set password="$password" \
        --set runtime="${name}_runtime" --set runtime_password="$runtime_password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('CREATE ROLE %I LOGIN NOINHERIT PASSWORD %L', :'runtime', :'runtime_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'runtime') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
}

for service in ${PATHFINDER_DATABASES:-notifications ehcp health_advice identity event_history}; do
    create_service_database "$service"
done
