#!/bin/sh
# Builds @confluentinc/kafka-javascript (librdkafka) for the benchmark, outside package.json so that
# `npm ci` and `npm test` never depend on it. Idempotent: does nothing when the build is there.
#
# Where: <cache>/bench-deps/confluent-<version>/node_modules/@confluentinc/kafka-javascript
# (a prefix of its own, not the project's node_modules: `npm ci`, which scripts/with-env.sh runs
# whenever package-lock.json changes, would delete a --no-save install, and installing into the
# shared node_modules would disturb whoever is running tests at the same time).
#
# How: a plain `npm install` downloads a prebuilt binary (no network for that here) and its fallback
# build downloads sources. With CKJS_LINKING=dynamic it compiles against the system's librdkafka
# dependencies (apt: libzstd-dev liblz4-dev libcurl4-openssl-dev libsasl2-dev, installed only when
# missing), about 2-3 minutes. node-gyp must use the headers of the Node that runs the benchmark,
# so npm_config_nodedir points at its install (it ships include/node) and overrides ~/.npmrc.
#
# It also installs kcat (Debian's `kcat` package: librdkafka's command-line producer, the benchmark's
# no-JavaScript reference row) when it is missing; a failure there only skips that row.
#
# Prints the package folder on the last line of stdout; exits non-zero with the reason on stderr.
# Usage: sh scripts/with-env.sh sh scripts/bench-deps.sh
set -eu
version="${CONFLUENT_KAFKA_JS_VERSION:-1.10.1}"
cache="${KAFKA_COURIER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-courier}"
prefix="$cache/bench-deps/confluent-$version"
pkg="$prefix/node_modules/@confluentinc/kafka-javascript"
log="$prefix.build.log"

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo -n"
if ! command -v kcat >/dev/null 2>&1; then
  echo "bench-deps: installing kcat" >&2
  { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq kcat; } >&2 || echo "bench-deps: apt-get install kcat failed (the kcat row will be skipped)" >&2
fi

loads() {
  node -e 'require(process.argv[1]); require(process.argv[1]).KafkaJS.Kafka' "$pkg" >/dev/null 2>&1
}

if [ -d "$pkg" ] && loads; then
  echo "$pkg"
  exit 0
fi

node_bin=$(command -v node)
nodedir=$(cd "$(dirname "$node_bin")/.." && pwd)
if [ ! -f "$nodedir/include/node/node.h" ]; then
  echo "bench-deps: no Node headers in $nodedir/include/node (run through scripts/with-env.sh)" >&2
  exit 1
fi

missing=""
for p in libzstd-dev liblz4-dev libcurl4-openssl-dev libsasl2-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "bench-deps: installing$missing" >&2
  if ! { $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing; } >&2; then
    echo "bench-deps: apt-get install of$missing failed" >&2
    exit 1
  fi
fi

mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || echo '{ "name": "courier-bench-deps", "private": true }' > "$prefix/package.json"
echo "bench-deps: building @confluentinc/kafka-javascript@$version (CKJS_LINKING=dynamic, 2-3 min; log: $log)" >&2
if ! (cd "$prefix" && CKJS_LINKING=dynamic npm_config_nodedir="$nodedir" \
  npm install --no-save --no-package-lock --no-audit --no-fund "@confluentinc/kafka-javascript@$version") >"$log" 2>&1; then
  echo "bench-deps: npm install failed; last lines of $log:" >&2
  tail -n 15 "$log" >&2
  exit 1
fi
if ! loads; then
  echo "bench-deps: installed, but the native module does not load:" >&2
  node -e 'require(process.argv[1])' "$pkg" 2>&1 | tail -n 5 >&2
  exit 1
fi
echo "$pkg"
