# shellcheck shell=bash
# OCI image archives made by hand, for the real node's images (cluster/real-node/images.sh: pause
# and busybox; cluster/real-node/standins.sh: the PostgreSQL and Redis stand-ins). There is no
# registry here and no image builder the node's containerd could read from directly; `ctr images
# import` takes an OCI layout tarball, which is a handful of JSON files around one layer.
#
# One uncompressed layer, its config, manifest and index, with fixed times, so the same root
# filesystem gives the same image ID. Owners are kept as they are in the root filesystem (numeric):
# the stand-ins' files belong to the users their pods run as.

oci_sha() { sha256sum "$1" | cut -d' ' -f1; }

# oci_archive <image ref> <rootfs dir> <out.tar> <JSON object for the image config's "config">
oci_archive() {
  local ref=$1 rootfs=$2 out=$3 cfg=$4 work layer_sha config_sha manifest_sha
  work=$(mktemp -d)
  mkdir -p "$work/blobs/sha256"
  tar --sort=name --mtime=@0 --numeric-owner -C "$rootfs" -cf "$work/layer.tar" .
  layer_sha=$(oci_sha "$work/layer.tar")
  mv "$work/layer.tar" "$work/blobs/sha256/$layer_sha"
  # Uncompressed: the layer's diff ID is its digest.
  printf '{"created":"1970-01-01T00:00:00Z","architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$cfg" "$layer_sha" >"$work/config.json"
  config_sha=$(oci_sha "$work/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config_sha" "$(stat -c %s "$work/config.json")" "$layer_sha" "$(stat -c %s "$work/blobs/sha256/$layer_sha")" >"$work/manifest.json"
  manifest_sha=$(oci_sha "$work/manifest.json")
  mv "$work/config.json" "$work/blobs/sha256/$config_sha"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$manifest_sha" "$(stat -c %s "$work/manifest.json")" "$ref" "${ref##*:}" >"$work/index.json"
  mv "$work/manifest.json" "$work/blobs/sha256/$manifest_sha"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work" -cf "$out.partial" oci-layout index.json blobs
  mv "$out.partial" "$out"
  rm -rf "$work"
}
