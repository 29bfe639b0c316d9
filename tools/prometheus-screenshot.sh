#!/usr/bin/env bash
# Makes docs/prometheus-traffic.png for the README: a real key server under a minute of mixed traffic, scraped by
# Debian's Prometheus, and Prometheus' own graph of its responses by status, photographed by headless Chromium.
# Usage: npm run build && bash tools/prometheus-screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/ensure-node.sh
tools/ensure-apt.sh prometheus prometheus chromium chromium
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
read -r api metrics prom < <(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')

node dist/server/src/main.js --host 127.0.0.1 --srv-port "$api" --metrics-port "$metrics" --max-size 2048 \
  --log-level warn &
cat >"$work/prometheus.yml" <<YAML
global: { scrape_interval: 2s }
scrape_configs:
  - job_name: key-service
    static_configs: [{ targets: ["127.0.0.1:$metrics"], labels: { namespace: keys } }]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom" >"$work/prometheus.log" 2>&1 &
until curl -sf "http://127.0.0.1:$prom/-/ready" >/dev/null; do sleep 0.2; done

# 90 s of traffic whose mix changes: mostly valid keys, a wave of oversized requests (413), some bad lengths (400).
end=$((SECONDS + 90))
while [ $SECONDS -lt $end ]; do
  for size in 16 32 64 256 1024; do curl -s -o /dev/null "http://127.0.0.1:$api/key/$size"; done
  if [ $((SECONDS % 30)) -ge 15 ]; then curl -s -o /dev/null "http://127.0.0.1:$api/key/4096"; fi
  if [ $((SECONDS % 20)) -lt 5 ]; then curl -s -o /dev/null "http://127.0.0.1:$api/key/abc"; fi
done

query='sum by (status_code) (rate(http_responses_total{job="key-service"}[10s]))'
url="http://127.0.0.1:$prom/graph?g0.expr=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$query")&g0.tab=0&g0.range_input=2m"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$work/chromium" --hide-scrollbars \
  --window-size=1400,880 --virtual-time-budget=15000 --screenshot="$PWD/docs/prometheus-traffic.png" "$url" 2>/dev/null
echo "wrote docs/prometheus-traffic.png"
