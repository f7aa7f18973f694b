#!/usr/bin/env bash
# Whole-process timings of compose-lint against `docker-compose config -q`
# and any peer linter installed here, on the same inputs.
#
#   bench/compare.sh            # all cases
#   bench/compare.sh small big  # some of: small corpus corpus-all big repo
#
# Uses hyperfine when it is installed, else a loop timed with `date +%s%N`
# (best and mean of $RUNS runs). Installs nothing. Peers, when present:
#   docker-compose 1.29 (`docker-compose -f FILE config -q`)
#   PyPI compose-lint (`pip install compose-lint`; its command is also
#     called compose-lint, so it is looked for as $PEER_COMPOSE_LINT or the
#     `compose-lint` on PATH when that is not this project's binary)
#   npm dclint (`npm install -g dclint`; `dclint FILE`)
# Peers that take one project per run are timed over a loop of per-file
# runs; for the 10,000-project repository, over the first $REPO_SAMPLE
# projects, scaled up (said in the output).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
REPO_SAMPLE=${REPO_SAMPLE:-50}
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(small corpus corpus-all big repo)

BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/compose-lint}
if [ ! -x "$BIN" ]; then
  echo "building the release binary..." >&2
  cargo build --release --locked >&2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

CORPUS=${COMPOSE_LINT_CORPUS:-}
for c in "$CORPUS" ../shared/corpus /work/shared/corpus; do
  if [ -n "$c" ] && [ -d "$c" ]; then CORPUS=$(cd "$c" && pwd); break; fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/compose-lint-compare.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Generated inputs (bench/gen.rs is std-only).
rustc --edition 2021 -O bench/gen.rs -o "$WORK/gen" 2>/dev/null
"$WORK/gen" small "$WORK/small/compose.yaml"
"$WORK/gen" big "$WORK/big/compose.yaml"
"$WORK/gen" repo "$WORK/repo"

# Peers.
DC=$(command -v docker-compose || true)
DCLINT=$(command -v dclint || true)
PYCL=${PEER_COMPOSE_LINT:-}
if [ -z "$PYCL" ]; then
  cand=$(command -v compose-lint || true)
  if [ -n "$cand" ] && ! "$cand" --version 2>/dev/null | grep -q '^compose-lint 0\.1'; then
    PYCL=$cand
  fi
fi
HYPERFINE=$(command -v hyperfine || true)

echo "machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "compose-lint: $BIN ($("$BIN" --version))"
echo "peers: docker-compose=${DC:-absent} compose-lint(PyPI)=${PYCL:-absent} dclint=${DCLINT:-absent}"
[ -z "$PYCL" ] && echo "  (PyPI compose-lint: pip install compose-lint, then PEER_COMPOSE_LINT=\$(which compose-lint))"
[ -z "$DCLINT" ] && echo "  (dclint: npm install -g dclint)"
echo

# time_cmd NAME COMMAND...: prints best and mean wall time of $RUNS runs.
time_cmd() {
  local name=$1
  shift
  if [ -n "$HYPERFINE" ]; then
    hyperfine -N -i --warmup 1 --runs "$RUNS" --style basic --export-json "$WORK/h.json" \
      -n "$name" "$(printf '%q ' "$@")" >/dev/null 2>&1 || true
    python3 - "$WORK/h.json" "$name" <<'EOF' 2>/dev/null || hyperfine -N -i --runs "$RUNS" "$(printf '%q ' "$@")"
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(f"  {sys.argv[2]:<34} best {r['min']*1000:9.1f} ms   mean {r['mean']*1000:9.1f} ms ± {r['stddev']*1000:.1f}")
EOF
  else
    local best=0 total=0 i t0 t1 d
    for ((i = 0; i < RUNS; i++)); do
      t0=$(date +%s%N)
      "$@" >/dev/null 2>&1 || true
      t1=$(date +%s%N)
      d=$(((t1 - t0) / 1000))
      total=$((total + d))
      if [ "$best" -eq 0 ] || [ "$d" -lt "$best" ]; then best=$d; fi
    done
    printf '  %-34s best %9.1f ms   mean %9.1f ms\n' "$name" "$(echo "$best/1000" | bc -l)" "$(echo "$total/$RUNS/1000" | bc -l)"
  fi
}

# Runs a peer once per file of a list (one project per process).
each() {
  local list=$1
  shift
  while IFS= read -r -d '' f; do "$@" "$f" >/dev/null 2>&1 || true; done <"$list"
}
dc_one() { "$DC" -f "$1" config -q; }
export DC
export -f each dc_one

peak_rss() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1
  fi
}

for case in "${CASES[@]}"; do
  case $case in
    small)
      f=$WORK/small/compose.yaml
      echo "small: one small file (RocketMQ shape)"
      time_cmd "compose-lint" "$BIN" "$f"
      time_cmd "compose-lint --version" "$BIN" --version
      [ -n "$DC" ] && time_cmd "docker-compose config -q" "$DC" -f "$f" config -q
      [ -n "$PYCL" ] && time_cmd "compose-lint (PyPI)" "$PYCL" "$f"
      [ -n "$DCLINT" ] && time_cmd "dclint" "$DCLINT" "$f"
      ;;
    corpus)
      [ -z "$CORPUS" ] && { echo "corpus: not found (set COMPOSE_LINT_CORPUS)"; continue; }
      "$BIN" --format json "$CORPUS" >"$WORK/c.json" 2>/dev/null || true
      n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files_checked"])' "$WORK/c.json" 2>/dev/null || echo "?")
      echo "corpus: compose-lint $CORPUS (the $n Compose-named files a directory walk finds)"
      time_cmd "compose-lint DIR" "$BIN" "$CORPUS"
      find "$CORPUS" -type f \( -name 'compose*.y*ml' -o -name 'docker-compose*.y*ml' \) -print0 | sort -z >"$WORK/corpus.list"
      [ -n "$DC" ] && time_cmd "docker-compose config -q, per file" bash -c "each $WORK/corpus.list dc_one"
      [ -n "$PYCL" ] && time_cmd "compose-lint (PyPI), per file" bash -c "each $WORK/corpus.list $PYCL"
      [ -n "$DCLINT" ] && time_cmd "dclint DIR" "$DCLINT" -r "$CORPUS"
      ;;
    corpus-all)
      [ -z "$CORPUS" ] && continue
      find "$CORPUS" -type f \( -name '*.yml' -o -name '*.yaml' \) -print0 | sort -z >"$WORK/all.list"
      mapfile -d '' all <"$WORK/all.list"
      echo "corpus-all: every .yml/.yaml file in the corpus (${#all[@]}) named on one command line"
      time_cmd "compose-lint FILES..." "$BIN" "${all[@]}"
      echo "  (peers: one process per file, see the corpus case)"
      ;;
    big)
      f=$WORK/big/compose.yaml
      echo "big: one generated file, $(wc -c <"$f") bytes, $(grep -c '^  svc-' "$f") services with anchors and <<"
      time_cmd "compose-lint" "$BIN" "$f"
      echo "  compose-lint peak RSS: $(peak_rss "$BIN" "$f") KB"
      [ -n "$DC" ] && time_cmd "docker-compose config -q" "$DC" -f "$f" config -q
      [ -n "$PYCL" ] && time_cmd "compose-lint (PyPI)" "$PYCL" "$f"
      [ -n "$DCLINT" ] && time_cmd "dclint" "$DCLINT" "$f"
      ;;
    repo)
      echo "repo: 10,000 generated small projects"
      time_cmd "compose-lint DIR" "$BIN" "$WORK/repo"
      find "$WORK/repo" -type f \( -name 'compose.yaml' -o -name 'docker-compose.yml' \) -print0 | sort -z | head -z -n "$REPO_SAMPLE" >"$WORK/repo.list"
      if [ -n "$DC" ]; then
        time_cmd "docker-compose, $REPO_SAMPLE projects" bash -c "each $WORK/repo.list dc_one"
        echo "  (docker-compose over all 10,000: about $((10000 / REPO_SAMPLE))x that)"
      fi
      [ -n "$PYCL" ] && time_cmd "compose-lint (PyPI), $REPO_SAMPLE projects" bash -c "each $WORK/repo.list $PYCL"
      ;;
    *) echo "unknown case $case (small corpus corpus-all big repo)" >&2; exit 2 ;;
  esac
  echo
done
