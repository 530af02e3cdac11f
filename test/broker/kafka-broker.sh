#!/usr/bin/env bash
# Test-only: a real single-node Apache Kafka broker (KRaft, broker+controller) on 127.0.0.1, from
# the jars Apache publishes on Maven Central. Used by test/kafka (through startBroker() in
# test/kafka/helpers/broker.ts) and by developers by hand.
#
#   kafka-broker.sh fetch VERSION             jars into .cache/kafka-VERSION/libs (cached; prints the dir)
#   kafka-broker.sh tls DIR                   CA + broker keystore/truststore with keytool (DIR/ca.pem for clients)
#   kafka-broker.sh run VERSION DIR PORT CPORT [TLSPORT [SASLPORT]]
#                                             format DIR (once) and run the broker in the foreground
#                                             (exec: the caller's pid is the JVM's; SIGTERM stops it cleanly)
#   kafka-broker.sh start VERSION [DIR]       developer convenience: free ports, run in the background,
#                                             wait until ready, print bootstrap + the pid to kill
#
# VERSION: 4.x (Log4j2) or 3.9.x (reload4j). Needs java 17+, mvn, and keytool for `tls`.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${FSFAULT_KAFKA_CACHE:-$ROOT/.cache}"
TLS_PASS=fsfault-test   # test keystores only

die() { echo "kafka-broker.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "missing prerequisite '$1' ($2)"; }

pom_for() {
  case "$1" in
    4.*) echo "$HERE/pom-kafka4.xml" ;;
    3.9.*) echo "$HERE/pom-kafka3.xml" ;;
    *) die "unsupported Kafka version '$1' (use 4.x or 3.9.x)" ;;
  esac
}

fetch() {
  local version="$1" libs="$CACHE/kafka-$1/libs"
  if [[ ! -f "$libs/.complete" ]]; then
    need java "install openjdk-17-jre-headless"
    need mvn "install maven"
    rm -rf "$libs" && mkdir -p "$libs"
    mvn -B -q -f "$(pom_for "$version")" -Dkafka.version="$version" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$libs" >&2 \
      || die "maven could not fetch kafka_2.13:$version (network to Maven Central?)"
    ls "$libs"/kafka_2.13-"$version".jar >/dev/null 2>&1 || die "kafka_2.13-$version.jar missing after fetch"
    touch "$libs/.complete"
  fi
  echo "$libs"
}

tls() {
  local dir="$1"
  need keytool "part of the JDK"
  mkdir -p "$dir" && cd "$dir"
  [[ -f broker.keystore.p12 ]] && return 0
  local kt=(keytool -noprompt -storepass "$TLS_PASS" -keypass "$TLS_PASS")
  "${kt[@]}" -genkeypair -alias ca -keyalg RSA -keysize 2048 -validity 30 -dname "CN=fsfault test CA" \
    -ext bc:c -keystore ca.p12 -storetype PKCS12
  "${kt[@]}" -exportcert -rfc -alias ca -keystore ca.p12 -file ca.pem
  "${kt[@]}" -genkeypair -alias broker -keyalg RSA -keysize 2048 -validity 30 -dname "CN=localhost" \
    -keystore broker.keystore.p12 -storetype PKCS12
  "${kt[@]}" -certreq -alias broker -keystore broker.keystore.p12 -file broker.csr
  "${kt[@]}" -gencert -alias ca -keystore ca.p12 -infile broker.csr -outfile broker.crt -rfc -validity 30 \
    -ext "SAN=IP:127.0.0.1,DNS:localhost"
  "${kt[@]}" -importcert -alias ca -file ca.pem -keystore broker.keystore.p12
  "${kt[@]}" -importcert -alias broker -file broker.crt -keystore broker.keystore.p12
  "${kt[@]}" -importcert -alias ca -file ca.pem -keystore broker.truststore.p12 -storetype PKCS12
}

write_logging() {
  local dir="$1"
  # Console at INFO: the caller reads "Kafka Server started" from stdout to know the broker is ready.
  cat >"$dir/log4j2.xml" <<'EOF'
<Configuration status="WARN">
  <Appenders><Console name="out" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console></Appenders>
  <Loggers>
    <Logger name="kafka" level="INFO"/><Logger name="org.apache.kafka" level="WARN"/>
    <Root level="WARN"><AppenderRef ref="out"/></Root>
  </Loggers>
</Configuration>
EOF
  cat >"$dir/log4j.properties" <<'EOF'
log4j.rootLogger=WARN, out
log4j.logger.kafka=INFO
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

run() {
  local version="$1" dir="$2" port="$3" cport="$4" tlsport="${5:-}" saslport="${6:-}"
  local libs; libs="$(fetch "$version")"
  mkdir -p "$dir/data"
  local listeners="PLAINTEXT://127.0.0.1:$port" adv="PLAINTEXT://127.0.0.1:$port"
  local map="PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
  if [[ -n "$tlsport" ]]; then
    tls "$dir/tls" >/dev/null
    listeners+=",SSL://127.0.0.1:$tlsport"; adv+=",SSL://127.0.0.1:$tlsport"; map+=",SSL:SSL"
  fi
  if [[ -n "$saslport" ]]; then
    listeners+=",SASL_SSL://127.0.0.1:$saslport"; adv+=",SASL_SSL://127.0.0.1:$saslport"; map+=",SASL_SSL:SASL_SSL"
  fi
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=$listeners,CONTROLLER://127.0.0.1:$cport
advertised.listeners=$adv
controller.listener.names=CONTROLLER
listener.security.protocol.map=$map
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=${FSFAULT_KAFKA_REBALANCE_DELAY_MS:-0}
auto.create.topics.enable=true
EOF
  if [[ -n "$tlsport$saslport" ]]; then
    cat >>"$dir/server.properties" <<EOF
ssl.keystore.type=PKCS12
ssl.keystore.location=$dir/tls/broker.keystore.p12
ssl.keystore.password=$TLS_PASS
ssl.key.password=$TLS_PASS
ssl.truststore.type=PKCS12
ssl.truststore.location=$dir/tls/broker.truststore.p12
ssl.truststore.password=$TLS_PASS
ssl.endpoint.identification.algorithm=
EOF
  fi
  if [[ -n "$saslport" ]]; then
    # Test users: PLAIN fsfault/fsfault-pw (JAAS), SCRAM fsfault/fsfault-pw (added at format time).
    cat >>"$dir/server.properties" <<EOF
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_fsfault="fsfault-pw";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
EOF
  fi
  write_logging "$dir"
  local jvm=(java -Xms256m -Xmx768m -XX:+UseG1GC -XX:ActiveProcessorCount=2 -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$dir/log4j2.xml" -Dlog4j.configuration="file:$dir/log4j.properties"
    -cp "$libs/*")
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    local scram=()
    [[ -n "$saslport" ]] && scram=(--add-scram 'SCRAM-SHA-256=[name=fsfault,password=fsfault-pw]'
      --add-scram 'SCRAM-SHA-512=[name=fsfault,password=fsfault-pw]')
    "${jvm[@]}" kafka.tools.StorageTool format --cluster-id="$(cluster_id)" \
      -c "$dir/server.properties" "${scram[@]}" >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; die "format failed"; }
  fi
  exec "${jvm[@]}" kafka.Kafka "$dir/server.properties"
}

# A KRaft cluster id: 16 random bytes, URL-safe base64 without padding.
cluster_id() { python3 -c 'import uuid,base64; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))'; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start() {
  local version="$1" dir="${2:-$(mktemp -d /tmp/fsfault-kafka.XXXXXX)}"
  local port cport; port="$(free_port)"; cport="$(free_port)"
  fetch "$version" >/dev/null
  nohup "$0" run "$version" "$dir" "$port" "$cport" >"$dir/broker.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do
    grep -q 'Kafka Server started' "$dir/broker.log" 2>/dev/null && { echo "bootstrap=127.0.0.1:$port pid=$pid dir=$dir (stop: kill $pid)"; return 0; }
    kill -0 "$pid" 2>/dev/null || { tail -30 "$dir/broker.log" >&2; die "broker exited"; }
    sleep 0.5
  done
  kill "$pid"; die "broker not ready after 60 s (log: $dir/broker.log)"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  fetch) [[ $# -eq 1 ]] || die "usage: fetch VERSION"; fetch "$1" ;;
  tls) [[ $# -eq 1 ]] || die "usage: tls DIR"; tls "$1" ;;
  run) [[ $# -ge 4 ]] || die "usage: run VERSION DIR PORT CPORT [TLSPORT [SASLPORT]]"; run "$@" ;;
  start) [[ $# -ge 1 ]] || die "usage: start VERSION [DIR]"; start "$@" ;;
  *) die "usage: kafka-broker.sh fetch|tls|run|start ... (see the header of this file)" ;;
esac
