#!/bin/sh
# The platform's Kafka principals and their ACLs, made by the kafka-init job at every start (idempotent).
# Each service signs in as itself (SASL/SCRAM-SHA-512) and may use only the platform's topics and its own
# consumer groups; an LA may only read its own topic (add-la.sh). The broker denies everything else
# (allow.everyone.if.no.acl.found=false), so an LA's isolation does not depend on its client behaving.
set -eu
. "$(dirname "$0")/admin.sh"

for service in notifications ehcp health-advice identity event-history; do
  variable="KAFKA_PASSWORD_$(echo "$service" | tr 'a-z-' 'A-Z_')"
  password=$(printenv "$variable") || { echo "$variable is not set" >&2; exit 1; }
  scram_user "$service" "$password"
  acl --allow-principal "User:$service" --operation All --topic pathfinder. --resource-pattern-type prefixed
  acl --allow-principal "User:$service" --operation All --group "$service." --resource-pattern-type prefixed
  acl --allow-principal "User:$service" --operation Describe --operation IdempotentWrite --cluster
done
# The event history archives every consumer group's dead letters (<service>.<subscription>.dead-letter): it reads
# the topics named for each service, besides the platform's.
for service in notifications ehcp health-advice identity; do
  acl --allow-principal User:event-history --operation Read --operation Describe --topic "$service." \
    --resource-pattern-type prefixed
done
echo "kafka principals: notifications, ehcp, health-advice, identity, event-history"
