#!/usr/bin/env bash
# Whole-process timings of compose-lint against the PyPI compose-lint 0.36.2
# (the fastest peer that takes many files in one process), on the same
# inputs, in the same hyperfine run, with the ratio.
#
#   bench/compare.sh                 # all cases
#   bench/compare.sh real big        # some of: real corpus realworld small big plain repo
#
# Cases:
#   real       every distinct Compose file of ../shared/corpus and
#              ../shared/realworld (the `kind=compose` rows of both MANIFESTs
#              without a `duplicate_of`, their flat copies under files/),
#              named on ONE command line: both tools lint them in one process
#   corpus     the same, ../shared/corpus only
#   realworld  the same, ../shared/realworld only
#   small      one small file (the RocketMQ shape)
#   big        a generated 5 MB file, 6,896 services, anchors and `<<`
#   plain      a generated 2.4 MB file, 7,000 plain services, no findings
#   repo       10,000 generated small projects (ours: the directory; the
#              peer: every project's compose file named on one command line)
#
# The PyPI compose-lint is installed from PyPI, pinned to 0.36.2, into a venv
# under $PEER_DIR (default ~/.cache/compose-lint-bench/pypi-compose-lint-0.36.2),
# reused by later runs. It is called as `compose-lint check --format json
# FILE...`: one process over all the files (it takes many; it merges a
# compose.override beside each file as Compose does, and exits 1 or 2 on
# findings and refused files, which is ignored here). Our binary is called as
# `compose-lint --format json FILE...` (or DIR for `repo`).
#
# Timing: hyperfine (Debian package `hyperfine`; installed with apt-get when
# missing and run as root, else a loop timed with `date +%s%N`). Both commands
# of a case run in the same hyperfine invocation; the ratio is printed for the
# mean wall time and for the CPU time (user + system), which stays meaningful
# when other work loads the machine. The load average is printed per case.
#
# Environment: RUNS (default 10), PEER_RUNS (default 3), BIN, PEER_DIR,
# NO_PEER=1 (skip the PyPI install and the peer), COMPOSE_LINT_SHARED
# (default ../shared or /work/shared).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-10}
PEER_RUNS=${PEER_RUNS:-3}
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(real corpus realworld small big plain repo)

# shellcheck source=bench/lib.sh
. bench/lib.sh

echo "machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
echo "compose-lint: $BIN ($("$BIN" --version))"
echo "peer: ${PEER:-absent} ${PEER:+($("$PEER" --version))}"
echo "timer: ${HYPERFINE:-date loop (install hyperfine for spreads and ratios)}"
echo

# compare NAME OURS_ARGS_FILE PEER_ARGS_FILE: both commands in one
# hyperfine run (the argument files hold NUL-separated arguments).
compare() {
  local name=$1 ours=$2 peer=$3
  local -a oa pa
  mapfile -d '' oa <"$ours"
  [ -n "$PEER" ] && [ -n "$peer" ] && mapfile -d '' pa <"$peer"
  echo "  load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ -n "$HYPERFINE" ]; then
    local -a cmds=(-n "compose-lint (ours)" "$(q "$BIN" --format json "${oa[@]}")")
    if [ ${#pa[@]} -gt 0 ]; then
      local pcmd
      pcmd=$(q "$PEER" check --format json "${pa[@]}")
      # hyperfine hands a command to exec as one string, and Linux takes
      # no single argument over 128 KB: a longer file list (the 10,000
      # projects) goes through xargs, in one process all the same.
      if [ ${#pcmd} -gt 120000 ]; then
        pcmd=$(q xargs -0 -s 1900000 -a "$peer" "$PEER" check --format json)
      fi
      cmds+=(-n "compose-lint $PEER_VERSION (PyPI)" "$pcmd")
    fi
    # hyperfine takes one run count per invocation: with the peer in the
    # case, both run PEER_RUNS times.
    local runs=$RUNS
    [ ${#pa[@]} -gt 0 ] && [ "$PEER_RUNS" -lt "$runs" ] && runs=$PEER_RUNS
    hyperfine -N -i --warmup 1 --runs "$runs" --style none --export-json "$WORK/h.json" "${cmds[@]}" >/dev/null 2>"$WORK/h.err" ||
      { cat "$WORK/h.err" >&2; return 0; }
    python3 - "$WORK/h.json" <<'EOF'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
for r in rs:
    cpu = r["user"] + r["system"]
    print(f"  {r['command']:<28} mean {r['mean']*1000:9.1f} ms ± {(r['stddev'] or 0)*1000:6.1f}   "
          f"min {r['min']*1000:9.1f} ms   cpu {cpu*1000:9.1f} ms   ({len(r['times'])} runs)")
if len(rs) == 2:
    a, b = rs
    print(f"  ratio: ours is {b['mean']/a['mean']:.1f}x faster (mean wall), "
          f"{b['min']/a['min']:.1f}x (best wall), "
          f"{(b['user']+b['system'])/(a['user']+a['system']):.1f}x (CPU time)")
EOF
  else
    time_loop "compose-lint (ours)" "$RUNS" "$BIN" --format json "${oa[@]}"
    [ ${#pa[@]} -gt 0 ] && time_loop "compose-lint $PEER_VERSION (PyPI)" "$PEER_RUNS" "$PEER" check --format json "${pa[@]}"
  fi
  return 0
}

time_loop() { # NAME RUNS COMMAND...
  local name=$1 runs=$2 best=0 total=0 i t0 t1 d
  shift 2
  for ((i = 0; i < runs; i++)); do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    d=$(((t1 - t0) / 1000))
    total=$((total + d))
    if [ "$best" -eq 0 ] || [ "$d" -lt "$best" ]; then best=$d; fi
  done
  printf '  %-28s best %9.1f ms   mean %9.1f ms\n' "$name" "$(echo "$best/1000" | bc -l)" "$(echo "$total/$runs/1000" | bc -l)"
}

for case in "${CASES[@]}"; do
  case $case in
    real | corpus | realworld)
      [ -z "$SHARED" ] && { echo "$case: ../shared not found (set COMPOSE_LINT_SHARED)"; continue; }
      # Absolute paths, run from this repository: each file's folder is
      # its repository (../shared is not one project).
      : >"$WORK/list"
      {
        if [ "$case" != realworld ]; then (cd "$SHARED" && manifest_files corpus); fi
        if [ "$case" != corpus ]; then (cd "$SHARED" && manifest_files realworld); fi
      } | while IFS= read -r -d '' f; do printf '%s\0' "$SHARED/$f"; done >"$WORK/list"
      n=$(tr -cd '\0' <"$WORK/list" | wc -c)
      echo "$case: $n distinct Compose files ($( [ "$case" = real ] && echo "corpus and realworld" || echo "$case"), MANIFEST kind=compose), named by absolute path, one process each"
      compare "$case" "$WORK/list" "$WORK/list"
      ;;
    small)
      f=$WORK/small/compose.yaml
      gen_once small "$f"
      printf '%s\0' "$f" >"$WORK/list"
      echo "small: one small file (RocketMQ shape)"
      compare small "$WORK/list" "$WORK/list"
      ;;
    big | plain)
      f=$WORK/$case/compose.yaml
      gen_once "$case" "$f"
      printf '%s\0' "$f" >"$WORK/list"
      echo "$case: one generated file, $(wc -c <"$f") bytes, $(grep -c '^  svc-' "$f") services"
      echo "  compose-lint peak RSS: $(peak_rss "$BIN" "$f") KB"
      compare "$case" "$WORK/list" "$WORK/list"
      ;;
    repo)
      gen_once repo "$WORK/repo"
      printf '%s\0' "$WORK/repo" >"$WORK/ours"
      find "$WORK/repo" -type f \( -name 'compose.yaml' -o -name 'docker-compose.yml' \) -print0 | sort -z >"$WORK/list"
      echo "repo: 10,000 generated small projects (ours: the directory; the peer: the $(tr -cd '\0' <"$WORK/list" | wc -c) compose files on one command line)"
      compare repo "$WORK/ours" "$WORK/list"
      ;;
    *) echo "unknown case $case (real corpus realworld small big plain repo)" >&2; exit 2 ;;
  esac
  echo
done
