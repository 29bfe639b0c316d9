#!/usr/bin/env bash
# Builds prometheus-operator and prometheus-config-reloader from their Go module (the wrapper module beside this
# script) and prints the directory that holds them. Cached under ~/.cache/keyservice, keyed by a hash of the wrapper
# module and this script, apart from the control plane's tools so that neither invalidates the other. Progress goes to
# stderr; stdout is only the directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

key=$(cat "$here/prometheus-operator/go.mod" "$here/prometheus-operator/go.sum" "$0" | sha256sum | cut -c1-16)
out="$HOME/.cache/keyservice/monitoring-tools-$key"
mkdir -p "$out/bin"
touch "$out/last-used"

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
version=$(cd "$here/prometheus-operator" && go list -m -f '{{.Version}}' github.com/prometheus-operator/prometheus-operator)
# What `--version` prints, and the version the operator stamps on what it creates.
ldflags="-s -w -X github.com/prometheus/common/version.Version=${version#v} -X github.com/prometheus/common/version.Branch=release"
for name in operator prometheus-config-reloader; do
  [ -x "$out/bin/$name" ] && continue
  echo "building $name $version ..." >&2
  started=$SECONDS
  (cd "$here/prometheus-operator" &&
    nice go build -trimpath -ldflags "$ldflags" -o "$out/bin/$name" "github.com/prometheus-operator/prometheus-operator/cmd/$name")
  echo "built $name in $((SECONDS - started)) s" >&2
done
echo "$version" >"$out/version"
if [ ! -e "$out/module" ]; then
  ln -sfn "$(cd "$here/prometheus-operator" && go list -m -f '{{.Dir}}' github.com/prometheus-operator/prometheus-operator)" "$out/module"
fi

# Older builds only take disk; one another checkout used in the last three days stays.
for old in "$HOME"/.cache/keyservice/monitoring-tools-*; do
  [ "$old" = "$out" ] || [ -n "$(find "$old/last-used" -mmin -4320 2>/dev/null)" ] || rm -rf "$old"
done
echo "$out"
