# Sourced by principals.sh and add-la.sh: the admin's client settings and two helpers.
bin=${KAFKA_BIN:-/opt/kafka/bin}
server=${KAFKA_BOOTSTRAP:-kafka:9092}
config=$(mktemp)
trap 'rm -f "$config"' EXIT
printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="%s";\n' \
  "${KAFKA_ADMIN_PASSWORD:?KAFKA_ADMIN_PASSWORD is not set}" > "$config"

scram_user() {  # NAME PASSWORD: creates the user, or sets a new password
  "$bin/kafka-configs.sh" --bootstrap-server "$server" --command-config "$config" --alter \
    --entity-type users --entity-name "$1" --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]" >/dev/null
}

acl() {  # kafka-acls.sh --add arguments; adding an ACL that exists changes nothing
  "$bin/kafka-acls.sh" --bootstrap-server "$server" --command-config "$config" --add "$@" >/dev/null
}
