#!/usr/bin/env bash
# Makes (once) a real Debian base image here, from Debian's own packages,
# for tests/image_accuracy.rs, and prints its tag. Docker Hub is not
# reachable from CI machines; Debian's archive is.
#
#   scripts/debian-base-image.sh [SUITE]        (default bookworm)
#
# The image is tagged with a hash of what makes it (suite, mirror,
# debootstrap version, this script), so a second run finds it in the
# engine's store and does nothing. Needs root, debootstrap and docker.
set -euo pipefail
SUITE=${1:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
command -v debootstrap >/dev/null || { echo "debootstrap is not installed" >&2; exit 3; }
hash=$( { echo "$SUITE $MIRROR"; debootstrap --version; cat "$0"; } | sha256sum | cut -c1-16)
tag="compose-lint-accuracy/debian:$SUITE-$hash"
if ! docker image inspect "$tag" >/dev/null 2>&1; then
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >&2
  # As debuerreotype leaves the image: no package lists or apt caches.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  chmod 0755 "$root"
  tar -C "$root" -c . | docker import --change 'CMD ["bash"]' - "$tag" >&2
fi
echo "$tag"
