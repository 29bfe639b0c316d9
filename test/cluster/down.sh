#!/usr/bin/env bash
# Stops the components that up.sh started, by process id (newest first), removes what the real node left on the
# host, and the state directory.
# Usage: down.sh [STATE_DIR] (default .cluster).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$(realpath -m "${1:-$root/.cluster}")"
[ -d "$dir" ] || exit 0
if [ -f "$dir/pids" ]; then
  tac "$dir/pids" | while read -r name pid; do
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null && echo "cluster: $name ($pid) needed SIGKILL" >&2 || true
  done
  # The real node's containers, mounts, cgroups, bridge and nft tables outlive its processes.
  if grep -q '^real-node-lock ' "$dir/pids"; then "$root/test/cluster/real-node-down.sh" "$dir"; fi
fi
rm -rf "$dir"
