#!/usr/bin/env bash
# Builds the release binary that the container image and the Linux x86_64
# release asset ship: a static glibc executable (no dynamic loader, no
# shared libraries), so it runs `FROM scratch` and on any Linux x86_64.
#
#   scripts/build-release.sh [TARGET]     (default x86_64-unknown-linux-gnu)
#
# Writes dist/linux-<arch>/compose-lint (arch as Docker names it: amd64,
# arm64) and its dist/linux-<arch>/compose-lint.sha256. The build uses its
# own target directory (target/static) so that it does not throw away the
# development build's artifacts, and the `release` profile of Cargo.toml.
# The release workflow (.github/workflows/release.yml) runs this script for
# Linux x86_64; .ci/run runs it before building the image.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=${1:-x86_64-unknown-linux-gnu}
case "$TARGET" in
  x86_64-*) ARCH=amd64 ;;
  aarch64-*) ARCH=arm64 ;;
  *) echo "build-release.sh: unsupported target $TARGET" >&2; exit 2 ;;
esac
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target/static}

# With an explicit --target, RUSTFLAGS reach only the target's crates, not
# build scripts or proc macros, which stay dynamic host programs.
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
  cargo build --locked --release --target "$TARGET" --bin compose-lint

bin="$CARGO_TARGET_DIR/$TARGET/release/compose-lint"
out="dist/linux-$ARCH"
mkdir -p "$out"
cp "$bin" "$out/compose-lint.tmp"
# Debug symbols are most of the file; the release has no use for them.
if command -v strip >/dev/null 2>&1 && [ "$ARCH" = "$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')" ]; then
  strip "$out/compose-lint.tmp"
fi
mv "$out/compose-lint.tmp" "$out/compose-lint"

# A static executable has no PT_INTERP (program interpreter) header.
if command -v readelf >/dev/null 2>&1 && readelf -l "$out/compose-lint" | grep -q 'program interpreter'; then
  echo "build-release.sh: $out/compose-lint is dynamically linked" >&2
  exit 1
fi
(cd "$out" && sha256sum compose-lint > compose-lint.sha256)
echo "$out/compose-lint"
