#!/usr/bin/env bash
# Builds the local control plane's programs from their Go modules (one wrapper module per tool, beside this
# script) and prints the directory that holds them. The result is cached under ~/.cache/keyservice, keyed by a hash
# of the wrapper modules and this script: a warm machine returns at once, a cold one builds once (about 15 minutes
# on 2 cores). Progress goes to stderr; stdout is only the directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

KUBERNETES_VERSION=v1.37.2
HELM_VERSION=v3.22.0
PROMETHEUS_OPERATOR_VERSION=v0.85.0

key=$(cat "$here"/*/go.mod "$here"/*/go.sum "$0" | sha256sum | cut -c1-16)
out="$HOME/.cache/keyservice/cluster-tools-$key"
bin="$out/bin"
mkdir -p "$bin"
# Marks this build as in use before anything else, so another checkout's clean-up below never takes it mid-build.
touch "$out/last-used"

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

build() { # build MODULE_DIR LDFLAGS NAME=PACKAGE...
  local module=$1 ldflags=$2
  shift 2
  for item in "$@"; do
    local name=${item%%=*} package=${item#*=}
    [ -x "$bin/$name" ] && continue
    echo "building $name ..." >&2
    local started=$SECONDS
    (cd "$here/$module" && go build -trimpath -ldflags "-s -w $ldflags" -o "$bin/$name" "$package")
    echo "built $name in $((SECONDS - started)) s" >&2
  done
}

# kubectl and the components report this version (kubectl picks its behaviour by the server's minor version).
minor=$(echo "$KUBERNETES_VERSION" | cut -d. -f2)
kube_version=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_version+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  kube_version+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
for name in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
  build kube "$kube_version" "$name=k8s.io/kubernetes/cmd/$name"
done
build etcd "" etcd=go.etcd.io/etcd/server/v3

# Without these, helm assumes Kubernetes 1.20 for .Capabilities and for its deprecation lint.
helm_version="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  helm_version+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
done
build helm "$helm_version" helm=helm.sh/helm/v3/cmd/helm
build helm-unittest "" helm-unittest=github.com/helm-unittest/helm-unittest/cmd/helm-unittest
build kwok "" kwok=sigs.k8s.io/kwok/cmd/kwok
# The real node's cluster DNS (a wrapper main with a few plugins: a full CoreDNS build takes several times longer).
build coredns "" coredns=keyservice.local/tools/cluster/coredns
build kube-score "" kube-score=github.com/zegl/kube-score/cmd/kube-score

# The prometheus-operator CRDs (ServiceMonitor, PrometheusRule, AlertmanagerConfig) come from its Go module.
if [ ! -d "$out/prometheus-operator-crd" ]; then
  module_dir=$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  ln -sfn "$module_dir/example/prometheus-operator-crd" "$out/prometheus-operator-crd"
fi

# kwok simulates nothing without Stage objects: take the "fast" node and pod stages, plus node heartbeats (without
# them the node lifecycle controller would mark the fake node NotReady and evict its pods), from kwok's module.
if [ ! -f "$out/kwok-stages.yaml" ]; then
  stages=$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)/kustomize/stage
  for file in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml \
    pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    echo "---"
    cat "$stages/$file"
  done >"$out/kwok-stages.yaml.tmp"
  mv "$out/kwok-stages.yaml.tmp" "$out/kwok-stages.yaml"
fi

# Older builds (keyed by older wrapper modules) only take disk: about 600 MB each. A build another checkout used in
# the last three days stays, so two branches on one machine do not delete each other's tools.
for old in "$HOME"/.cache/keyservice/cluster-tools-*; do
  [ "$old" = "$out" ] || [ -n "$(find "$old/last-used" -mmin -4320 2>/dev/null)" ] || rm -rf "$old"
done

echo "$out"
