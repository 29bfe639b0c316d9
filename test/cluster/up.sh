#!/usr/bin/env bash
# Starts a local Kubernetes cluster: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok with one
# fake node, and a real node that runs containers (real-node.sh). Usage: up.sh [--kwok-only]
# [--wait-for-node=SECONDS] [STATE_DIR] (default .cluster); the wait is for another cluster's real node to stop. It returns once /readyz is ok, the nodes are Ready and the default service account exists. The admin
# kubeconfig is STATE_DIR/kubeconfig; STATE_DIR/env names it and the tools; down.sh STATE_DIR stops everything.
# With the real node, the kwok node carries a NoSchedule taint so that workloads land on the real one; with
# --kwok-only (one real node per machine; scale tests need none) the control plane stays on loopback.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
real_node=true
node_wait=0
while [ $# -gt 0 ]; do
  case $1 in
    --kwok-only) real_node=false ;;
    --wait-for-node=*) node_wait=${1#*=} ;;
    *) break ;;
  esac
  shift
done
dir="$(realpath -m "${1:-$root/.cluster}")"

if [ -f "$dir/pids" ]; then
  echo "a cluster is already recorded in $dir; run test/cluster/down.sh $dir first" >&2
  exit 1
fi
tools="$("$root/tools/cluster/build.sh")"
bin="$tools/bin"
pki="$dir/pki"
mkdir -p "$pki" "$dir/logs" "$dir/cmd"
started=$SECONDS

fail() {
  echo "cluster: $1" >&2
  [ -n "${2:-}" ] && tail -n 30 "$dir/logs/$2.log" >&2
  "$root/test/cluster/down.sh" "$dir" >&2 || true
  exit 1
}

# start NAME COMMAND...: runs the component detached, logging to logs/NAME.log; its command line is kept in
# cmd/NAME so a test can stop and start it again.
start() {
  local name=$1
  shift
  printf '%q ' "$@" >"$dir/cmd/$name"
  setsid "$@" </dev/null >"$dir/logs/$name.log" 2>&1 &
  echo "$name $!" >>"$dir/pids"
}

# wait_until WHAT COMPONENT COMMAND...: polls for up to 60 s, and gives up at once if COMPONENT has died.
wait_until() {
  local what=$1 component=$2
  shift 2
  local pid
  pid=$(awk -v name="$component" '$1 == name { print $2 }' "$dir/pids")
  for _ in $(seq 1 300); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || fail "$component exited while waiting for $what" "$component"
    sleep 0.2
  done
  fail "timed out waiting for $what" "$component"
}

source "$root/test/cluster/real-node.sh"
api_ip=127.0.0.1
if $real_node; then
  real_node_claim
  api_ip=$REAL_NODE_IP
fi

read -r etcd_port peer_port api_port kcm_port scheduler_port kwok_port < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(6)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in sockets))')

# Certificates: one CA signs the API server's serving certificate and the admin's client certificate
# (group system:masters); a separate key pair signs service account tokens.
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 30 -subj "/CN=keyservice-test-ca" 2>/dev/null
sign() { # sign NAME SUBJECT [EXTENSIONS]
  openssl req "${ec[@]}" -keyout "$pki/$1.key" -out "$pki/$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "${3:-extendedKeyUsage=clientAuth}" >"$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 30 \
    -extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
}
sign apiserver "/CN=kube-apiserver" \
  "subjectAltName=IP:$api_ip,IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
sign admin "/O=system:masters/CN=keyservice-admin"
openssl ecparam -name prime256v1 -genkey -noout -out "$pki/sa.key"
openssl ec -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null

start etcd "$bin/etcd" --name default --data-dir "$dir/etcd" --unsafe-no-fsync --log-level warn \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "default=http://127.0.0.1:$peer_port"
wait_until "etcd" etcd curl -sf "http://127.0.0.1:$etcd_port/health"

# The audit log records every write request (who, what, when) so tests can count the operator's writes from the
# API server's own record rather than from the operator's.
cat >"$dir/audit-policy.yaml" <<'POLICY'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
POLICY

# Pods reach the API server through the kubernetes Service only when it advertises an address they can route to,
# and the endpoint reconciler keeps that Service's endpoints; a kwok-only cluster has no pods and stays on loopback.
if $real_node; then
  apiserver_node_flags=(--endpoint-reconciler-type lease --kubelet-preferred-address-types InternalIP,Hostname
    --kubelet-certificate-authority "$pki/ca.crt" --kubelet-client-certificate "$pki/admin.crt"
    --kubelet-client-key "$pki/admin.key")
else
  apiserver_node_flags=(--endpoint-reconciler-type none)
fi
start kube-apiserver "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address "$api_ip" --advertise-address "$api_ip" --secure-port "$api_port" --cert-dir "$pki" \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" --client-ca-file "$pki/ca.crt" \
  --service-cluster-ip-range 10.0.0.0/16 --authorization-mode Node,RBAC --allow-privileged=true \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" --profiling=false \
  "${apiserver_node_flags[@]}" \
  --audit-policy-file "$dir/audit-policy.yaml" --audit-log-path "$dir/logs/audit.log" --audit-log-format json
curl_api=(curl -sf --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key")
wait_until "kube-apiserver /readyz" kube-apiserver "${curl_api[@]}" "https://$api_ip:$api_port/readyz"

kubeconfig="$dir/kubeconfig"
kc() { "$bin/kubectl" --kubeconfig "$kubeconfig" "$@"; }
kc config set-cluster local --server "https://$api_ip:$api_port" --certificate-authority "$pki/ca.crt" --embed-certs >/dev/null
kc config set-credentials admin --client-certificate "$pki/admin.crt" --client-key "$pki/admin.key" --embed-certs >/dev/null
kc config set-context local --cluster local --user admin >/dev/null
kc config use-context local >/dev/null

delegated=(--kubeconfig "$kubeconfig" --authentication-kubeconfig "$kubeconfig" --authorization-kubeconfig "$kubeconfig"
  --bind-address 127.0.0.1 --leader-elect=false)
start kube-controller-manager "$bin/kube-controller-manager" "${delegated[@]}" --secure-port "$kcm_port" \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" --use-service-account-credentials \
  --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
  --service-cluster-ip-range 10.0.0.0/16
start kube-scheduler "$bin/kube-scheduler" "${delegated[@]}" --secure-port "$scheduler_port"
start kwok "$bin/kwok" --kubeconfig "$kubeconfig" --config "$tools/kwok-stages.yaml" \
  --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --server-address "127.0.0.1:$kwok_port" \
  --cidr 10.244.0.0/16 --node-ip 127.0.0.1

kc apply -f "$root/test/cluster/fake-node.yaml" >/dev/null
wait_until "the fake node to be Ready" kwok kc wait node/kwok-node-0 --for condition=Ready --timeout 1s
real_node_env=""
if $real_node; then
  kc taint node kwok-node-0 keyservice.io/kwok=true:NoSchedule >/dev/null
  real_node_start
  real_node_env="REAL_NODE=$REAL_NODE_NAME
REAL_NODE_CONTAINERD=$dir/node/containerd/containerd.sock"
fi
wait_until "the default service account" kube-controller-manager kc get serviceaccount default --namespace default

cat >"$dir/env" <<ENV
KUBECONFIG=$kubeconfig
CLUSTER_DIR=$dir
CLUSTER_BIN=$bin
PROMETHEUS_OPERATOR_CRDS=$tools/prometheus-operator-crd
KUBE_APISERVER_URL=https://$api_ip:$api_port
AUDIT_LOG=$dir/logs/audit.log
$real_node_env
ENV
echo "cluster up in $((SECONDS - started)) s: export KUBECONFIG=$kubeconfig (kubectl: $bin/kubectl)" >&2
