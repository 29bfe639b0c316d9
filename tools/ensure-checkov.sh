#!/usr/bin/env bash
# Prints the path of checkov (a Kubernetes manifest scanner, from PyPI), installing it into ~/.cache/keyservice once.
set -euo pipefail
version=3.3.30
venv="$HOME/.cache/keyservice/checkov-$version"
if [ ! -x "$venv/bin/checkov" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$version" >&2
fi
echo "$venv/bin/checkov"
