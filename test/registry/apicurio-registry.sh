#!/usr/bin/env bash
# Test-only: a real Confluent-compatible schema registry, Apicurio Registry, from the artifact
# Apicurio publishes on Maven Central (io.apicurio:apicurio-registry-app:VERSION:tar.gz:all, a
# Quarkus app: quarkus-run.jar + lib/). Used by test/kafka (startApicurio() in
# test/kafka/helpers/apicurio.ts) and by developers by hand.
#
#   apicurio-registry.sh fetch [VERSION]        unpack into .cache/apicurio-VERSION (cached; prints the dir)
#   apicurio-registry.sh java                   print the java (>= 21) it runs with
#   apicurio-registry.sh run VERSION PORT MPORT run in the foreground (exec: the caller's pid is the JVM's)
#
# In-memory storage (Apicurio's default), HTTP on 127.0.0.1:PORT, the management interface (health,
# metrics; 0.0.0.0:9000 by default, and enabled at Apicurio's build time, so it cannot be turned
# off) on 127.0.0.1:MPORT. Confluent-compatible API: /apis/ccompat/v7.
# Needs mvn, tar, and a Java >= 21 (Apicurio 3.x is compiled for 21): $FSFAULT_JAVA21, else
# /usr/lib/jvm/temurin-25-jdk-amd64, else any /usr/lib/jvm/*/bin/java of version >= 21.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CACHE="${FSFAULT_KAFKA_CACHE:-$ROOT/.cache}"
DEFAULT_VERSION=3.3.3

die() { echo "apicurio-registry.sh: $*" >&2; exit 1; }

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

find_java() {
  local c
  for c in "${FSFAULT_JAVA21:-}" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java /usr/lib/jvm/*/bin/java; do
    [[ -n "$c" && -x "$c" ]] || continue
    local major; major="$(java_major "$c")"
    if [[ -n "$major" && "$major" -ge 21 ]]; then echo "$c"; return 0; fi
  done
  die "no Java >= 21 found (Apicurio Registry 3.x needs it): install one (e.g. Temurin 25 under /usr/lib/jvm) or set FSFAULT_JAVA21"
}

fetch() {
  local version="${1:-$DEFAULT_VERSION}" dir="$CACHE/apicurio-${1:-$DEFAULT_VERSION}"
  if [[ ! -f "$dir/.complete" ]]; then
    command -v mvn >/dev/null || die "missing prerequisite 'mvn' (install maven)"
    local artifact="io.apicurio:apicurio-registry-app:$version:tar.gz:all"
    mvn -B -q dependency:get -Dtransitive=false -Dartifact="$artifact" >&2 \
      || die "maven could not fetch $artifact (network to Maven Central?)"
    local tgz="${M2_REPO:-$HOME/.m2/repository}/io/apicurio/apicurio-registry-app/$version/apicurio-registry-app-$version-all.tar.gz"
    [[ -f "$tgz" ]] || die "$tgz missing after fetch"
    rm -rf "$dir" && mkdir -p "$dir"
    tar -xzf "$tgz" -C "$dir" || die "cannot unpack $tgz"
    [[ -f "$dir/quarkus-run.jar" ]] || die "quarkus-run.jar missing in $tgz"
    touch "$dir/.complete"
  fi
  echo "$dir"
}

run() {
  local version="$1" port="$2" mport="$3" dir java
  dir="$(fetch "$version")"
  java="$(find_java)"
  cd "$dir"
  export QUARKUS_PROFILE=prod
  exec "$java" -Xms64m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ActiveProcessorCount=2 \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$mport" \
    -jar quarkus-run.jar
}

case "${1:-}" in
  fetch) fetch "${2:-}" ;;
  java) find_java ;;
  run) [[ $# -eq 4 ]] || die "usage: run VERSION PORT MPORT"; run "$2" "$3" "$4" ;;
  *) die "usage: fetch [VERSION] | java | run VERSION PORT MPORT" ;;
esac
