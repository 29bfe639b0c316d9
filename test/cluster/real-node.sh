# Sourced by up.sh: the real node (containerd, runc, the bridge CNI plugin, kubelet, kube-proxy in nftables mode)
# beside the kwok node. shared/RESEARCH.md, "A node that runs containers here", has the why of each setting.
# Uses up.sh's variables (root, dir, pki, bin, tools, node_wait) and functions (start, wait_until, fail, sign).

# Everything this node owns on the host is named here, so real-node-down.sh removes exactly this and nothing else.
REAL_NODE_NAME=real-node
REAL_NODE_BRIDGE=ks0
# The bridge's own address: the pods' gateway, and the address the API server listens on, so traffic between pods
# and the control plane stays on an interface the project made.
REAL_NODE_IP=10.88.0.1
REAL_NODE_POD_CIDR=10.88.0.0/16
REAL_NODE_LOCK=/run/keyservice-real-node.lock
# The static pause binary runs as every pod's sandbox; the name is what containerd's sandbox_image asks for.
REAL_NODE_PAUSE_IMAGE=localhost/keyservice/pause:1

# real_node_claim: takes the host-wide lock (kube-proxy's nft table, the /kubepods cgroups, the bridge and the
# kubelet's port exist once per machine), removes what a crashed run left, and makes the bridge the API server binds
# to. The lock is held by a process recorded in pids, so down.sh releases it by stopping that process.
real_node_claim() {
  exec 9>>"$REAL_NODE_LOCK"
  if ! flock -n 9 && [ "$node_wait" -gt 0 ]; then
    echo "cluster: waiting up to $node_wait s for the real node, held by $(cat "$REAL_NODE_LOCK")" >&2
    flock -w "$node_wait" 9 || true
  fi
  if ! flock -n 9; then
    rm -rf "$pki" "$dir/logs" "$dir/cmd"
    rmdir "$dir" 2>/dev/null || true
    echo "cluster: the real node is taken: another cluster on this machine runs it ($(cat "$REAL_NODE_LOCK"))." \
      "Stop it with test/cluster/down.sh on that state directory, or start this one with --kwok-only." >&2
    exit 1
  fi
  "$root/tools/ensure-apt.sh" containerd containerd runc runc /usr/lib/cni/bridge containernetworking-plugins \
    nft nftables conntrack conntrack iptables iptables
  local previous
  previous=$(cat "$REAL_NODE_LOCK")
  echo "$dir" >"$REAL_NODE_LOCK"
  start real-node-lock sleep infinity
  exec 9>&-
  if [ -n "$previous" ]; then "$root/test/cluster/real-node-down.sh" "$previous"; fi
  "$root/test/cluster/real-node-down.sh" "$dir"
  # The bridge plugin turns forwarding on (pod to Service to pod on one bridge needs it); down puts it back.
  cat /proc/sys/net/ipv4/ip_forward >"$dir/ip-forward"
  nft list tables >"$dir/nft-tables-before"
  ip link add "$REAL_NODE_BRIDGE" type bridge
  ip addr add "$REAL_NODE_IP/16" dev "$REAL_NODE_BRIDGE"
  ip link set "$REAL_NODE_BRIDGE" up
}

real_node_start() {
  local node="$dir/node" started=$SECONDS
  mkdir -p "$node"/{containerd,cni/net.d,kubelet,pod-logs}
  cat >"$node/containerd.toml" <<TOML
version = 2
root = "$node/containerd/root"
state = "$node/containerd/state"
[grpc]
  address = "$node/containerd/containerd.sock"
[ttrpc]
  address = "$node/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$node/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$REAL_NODE_PAUSE_IMAGE"
  # This VM's bounding set lacks CAP_SYS_RESOURCE: without this every sandbox fails to start.
  restrict_oom_score_adj = true
  # Network namespaces under the state directory, so that down removes them with everything else.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$node/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$node/cni/net.d"
TOML
  # No ipMasq: it would add iptables rules per pod that a killed pod leaves behind; nothing here leaves the host.
  cat >"$node/cni/net.d/10-keyservice.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "keyservice", "plugins": [{"type": "bridge", "bridge": "$REAL_NODE_BRIDGE",
  "isGateway": true, "ipMasq": false, "hairpinMode": true, "ipam": {"type": "host-local", "dataDir": "$node/cni/ipam",
  "ranges": [[{"subnet": "$REAL_NODE_POD_CIDR", "gateway": "$REAL_NODE_IP"}]], "routes": [{"dst": "0.0.0.0/0"}]}}]}
JSON
  start containerd containerd --config "$node/containerd.toml"
  local ctr=(ctr --address "$node/containerd/containerd.sock" --namespace k8s.io)
  wait_until "containerd" containerd "${ctr[@]}" version
  "${ctr[@]}" images import --no-unpack "$("$root/tools/images/pause.sh")" >/dev/null

  # Cluster DNS for the pods, on the node's own address: the real CoreDNS, run as a host process (no image of it
  # here) with the admin kubeconfig, answering Service and pod names under cluster.local.
  cat >"$node/Corefile" <<COREFILE
cluster.local:53 in-addr.arpa:53 {
  bind $REAL_NODE_IP
  errors
  kubernetes cluster.local in-addr.arpa {
    kubeconfig $kubeconfig local
  }
}
COREFILE
  start coredns "$bin/coredns" -conf "$node/Corefile"

  sign kubelet "/O=system:nodes/CN=system:node:$REAL_NODE_NAME" "extendedKeyUsage=clientAuth"
  sign kubelet-serving "/CN=$REAL_NODE_NAME" "subjectAltName=IP:$REAL_NODE_IP,DNS:$REAL_NODE_NAME
extendedKeyUsage=serverAuth"
  sign kube-proxy "/CN=system:kube-proxy"
  real_node_kubeconfig kubelet
  real_node_kubeconfig kube-proxy
  cat >"$node/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $REAL_NODE_IP
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
# Only holders of a certificate from the cluster CA get past authentication: the API server, for logs and exec.
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$node/containerd/containerd.sock
podLogsDir: $node/pod-logs
# cgroup v1 and no systemd on this VM; swap may be on.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
oomScoreAdj: 0
resolvConf: /etc/resolv.conf
clusterDNS: [$REAL_NODE_IP]
clusterDomain: cluster.local
# Small fixed reservations keep the kubelet from evicting pods on a busy shared machine.
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%}
imageGCHighThresholdPercent: 100
registerWithTaints: []
# Secret volumes follow an update within ~10 s (default 1 min), inside the API key rotation's propagation time.
syncFrequency: 10s
YAML
  start kubelet "$bin/kubelet" --config "$node/kubelet.yaml" --kubeconfig "$pki/kubelet.kubeconfig" \
    --root-dir "$node/kubelet" --hostname-override "$REAL_NODE_NAME" --node-ip "$REAL_NODE_IP" \
    --node-labels "type=real"
  cat >"$node/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clientConnection: {kubeconfig: $pki/kube-proxy.kubeconfig}
hostnameOverride: $REAL_NODE_NAME
clusterCIDR: $REAL_NODE_POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [$REAL_NODE_IP/32]
# Leave the host's conntrack sysctls as they are.
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
YAML
  start kube-proxy "$bin/kube-proxy" --config "$node/kube-proxy.yaml"
  wait_until "the real node to be Ready" kubelet kc wait "node/$REAL_NODE_NAME" --for condition=Ready --timeout 1s
  wait_until "kube-proxy" kube-proxy curl -sf http://127.0.0.1:10256/healthz
  echo "cluster: real node $REAL_NODE_NAME Ready in $((SECONDS - started)) s" >&2
}

# real_node_kubeconfig NAME: a kubeconfig for the node's component NAME, with the certificate sign made for it.
real_node_kubeconfig() {
  local file="$pki/$1.kubeconfig"
  local kubectl=("$bin/kubectl" --kubeconfig "$file")
  "${kubectl[@]}" config set-cluster local --server "https://$REAL_NODE_IP:$api_port" \
    --certificate-authority "$pki/ca.crt" --embed-certs >/dev/null
  "${kubectl[@]}" config set-credentials "$1" --client-certificate "$pki/$1.crt" \
    --client-key "$pki/$1.key" --embed-certs >/dev/null
  "${kubectl[@]}" config set-context local --cluster local --user "$1" >/dev/null
  "${kubectl[@]}" config use-context local >/dev/null
}
