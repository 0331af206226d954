#!/usr/bin/env bash
# The whole test suite on a fresh machine (`npm test`; CI's .ci/run calls exactly this):
# installs what it needs (npm packages, the compute venv with torch, the Kafka jars, PostgreSQL,
# Debian's chromium for the web console's browser test),
# builds, lints, checks generated files for drift, starts Kafka and PostgreSQL on 127.0.0.1,
# runs the unit, integration and compute tests and the main job without training, stops the
# servers, and prints one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }
logs=$(mktemp -d "${TMPDIR:-/tmp}/distillery-test.XXXXXX")

step "Node"
. scripts/node-env.sh
echo "node $(node --version), npm $(npm --version)"

# Debian's chromium for the console's browser test (packages/console/integration), kept once installed.
install_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq chromium
}

# Slow downloads first, in the background, while npm installs and tsc builds.
step "fetching the Kafka broker, PostgreSQL and Chromium in the background (logs in $logs)"
bash infra/kafka/kafka.sh fetch >"$logs/kafka-fetch.log" 2>&1 &
kafka_fetch=$!
# One apt-get at a time: chromium after PostgreSQL.
{ bash infra/postgres/postgres.sh install >"$logs/postgres-install.log" 2>&1 && install_chromium >"$logs/chromium-install.log" 2>&1; } &
postgres_install=$!

step "npm packages"
if [ "${CI:-}" = "true" ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

step "build"
npm run build

step "lint"
npm run lint

step "generated files are up to date"
npm run proto:check
npm run docs:check

step "compute venv (torch from PyPI)"
bash compute/bootstrap.sh

step "servers"
wait "$kafka_fetch" || { cat "$logs/kafka-fetch.log"; exit 1; }
wait "$postgres_install" || { cat "$logs/postgres-install.log" "$logs/chromium-install.log" 2>/dev/null; exit 1; }
stop_servers() {
  bash infra/kafka/kafka.sh stop || true
  bash infra/postgres/postgres.sh stop || true
}
trap stop_servers EXIT
bash infra/kafka/kafka.sh wipe
bash infra/kafka/kafka.sh start
bash infra/postgres/postgres.sh start
export DISTILLERY_TEST_KAFKA_BROKERS="$(bash infra/kafka/kafka.sh brokers)"
export DISTILLERY_TEST_DATABASE_URL="$(bash infra/postgres/postgres.sh url)"
# The console's browser test saves a screenshot of each page here.
export DISTILLERY_CONSOLE_SCREENSHOTS="$logs/console-screenshots"

status=0
step "unit tests (vitest)"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$logs/unit.json" || status=1

step "integration tests against Kafka ${DISTILLERY_TEST_KAFKA_BROKERS} and PostgreSQL (vitest)"
npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$logs/integration.json" || status=1

step "bus benchmark: batched consumers, events/s and p99 at 2,000 events/s, embedded and on Kafka and PostgreSQL"
npm run --silent bench:bus || status=1

step "load test: 200 concurrent agent sessions for 60 s on Kafka and PostgreSQL"
npm run --silent test:load || status=1

step "fault-injection suite: the eight services as processes, ten SIGKILLs mid-campaign, counted along the chain"
npm run --silent test:faults || status=1

step "compute tests (pytest, CPU)"
compute/.venv/bin/python -m pytest compute/tests -q --junitxml="$logs/compute.xml" || status=1

# The README's first command end to end but for training (seconds): campaign, traces, judge, dataset,
# the teacher's figures and the report; the run with training is the README's, minutes to hours.
step "the main job, embedded, training nothing (DISTILLERY_RUN_TRAIN_STEPS=0 ./distillery run)"
DISTILLERY_DATA_DIR="$logs/run" DISTILLERY_RUN_TRAIN_STEPS=0 ./distillery run || { status=1; echo "FAILED: the main job (DISTILLERY_RUN_TRAIN_STEPS=0 ./distillery run)"; }

step "summary"
node scripts/test-summary.mjs "$logs/unit.json" "$logs/integration.json" "$logs/compute.xml"
echo "console screenshots: $DISTILLERY_CONSOLE_SCREENSHOTS"
exit $status
