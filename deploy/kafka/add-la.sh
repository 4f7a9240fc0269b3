#!/bin/sh
# Onboard an LA's Kafka consumer: a principal la-<code> that may read its own topic, pathfinder.la.<code>.events,
# with consumer groups named la-<code>.*, and nothing else (ADR 0004).
#   docker compose run --rm --entrypoint /bin/sh kafka-init /opt/pathfinder/kafka/add-la.sh 841 'the LA password'
# (a password without commas or square brackets, which SCRAM's config syntax reserves)
set -eu
[ $# -eq 2 ] || { echo "usage: add-la.sh LA_CODE PASSWORD" >&2; exit 2; }
case "$1" in [0-9][0-9][0-9]) ;; *) echo "LA_CODE is a three-digit DfE code, not '$1'" >&2; exit 2 ;; esac
. "$(dirname "$0")/admin.sh"
scram_user "la-$1" "$2"
acl --allow-principal "User:la-$1" --operation Read --operation Describe --topic "pathfinder.la.$1.events"
acl --allow-principal "User:la-$1" --operation Read --group "la-$1." --resource-pattern-type prefixed
echo "LA $1 may read pathfinder.la.$1.events as la-$1 (SASL/SCRAM-SHA-512, groups la-$1.*)"
