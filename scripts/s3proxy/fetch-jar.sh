#!/bin/sh
# Resolves S3Proxy (an S3-compatible server in Java, Apache-2.0) with Maven into the cache folder,
# once: the claim-check tests run it on loopback with its filesystem backend. Prints the jar's
# path. Prints nothing else when it is already there. Needs Java 17+ and Maven (as the Kafka jars).
set -eu
version="${KAFKA_COURIER_S3PROXY_VERSION:-2.6.0}"
cache="${KAFKA_COURIER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-courier}"
dir="$cache/s3proxy-$version"
jar="$dir/s3proxy-$version-jar-with-dependencies.jar"
if [ ! -f "$jar" ]; then
  command -v mvn >/dev/null 2>&1 || { echo "kafka-courier: Maven (mvn) is needed to fetch S3Proxy $version (apt-get install maven)" >&2; exit 1; }
  echo "kafka-courier: resolving S3Proxy $version into $dir" >&2
  mkdir -p "$dir.partial"
  (cd "$dir.partial" && mvn -q -B dependency:copy "-Dartifact=org.gaul:s3proxy:$version:jar:jar-with-dependencies" -DoutputDirectory="$dir.partial" >&2)
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
fi
echo "$jar"
