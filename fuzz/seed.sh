#!/bin/sh
# Fills fuzz/corpus/<target>/ (not committed) from the hand-written seeds
# in fuzz/seeds/<target>/ and from ../shared/corpus, which stays where it
# is: its README asks that its files not be copied into the project.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=${CORPUS:-$here/../../shared/corpus}
[ -d "$corpus" ] || corpus=/work/shared/corpus
[ -d "$corpus" ] || { echo "seed.sh: no shared corpus at $corpus" >&2; exit 1; }
for t in yaml lint_text dockerfile archive config; do
  mkdir -p "$here/corpus/$t"
  cp "$here/seeds/$t/"* "$here/corpus/$t/" 2>/dev/null || true
done
# Compose files and YAML snippets feed the YAML and load-and-lint targets,
# Dockerfiles the Dockerfile reader, .env files the lint target too.
awk -F'\t' 'NR > 1 { print $6 "\t" $4 }' "$corpus/MANIFEST.tsv" |
while IFS="$(printf '\t')" read -r kind path; do
  name=$(echo "$path" | tr '/' '_')
  case $kind in
    compose|inline-test-snippet)
      cp "$corpus/$path" "$here/corpus/yaml/$name"
      cp "$corpus/$path" "$here/corpus/lint_text/$name" ;;
    dockerfile) cp "$corpus/$path" "$here/corpus/dockerfile/$name" ;;
  esac
done
for t in yaml lint_text dockerfile archive config; do
  echo "$t: $(ls "$here/corpus/$t" | wc -l) seeds"
done
