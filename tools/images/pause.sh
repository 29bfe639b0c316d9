#!/usr/bin/env bash
# Builds the real node's sandbox image (a static Go binary, tools/images/pause) once per version of its source, and
# prints the path of its archive, ready for `ctr images import`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/buildah-env.sh"
name=localhost/keyservice/pause:1
key=$(cat "$here/pause/main.go" "$0" | sha256sum | cut -c1-16)
archive="$KEYSERVICE_IMAGES_CACHE/pause-$key.tar"
if [ ! -f "$archive" ]; then
  "$here/../ensure-apt.sh" buildah buildah
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$here/pause" && CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -ldflags "-s -w" -o "$work/pause" main.go)
  container=$("${buildah_[@]}" from scratch)
  "${buildah_[@]}" copy --quiet "$container" "$work/pause" /pause >/dev/null
  "${buildah_[@]}" config --entrypoint '["/pause"]' --user 65535:65535 "$container"
  "${buildah_[@]}" commit --quiet --rm "$container" "$name" >/dev/null
  mkdir -p "$KEYSERVICE_IMAGES_CACHE"
  "${buildah_[@]}" push --quiet "$name" "docker-archive:$work/pause.tar:$name"
  mv "$work/pause.tar" "$archive"
fi
echo "$archive"
