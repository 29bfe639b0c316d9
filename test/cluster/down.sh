#!/usr/bin/env bash
# Stops the components that up.sh started, by process id (newest first), removes what the real node left on the
# host, and the state directory.
# Usage: down.sh [STATE_DIR] (default .cluster).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$(realpath -m "${1:-$root/.cluster}")"
[ -d "$dir" ] || exit 0

# running PID: true while the process exists and has not exited; a zombie has, and init reaps it in its own time.
running() {
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

if [ -f "$dir/pids" ]; then
  tac "$dir/pids" | while read -r name pid; do
    if kill -TERM "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do
        running "$pid" || break
        sleep 0.1
      done
      if running "$pid"; then
        kill -KILL "$pid"
        echo "cluster: $name ($pid) needed SIGKILL" >&2
      fi
    fi
    # The real node's containers would keep talking to the control plane, and outlive their runtime: once
    # containerd is stopped (or found dead already, after a crash or a kill), remove them and everything else the
    # node left on the host.
    if [ "$name" = containerd ]; then "$root/test/cluster/real-node-down.sh" "$dir"; fi
  done
fi
rm -rf "$dir"
