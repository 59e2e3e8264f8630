#!/bin/sh
# Resolves Apache Kafka's jars (broker, tools, clients, log4j2) with Maven into the cache folder,
# once. Prints nothing when they are already there. Needs Java 17+ and Maven.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache="${KAFKA_COURIER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-courier}"
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
libs="$cache/kafka-$version/libs"
stamp=$(cksum < "$here/pom.xml")
[ -f "$libs/.complete" ] && [ "$(cat "$libs/.complete")" = "$stamp" ] && exit 0

if ! command -v java >/dev/null 2>&1; then
  echo "kafka-courier: Java 17+ is needed to run the local Kafka broker (install a JDK, e.g. apt-get install openjdk-17-jre-headless)" >&2
  exit 1
fi
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  echo "kafka-courier: Java 17+ is needed to run Kafka $version; found Java ${java_major:-unknown}" >&2
  exit 1
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "kafka-courier: Maven (mvn) is needed to fetch the Kafka $version jars (install it, e.g. apt-get install maven)" >&2
  exit 1
fi
echo "kafka-courier: resolving Apache Kafka $version jars into $libs" >&2
rm -rf "$libs" && mkdir -p "$libs"
mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$libs" -DincludeScope=runtime >&2
echo "$stamp" > "$libs/.complete"
