#!/usr/bin/env bash
# make container: builds kmdash's cross-build image from Debian packages
# alone (no registry): mmdebstrap makes a bookworm root, the engine imports
# it as the base and builds target/container/Containerfile on it. The image
# is tagged with the hash of what makes it (that file and the base recipe
# below), so it is built once: a second run, or a fresh CI's second test,
# finds the tag and returns at once.
#   CONTAINER_ENGINE=docker make container     (default: podman)
# Prints the image's name on its last line.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=target/common.sh
. "$here/../common.sh"

engine=${CONTAINER_ENGINE:-podman}
name=localhost/kmdash-cross
file=$here/Containerfile
# The base: a minimal Debian root, what the Containerfile's apt-get needs.
base_recipe=(mmdebstrap --variant=minbase --include=ca-certificates
	--quiet bookworm)

command -v "$engine" >/dev/null ||
	die "container engine '$engine' not found: run 'make deps' (installs podman), or set CONTAINER_ENGINE=docker"
hash=$({ cat "$file"; echo "${base_recipe[*]}"; } | sha256sum | cut -c1-12)
image=$name:$hash

if "$engine" image exists "$image" 2>/dev/null ||
	"$engine" image inspect "$image" >/dev/null 2>&1; then
	say "$image is built (the hash of $file)"
	"$engine" tag "$image" "$name:latest"
	echo "$image"
	exit 0
fi

command -v mmdebstrap >/dev/null ||
	die "mmdebstrap not found: run 'make deps'"
work=$KMDASH_CACHE/container
mkdir -p "$work"
tar=$(mktemp "$work/base.XXXXXX.tar")
trap 'rm -f "$tar"' EXIT
say "making a Debian bookworm root with mmdebstrap"
"${base_recipe[@]}" "$tar" ||
	die "mmdebstrap could not make the base (is deb.debian.org reachable?)"
say "importing it as localhost/kmdash-bookworm:$hash"
"$engine" import "$tar" "localhost/kmdash-bookworm:$hash" >/dev/null
rm -f "$tar"
say "building $image from $file"
# The RUN step fetches Debian packages: the host's network.
"$engine" build --network=host \
	--build-arg "BASE=localhost/kmdash-bookworm:$hash" \
	-t "$image" -f "$file" "$here"
"$engine" tag "$image" "$name:latest"
# The base served its purpose; the image keeps the layers it needs.
"$engine" rmi "localhost/kmdash-bookworm:$hash" >/dev/null 2>&1 || true
echo "$image"
