#!/usr/bin/env bash
# images.sh TOOLS_DIR STATE_DIR: assembles the monitoring stack's four images where no registry is reachable, and
# imports them into the real node's containerd of the cluster in STATE_DIR under the names upstream publishes them
# by, so that nothing is pulled: prometheus-operator, prometheus-config-reloader and Prometheus from the binaries in
# TOOLS_DIR (build.sh), Alertmanager from Debian's package. Each keeps its upstream image's entry point and user.
# Prints "PROMETHEUS_VERSION ALERTMANAGER_VERSION", the versions the Prometheus and Alertmanager resources must name.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tools=$1 dir=$2
source "$here/../images/buildah-env.sh"
source "$here/../images/assemble.sh"
containerd=$(sed -n 's/^REAL_NODE_CONTAINERD=//p' "$dir/env")
"$here/../ensure-apt.sh" buildah buildah prometheus-alertmanager prometheus-alertmanager >&2

operator_version=$(cat "$tools/version")
prometheus_version=$(cat "$tools/prometheus-version")
alertmanager_version="v$(dpkg-query -W -f '${Version}' prometheus-alertmanager | sed 's/[+~-].*//')"
key=$(cat "$0" "$here/../images/assemble.sh" "$tools"/bin/* /usr/bin/prometheus-alertmanager | sha256sum | cut -c1-8)

operator_setup() { mkdir -p "$1/bin" && cp "$tools/bin/operator" "$1/bin/operator"; }
reloader_setup() { mkdir -p "$1/bin" && cp "$tools/bin/prometheus-config-reloader" "$1/bin/prometheus-config-reloader"; }
prometheus_setup() {
  mkdir -p "$1/bin" "$1/prometheus"
  cp "$tools/bin/prometheus" "$1/bin/prometheus"
  chown 65534:65534 "$1/prometheus"
}
# Debian's Alertmanager reads its notification templates from /usr/share/prometheus/alertmanager rather than from
# the binary.
alertmanager_setup() {
  mkdir -p "$1/bin" "$1/alertmanager" "$1/usr/share/prometheus/alertmanager"
  cp /usr/bin/prometheus-alertmanager "$1/bin/alertmanager"
  cp /usr/share/prometheus/alertmanager/*.tmpl "$1/usr/share/prometheus/alertmanager/"
  copy_with_libraries "$1" /usr/bin/prometheus-alertmanager
  chown 65534:65534 "$1/alertmanager"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# NAME:TAG SETUP ENTRYPOINT: each as upstream's image runs it, as user nobody (prometheus-operator sets the pods' own).
while read -r name setup entrypoint; do
  local_name="localhost/keyservice/monitoring/${name##*/}-$key"
  assemble "$local_name" "$setup" --user 65534:65534 --entrypoint "[\"$entrypoint\"]" \
    --label org.opencontainers.image.description="Local stand-in for $name"
  "${buildah_[@]}" tag "$local_name" "$name"
  "${buildah_[@]}" push --quiet "$name" "docker-archive:$work/image.tar:$name"
  ctr --address "$containerd" --namespace k8s.io images import "$work/image.tar" >/dev/null
  rm "$work/image.tar"
done <<IMAGES
quay.io/prometheus-operator/prometheus-operator:$operator_version operator_setup /bin/operator
quay.io/prometheus-operator/prometheus-config-reloader:$operator_version reloader_setup /bin/prometheus-config-reloader
quay.io/prometheus/prometheus:$prometheus_version prometheus_setup /bin/prometheus
quay.io/prometheus/alertmanager:$alertmanager_version alertmanager_setup /bin/alertmanager
IMAGES
# Images of other versions only take disk: drop them.
"${buildah_[@]}" images --format '{{.Name}}:{{.Tag}}' | grep '^localhost/keyservice/monitoring/' | grep -v -- "-$key\$" |
  xargs -r "${buildah_[@]}" rmi >/dev/null 2>&1 || true
echo "$prometheus_version $alertmanager_version"
