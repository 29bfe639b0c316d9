#!/usr/bin/env bash
# npm run monitoring:up [STATE_DIR]: installs a monitoring stack into the running local cluster of STATE_DIR
# (default .cluster; after `npm run cluster:up` and `npm run images:build`), in namespace monitoring:
# prometheus-operator (built from its Go module, running as a pod on the real node with upstream's example RBAC),
# and the Prometheus and Alertmanager of monitoring/stack/stack.yaml, which it runs from local images of Debian's
# binaries. Returns once Prometheus and Alertmanager answer, and adds PROMETHEUS_URL and ALERTMANAGER_URL (their
# ClusterIPs, which the host reaches) to STATE_DIR/env.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$(realpath -m "${1:-$root/.cluster}")"
if ! grep -q '^REAL_NODE=' "$dir/env" 2>/dev/null; then
  echo "monitoring: no cluster with a real node in $dir (start one with npm run cluster:up)" >&2
  exit 1
fi
started=$SECONDS
env_value() { sed -n "s/^$1=//p" "$dir/env"; }
kubectl=("$(env_value CLUSTER_BIN)/kubectl" --kubeconfig "$(env_value KUBECONFIG)")
tools=$("$root/tools/monitoring/build.sh")
read -r prometheus_version alertmanager_version < <("$root/tools/monitoring/images.sh" "$tools" "$dir")
example="$tools/module/example"

# Every prometheus-operator CRD (its Prometheus and Alertmanager kinds too); server-side, as they are too large for
# the last-applied annotation.
"${kubectl[@]}" apply --server-side --force-conflicts -f "$example/prometheus-operator-crd/" >/dev/null
for crd in "$example"/prometheus-operator-crd/*.yaml; do
  "${kubectl[@]}" wait --for condition=Established --timeout 60s -f "$crd" >/dev/null
done
sed -e "s/@PROMETHEUS_VERSION@/$prometheus_version/" -e "s/@ALERTMANAGER_VERSION@/$alertmanager_version/" \
  "$root/monitoring/stack/stack.yaml" >"$dir/monitoring-stack.yaml"
"${kubectl[@]}" apply -f "$dir/monitoring-stack.yaml" >/dev/null
# Upstream's examples name the namespace default.
for file in prometheus-operator/prometheus-operator-{service-account,cluster-role,cluster-role-binding,deployment}.yaml \
  prometheus/prometheus-{service-account,cluster-role,cluster-role-binding}.yaml; do
  sed 's/namespace: default/namespace: monitoring/' "$example/rbac/$file"
  echo "---"
done | "${kubectl[@]}" apply -n monitoring -f - >/dev/null

"${kubectl[@]}" -n monitoring rollout status deployment/prometheus-operator --timeout 120s >/dev/null
ready() { # ready STATEFULSET: the operator has made it and its pod is ready
  [ "$("${kubectl[@]}" -n monitoring get statefulset "$1" -o 'jsonpath={.status.readyReplicas}' 2>/dev/null)" = 1 ]
}
for _ in $(seq 1 180); do
  ready prometheus-kube-prometheus-stack-prometheus && ready alertmanager-kube-prometheus-stack-alertmanager && break
  sleep 1
done
if ! ready prometheus-kube-prometheus-stack-prometheus || ! ready alertmanager-kube-prometheus-stack-alertmanager; then
  echo "monitoring: Prometheus or Alertmanager not ready after 180 s" >&2
  "${kubectl[@]}" -n monitoring get pods -o wide >&2
  exit 1
fi

cluster_ip() { "${kubectl[@]}" -n monitoring get service "$1" -o 'jsonpath={.spec.clusterIP}'; }
prometheus_url="http://$(cluster_ip kube-prometheus-stack-prometheus):9090"
alertmanager_url="http://$(cluster_ip kube-prometheus-stack-alertmanager):9093"
# A fresh ClusterIP can take a moment before kube-proxy answers on it.
for url in "$prometheus_url/-/ready" "$alertmanager_url/-/ready"; do
  curl --silent --fail --retry 30 --retry-delay 1 --retry-all-errors --max-time 2 "$url" >/dev/null
done
sed -i -e '/^PROMETHEUS_URL=/d' -e '/^ALERTMANAGER_URL=/d' "$dir/env"
printf 'PROMETHEUS_URL=%s\nALERTMANAGER_URL=%s\n' "$prometheus_url" "$alertmanager_url" >>"$dir/env"
echo "monitoring up in $((SECONDS - started)) s: Prometheus $prometheus_version at $prometheus_url," \
  "Alertmanager $alertmanager_version at $alertmanager_url" >&2
