#!/usr/bin/env bash
# Builds prometheus-operator and prometheus-config-reloader from their Go module, and Prometheus at the version that
# module requires (Debian's Prometheus is built without Kubernetes service discovery, which every ServiceMonitor
# needs), each from its wrapper module beside this script, and prints the directory that holds them. Cached under
# ~/.cache/keyservice, keyed by a hash of the wrapper module and this script, apart from the control plane's tools so
# that neither invalidates the other; about 5 minutes cold. Progress goes to stderr; stdout is only the directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

key=$(cat "$here"/*/go.mod "$here"/*/go.sum "$0" | sha256sum | cut -c1-16)
out="$HOME/.cache/keyservice/monitoring-tools-$key"
mkdir -p "$out/bin"
touch "$out/last-used"

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
module_version() { (cd "$here/$1" && go list -m -f '{{.Version}}' "$2"); }
version=$(module_version prometheus-operator github.com/prometheus-operator/prometheus-operator)
# Prometheus' Go module numbers 3.x.y as v0.3xx.y.
prometheus_version=$(module_version prometheus github.com/prometheus/prometheus | sed -E 's/^v0\.3([0-9]{2})\.([0-9]+)$/v3.\1.\2/; s/\.0([0-9])\./.\1./')
# NAME WRAPPER PACKAGE VERSION: the version is what `--version` prints, and what prometheus-operator stamps on what it
# creates.
while read -r name wrapper package stamp; do
  [ -x "$out/bin/$name" ] && continue
  echo "building $name $stamp ..." >&2
  started=$SECONDS
  ldflags="-s -w -X github.com/prometheus/common/version.Version=${stamp#v} -X github.com/prometheus/common/version.Branch=release"
  (cd "$here/$wrapper" && nice go build -trimpath -ldflags "$ldflags" -o "$out/bin/$name" "$package")
  echo "built $name in $((SECONDS - started)) s" >&2
done <<PROGRAMS
operator prometheus-operator github.com/prometheus-operator/prometheus-operator/cmd/operator $version
prometheus-config-reloader prometheus-operator github.com/prometheus-operator/prometheus-operator/cmd/prometheus-config-reloader $version
prometheus prometheus github.com/prometheus/prometheus/cmd/prometheus $prometheus_version
PROGRAMS
echo "$prometheus_version" >"$out/prometheus-version"
echo "$version" >"$out/version"
if [ ! -e "$out/module" ]; then
  ln -sfn "$(cd "$here/prometheus-operator" && go list -m -f '{{.Dir}}' github.com/prometheus-operator/prometheus-operator)" "$out/module"
fi

# Older builds only take disk; one another checkout used in the last three days stays.
for old in "$HOME"/.cache/keyservice/monitoring-tools-*; do
  [ "$old" = "$out" ] || [ -n "$(find "$old/last-used" -mmin -4320 2>/dev/null)" ] || rm -rf "$old"
done
echo "$out"
