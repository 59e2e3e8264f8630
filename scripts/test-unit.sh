#!/bin/sh
# What `npm run test:unit` runs: every test file that needs no Kafka broker (it does not use the
# broker helpers or the local launcher), with node:test. Seconds, not minutes.
# Usage: sh scripts/with-env.sh sh scripts/test-unit.sh [--node-test-flag=value]...
set -eu
cd "$(dirname "$0")/.."
files=$(grep -rL -e 'helpers/cluster' -e 'local-broker' --include='*.test.ts' test | sort)
[ -n "$files" ] || { echo "# no unit test files found" >&2; exit 1; }
reporter=""
[ -t 1 ] || reporter="--test-reporter=tap"
# shellcheck disable=SC2086
exec node --test --test-concurrency=2 $reporter "$@" $files
