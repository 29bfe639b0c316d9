# Sourced (after buildah-env.sh): assembles images from scratch out of files on this machine, for where no registry
# is reachable.

# copy_with_libraries ROOT FILE...: each file at its own path under ROOT, with the shared libraries it loads.
copy_with_libraries() {
  local rootfs=$1
  shift
  local libraries
  libraries=$(ldd "$@" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } NF == 2 && $1 ~ /^\// { print $1 }' | sort -u)
  for library in $libraries; do cp -L --parents "$library" "$rootfs"; done
}

# assemble NAME SETUP CONFIG...: unless NAME exists, a scratch image with CA certificates, /tmp, and the users root and
# nonroot (65532), SETUP run with its mounted root as $1, then `buildah config` with CONFIG.
assemble() {
  local name=$1 setup=$2 container rootfs
  shift 2
  "${buildah_[@]}" inspect --type image "$name" >/dev/null 2>&1 && return 0
  echo "assembling $name ..." >&2
  container=$("${buildah_[@]}" from scratch)
  rootfs=$("${buildah_[@]}" mount "$container")
  mkdir -p "$rootfs"/{etc/ssl/certs,tmp,root,home/nonroot}
  chmod 1777 "$rootfs/tmp"
  chown 65532:65532 "$rootfs/home/nonroot"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$rootfs/etc/group"
  "$setup" "$rootfs"
  "${buildah_[@]}" umount "$container" >/dev/null
  "${buildah_[@]}" config "$@" "$container"
  "${buildah_[@]}" commit --quiet --rm "$container" "$name" >/dev/null
}
