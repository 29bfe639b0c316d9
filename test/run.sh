#!/usr/bin/env bash
# Runs every test: installs what the tests need (Node 24, Debian's promtool, the local control plane's and the monitoring stack's binaries),
# type-checks, lints, then runs jest. Jest's JSON summary lands in .test-results/jest.json.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/ensure-node.sh
tools/ensure-apt.sh promtool prometheus amtool prometheus-alertmanager
tools/ensure-hadolint.sh >/dev/null
tools/ensure-checkov.sh >/dev/null
tools/cluster/build.sh >/dev/null
tools/monitoring/build.sh >/dev/null
npm run --silent typecheck
npm run --silent lint
npm run --silent build
mkdir -p .test-results
npm run --silent test:jest -- --json --outputFile=.test-results/jest.json "$@"
