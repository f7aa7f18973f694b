#!/usr/bin/env bash
# Records the upstream build sources of images into rules/images/sources/:
# their MANIFEST.tsv rows and build directories, copied from a checkout of
# the build sources (default ../shared/images; layout in its README).
#
#   scripts/record-image-sources.sh IMAGE...
#
# Then `UPDATE_FACTS=1 cargo test --test image_facts_generated` regenerates
# rules/images/<image>.toml from them (recipe: sources/<image>.recipe.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${SRC:-../shared/images}
DEST=rules/images/sources
mkdir -p "$DEST"
[ -f "$DEST/MANIFEST.tsv" ] || head -1 "$SRC/MANIFEST.tsv" > "$DEST/MANIFEST.tsv"
for img in "$@"; do
  # Drop the image's old rows, then copy the current ones and their directories.
  awk -F'\t' -v i="$img" 'NR == 1 || $1 != i' "$DEST/MANIFEST.tsv" > "$DEST/MANIFEST.tsv.new"
  awk -F'\t' -v i="$img" '$1 == i' "$SRC/MANIFEST.tsv" | grep -v -i windows >> "$DEST/MANIFEST.tsv.new" || true
  mv "$DEST/MANIFEST.tsv.new" "$DEST/MANIFEST.tsv"
  awk -F'\t' -v i="$img" '$1 == i {print $8}' "$SRC/MANIFEST.tsv" | grep -v -i windows | sort -u | while read -r p; do
    mkdir -p "$DEST/$p"
    # Only the directory's own files (sub-directories are other rows).
    find "$SRC/$p" -maxdepth 1 -type f -exec cp -p {} "$DEST/$p/" \;
  done
done
