#!/usr/bin/env bash
# Proves that a speed change changes no output: records everything a binary
# prints on the benchmark inputs and on every shared project, then compares
# another binary's output with that record byte for byte.
#
#   bench/same.sh record DIR [BIN]   # DIR gets one file per case
#   bench/same.sh check DIR [BIN]    # one line per case: same / DIFFERS
#
# BIN defaults to target/release/compose-lint. The cases:
#   real.json, real.human  the distinct Compose files of the corpus and
#                          realworld MANIFESTs, absolute paths, one process
#   repo.json, repo.human  the 10,000 generated projects, folder mode
#   big.json, big.sarif    the generated 5 MB file
#   plain.human            the generated file of 7,000 plain services
#   rw-check.txt           `compose-lint .` inside every shared project
#   rw-files.txt           each project's Compose files linted alone, from
#                          the project's root and from the file's folder
# with each run's exit status. Needs ../shared (or COMPOSE_LINT_SHARED).
# The generated inputs are kept in ${SAME_INPUTS:-/tmp/compose-lint-same}.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
dir=${2:-}
BIN=${3:-target/release/compose-lint}
case "$mode" in record | check) ;; *) echo "usage: bench/same.sh record|check DIR [BIN]" >&2; exit 2 ;; esac
[ -n "$dir" ] || { echo "bench/same.sh: name a DIR" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
[ -x "$BIN" ] || { echo "bench/same.sh: no binary at $BIN" >&2; exit 2; }

SHARED=${COMPOSE_LINT_SHARED:-}
for c in "$SHARED" ../shared /work/shared; do
  if [ -n "$c" ] && [ -d "$c/corpus" ]; then SHARED=$(cd "$c" && pwd); break; fi
done
[ -d "$SHARED/corpus" ] || { echo "bench/same.sh: ../shared not found" >&2; exit 2; }

IN=${SAME_INPUTS:-/tmp/compose-lint-same}
mkdir -p "$IN"
if [ ! -x "$IN/gen" ]; then rustc --edition 2021 -O bench/gen.rs -o "$IN/gen"; fi
for c in big plain; do [ -e "$IN/$c/compose.yaml" ] || { mkdir -p "$IN/$c" && "$IN/gen" "$c" "$IN/$c/compose.yaml"; }; done
[ -e "$IN/repo" ] || "$IN/gen" repo "$IN/repo"

out=$(mktemp -d "${TMPDIR:-/tmp}/compose-lint-same.XXXXXX")
trap 'rm -rf "$out"' EXIT

# The real files: absolute paths, as bench/table.sh gives them.
mapfile -d '' real < <(for d in corpus realworld; do
  awk -F'\t' -v d="$d" 'NR > 1 && $6 == "compose" && $11 == "" { print d "/" $4 }' "$SHARED/$d/MANIFEST.tsv" |
    while IFS= read -r f; do [ -f "$SHARED/$f" ] && printf '%s\0' "$SHARED/$f"; done
done)

run() { # NAME ARGS...: stdout, then the exit status, into $out/NAME
  local name=$1 rc=0
  shift
  "$BIN" "$@" >"$out/$name" 2>&1 || rc=$?
  echo "exit $rc" >>"$out/$name"
}
run real.json --format json "${real[@]}"
run real.human --color never "${real[@]}"
(cd "$IN/repo" && run repo.json --format json .)
(cd "$IN/repo" && run repo.human --color never .)
run big.json --format json "$IN/big/compose.yaml"
run big.sarif --format sarif "$IN/big/compose.yaml"
run plain.human --color never "$IN/plain/compose.yaml"

for p in "$SHARED"/realworld/projects/*/ "$SHARED"/corpus/projects/*/; do
  p=${p%/}
  echo "== ${p#"$SHARED"/}"
  (cd "$p" && "$BIN" --color never . 2>&1; echo "exit $?") || true
done >"$out/rw-check.txt"

for d in corpus realworld; do
  awk -F'\t' 'NR > 1 && $6 == "compose" && $13 != "" { print $13 }' "$SHARED/$d/MANIFEST.tsv" |
    while IFS= read -r rel; do
      f=$SHARED/$d/$rel
      [ -f "$f" ] || continue
      root=$SHARED/$d/$(echo "$rel" | cut -d/ -f1-2)
      echo "== $d/$rel from the project root"
      (cd "$root" && "$BIN" --color never "${f#"$root"/}" 2>&1; echo "exit $?") || true
      echo "== $d/$rel from its folder"
      (cd "$(dirname "$f")" && "$BIN" --color never "$(basename "$f")" 2>&1; echo "exit $?") || true
    done
done >"$out/rw-files.txt"

if [ "$mode" = record ]; then
  mkdir -p "$dir"
  cp "$out"/* "$dir"/
  echo "recorded $(ls "$out" | wc -l) cases in $dir"
else
  status=0
  for f in "$out"/*; do
    n=$(basename "$f")
    if cmp -s "$f" "$dir/$n"; then echo "$n: same"; else echo "$n: DIFFERS"; status=1; fi
  done
  exit $status
fi
