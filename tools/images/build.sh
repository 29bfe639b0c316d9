#!/usr/bin/env bash
# npm run images:build [STATE_DIR]: builds Dockerfile.server and Dockerfile.operator with buildah, on the local
# bases from bases.sh, tags them with the names and tags the chart and the operator use, and imports them into the
# real node's containerd of the cluster in STATE_DIR (default .cluster), so that nothing is ever pulled.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="$(realpath -m "${1:-$root/.cluster}")"
source "$root/tools/images/buildah-env.sh"
containerd=$(sed -n 's/^REAL_NODE_CONTAINERD=//p' "$dir/env" 2>/dev/null || true)
if [ -z "$containerd" ]; then
  echo "images: no real node in $dir (start one with npm run cluster:up)" >&2
  exit 1
fi
"$root/tools/ensure-apt.sh" buildah buildah
mkdir -p "$HOME/.npm"
version=$(sed -n 's/^appVersion: "\(.*\)"$/\1/p' "$root/helm-chart/Chart.yaml")
read -r build_image runtime_image < <("$root/tools/images/bases.sh")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for image in key-server=Dockerfile.server operator=Dockerfile.operator; do
  name="ghcr.io/keyservice/${image%%=*}:$version" started=$SECONDS
  # Host network: buildah's own would be a CNI bridge on 10.88.0.0/16, the real node's range. The host's npm cache
  # makes `npm ci` a local copy on a warm machine.
  nice "${buildah_[@]}" build --quiet --pull=never --network host --layers \
    --volume "$HOME/.npm:/root/.npm" \
    --build-arg "BUILD_IMAGE=$build_image" --build-arg "RUNTIME_IMAGE=$runtime_image" \
    --build-arg "VERSION=$version" -f "$root/${image#*=}" -t "$name" "$root" >/dev/null
  "${buildah_[@]}" push --quiet "$name" "docker-archive:$work/image.tar:$name"
  ctr --address "$containerd" --namespace k8s.io images import "$work/image.tar" >/dev/null

  echo "images: $name built and imported in $((SECONDS - started)) s ($(du -m "$work/image.tar" | cut -f1) MB)" >&2
  rm "$work/image.tar"
done
