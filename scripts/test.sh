#!/bin/sh
# What `npm test` runs (after scripts/with-env.sh has put Node, the npm packages and the Kafka jars
# in place):
#   1. typecheck (tsc --noEmit); a type error fails the run (KAFKA_COURIER_SKIP_TYPECHECK=1 skips it);
#      then lint (eslint, eslint.config.js); a lint error fails the run (KAFKA_COURIER_SKIP_LINT=1
#      skips it);
#   2. unless KAFKA_BROKERS is already set, start a 1-node local Kafka broker with the courier CLI
#      (name test-<pid>, first free port from KAFKA_TEST_PORT, default 29092, below the ephemeral
#      port range so no outgoing connection takes it; its controller port is
#      port+100), export KAFKA_BROKERS, and stop it by name on exit, Ctrl-C or TERM;
#   3. run the tests with node:test: `test/**/*.test.ts`, or what the arguments name. Arguments
#      that are folders become `<folder>/**/*.test.ts`; other arguments are file globs; flags
#      (starting with -) are passed to `node --test` (write them as --flag=value). When stdout is
#      not a terminal the TAP reporter is used (unless a --test-reporter flag is given).
# Usage: sh scripts/with-env.sh sh scripts/test.sh [FILE|DIR|GLOB|--node-test-flag=value]...
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

if [ -z "${KAFKA_COURIER_SKIP_TYPECHECK:-}" ]; then
  echo "# typecheck: tsc -p tsconfig.json --noEmit" >&2
  if ! npx --no-install tsc -p tsconfig.json --noEmit; then
    echo "# typecheck failed" >&2
    exit 1
  fi
fi

if [ -z "${KAFKA_COURIER_SKIP_LINT:-}" ]; then
  echo "# lint: eslint ." >&2
  if ! npx --no-install eslint .; then
    echo "# lint failed (KAFKA_COURIER_SKIP_LINT=1 skips it)" >&2
    exit 1
  fi
fi

if [ -z "${KAFKA_BROKERS:-}" ]; then
  name="test-$$"
  cleanup() {
    trap - EXIT INT TERM
    node src/cli/main.ts broker stop --name "$name" >&2 || true
  }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  port=$(node -e '
    const net = require("node:net")
    const free = (p) => new Promise((ok) => {
      const s = net.createServer().once("error", () => ok(false))
      s.listen({ port: p, host: "127.0.0.1", exclusive: true }, () => s.close(() => ok(true)))
    })
    ;(async () => {
      const start = Number(process.argv[1])
      for (let p = start; p < start + 50; p++) {
        if (await free(p) && await free(p + 100)) { console.log(p); return }
      }
      process.exitCode = 1
    })()
  ' "${KAFKA_TEST_PORT:-29092}") || { echo "# no free port near ${KAFKA_TEST_PORT:-29092}" >&2; exit 1; }
  echo "# starting a local Kafka broker \"$name\" on 127.0.0.1:$port" >&2
  out=$(node src/cli/main.ts broker start --name "$name" --port "$port") || { echo "# could not start the local Kafka broker" >&2; exit 1; }
  KAFKA_BROKERS=$(printf '%s\n' "$out" | sed -n 's/^KAFKA_BROKERS=//p')
  [ -n "$KAFKA_BROKERS" ] || { echo "# the broker CLI printed no KAFKA_BROKERS line" >&2; exit 1; }
  export KAFKA_BROKERS
fi
echo "# KAFKA_BROKERS=$KAFKA_BROKERS" >&2

have_files=0
have_reporter=0
for arg do
  shift
  case $arg in
    --test-reporter*) have_reporter=1 ;;
    -*) ;;
    *)
      have_files=1
      if [ -d "$arg" ]; then arg="${arg%/}/**/*.test.ts"; fi
      ;;
  esac
  set -- "$@" "$arg"
done
[ "$have_files" = 1 ] || set -- "$@" "test/**/*.test.ts"
# Node 24's default reporter is `spec` even when not on a terminal; logs and CI get TAP, whose
# closing summary (`# tests N`, `# pass N`, `# fail N`) is easy to grep.
if [ "$have_reporter" = 0 ] && [ ! -t 1 ]; then set -- --test-reporter=tap "$@"; fi

# In the background plus `wait`, so INT/TERM sent to this shell alone run the trap at once (a
# foreground child would delay it until the tests end): the test runner gets TERM, the broker stops.
node --test --test-concurrency=2 --test-timeout=180000 "$@" &
test_pid=$!
trap 'kill -TERM "$test_pid" 2>/dev/null; exit 130' INT
trap 'kill -TERM "$test_pid" 2>/dev/null; exit 143' TERM
wait "$test_pid"
exit $?
