#!/usr/bin/env bash
# Installs the named Debian packages when one of them is missing. Usage: ensure-apt.sh COMMAND PACKAGE [COMMAND PACKAGE...]
set -euo pipefail
missing=()
while [ $# -ge 2 ]; do
  command -v "$1" >/dev/null 2>&1 || missing+=("$2")
  shift 2
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
