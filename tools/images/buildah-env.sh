# Sourced: one buildah storage for the project's images and bases, under ~/.cache/keyservice (overlay on the host's
# ext4; it survives between runs, which is what makes a warm build warm).
KEYSERVICE_IMAGES_CACHE="$HOME/.cache/keyservice/images"
buildah_=(buildah --root "$KEYSERVICE_IMAGES_CACHE/storage" --runroot /run/keyservice-buildah --storage-driver overlay)
