#!/usr/bin/env bash
# Prints the rows of the README's performance table, each figure measured
# side by side with what it is compared to (the PyPI compose-lint 0.36.2,
# the bare YAML event parse, or loading alone): the commands of a row take
# turns, run after run (bench/interleave.py), so that a slow minute of the
# host falls on both sides of a ratio. The table can be re-measured on an
# idle machine in a few minutes.
#
#   bench/table.sh            # about 3 minutes on 2 idle cores
#
# Needs the release binary and the `floor` example (built when missing),
# python3, and ../shared for the real files. RUNS (default 20) and
# PEER_RUNS (default 10) set the run counts.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-20}
PEER_RUNS=${PEER_RUNS:-10}

# shellcheck source=bench/lib.sh
. bench/lib.sh

FLOOR=${FLOOR:-${CARGO_TARGET_DIR:-target}/release/examples/floor}
if [ ! -x "$FLOOR" ]; then
  echo "building the floor example..." >&2
  cargo build --release --locked --example floor >&2
fi
FLOOR=$(cd "$(dirname "$FLOOR")" && pwd)/$(basename "$FLOOR")

# stats: one line per command of the last hf run: NAME<TAB>median_s<TAB>spread_s<TAB>cpu_s.
# The median, and half the interquartile range as its spread: on a shared
# virtual machine a few runs in twenty take twice as long (the host takes
# the core away), which moves a mean and a standard deviation far more
# than the run-to-run variation of the program itself. CPU time (user +
# system) is the mean over the runs.
stats() {
  python3 - "$WORK/h.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    t = sorted(r["times"])
    q = lambda f: t[min(len(t) - 1, int(f * (len(t) - 1) + 0.5))]
    print(f"{r['command']}\t{r['median']}\t{(q(0.75) - q(0.25)) / 2}\t{r['user'] + r['system']}")
EOF
}
# fmt SECONDS: "12.3 ms" or "1.23 s".
fmt() {
  python3 -c "import sys; s=float(sys.argv[1]); print(f'{s*1000:.1f} ms' if s < 1 else f'{s:.2f} s')" "$1"
}
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }
# row_of NAME: "median spread cpu" of that command in the last run.
row_of() { stats | awk -F'\t' -v n="$1" '$1 == n { print $2, $3, $4 }'; }

echo "machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1); load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "compose-lint $("$BIN" --version | awk '{print $2}'), $(date -u +%Y-%m-%d), runs taking turns (bench/interleave.py), release build" >&2
echo
echo "| work | compose-lint | measured in the same run | ratio | target |"
echo "|---|---|---|---|---|"

# 1. The real files, one process each, against the PyPI compose-lint.
# Absolute paths, from this repository: a file is linted with its own
# folder as its repository (as the peer reads it), not ../shared as one.
if [ -n "$SHARED" ]; then
  (cd "$SHARED" && { manifest_files corpus; manifest_files realworld; }) |
    while IFS= read -r -d '' f; do printf '%s\0' "$SHARED/$f"; done >"$WORK/real.list"
  mapfile -d '' real <"$WORK/real.list"
  n=${#real[@]}
  if [ -n "$PEER" ]; then
    hf "$PEER_RUNS" ours "$(q "$BIN" --format json "${real[@]}")" \
      peer "$(q "$PEER" check --format json "${real[@]}")"
    read -r om os oc < <(row_of ours)
    real_om=$om
    read -r pm ps pc < <(row_of peer)
    echo "| $n real Compose files (corpus and realworld), one process | $(fmt "$om") ± $(fmt "$os") | PyPI compose-lint $PEER_VERSION: $(fmt "$pm") ± $(fmt "$ps") | $(ratio "$pm" "$om")× faster (CPU time: $(ratio "$pc" "$oc")×) | ≥ 50× |"
  else
    hf "$RUNS" ours "$(q "$BIN" --format json "${real[@]}")" floor "$(q "$FLOOR" "${real[@]}")"
    read -r om os oc < <(row_of ours)
    real_om=$om
    read -r fm fs fc < <(row_of floor)
    echo "| $n real Compose files, one process | $(fmt "$om") ± $(fmt "$os") | (PyPI compose-lint not installed) bare event parse: $(fmt "$fm") | $(ratio "$om" "$fm")× the parse | ≥ 50× the peer |"
  fi
fi

# 2 and 3. The 5 MB file: loading against the parse; all rules against loading.
big=$WORK/big/compose.yaml
gen_once big "$big"
hf "$RUNS" floor "$(q "$FLOOR" "$big")" load "$(q "$BIN" --select P101 "$big")" all "$(q "$BIN" "$big")" all-json "$(q "$BIN" --format json "$big")"
read -r fm fs _ < <(row_of floor)
read -r lm ls _ < <(row_of load)
read -r am as _ < <(row_of all)
read -r jm js _ < <(row_of all-json)
rss=$(peak_rss "$BIN" --select P101 "$big")
rss_all=$(peak_rss "$BIN" "$big")
findings=$({ "$BIN" --format json "$big" 2>/dev/null || true; } | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["diagnostics"]))' 2>/dev/null || echo "?")
services=$(grep -c '^  svc-' "$big")
echo "| 5 MB file, $services services, loading only (\`--select P101\`) | $(fmt "$lm") ± $(fmt "$ls"), $((rss / 1024)) MB peak RSS | bare event parse: $(fmt "$fm") ± $(fmt "$fs") | $(ratio "$lm" "$fm")× the parse | ≤ 1.5× the parse, ≤ 100 MB |"
echo "| the same file, all rules ($findings findings) | $(fmt "$am") ± $(fmt "$as") (human), $(fmt "$jm") (JSON); $((rss_all / 1024)) MB | loading only: $(fmt "$lm") | rules and report: $(fmt "$(python3 -c "print($am-$lm)")") | ≤ 0.4 s in all |"

# 4. The plain file: all rules against loading.
plain=$WORK/plain/compose.yaml
gen_once plain "$plain"
hf "$RUNS" floor "$(q "$FLOOR" "$plain")" load "$(q "$BIN" --select P101 "$plain")" all "$(q "$BIN" "$plain")"
read -r fm _ _ < <(row_of floor)
read -r lm ls _ < <(row_of load)
read -r am as _ < <(row_of all)
pf=$({ "$BIN" --format json "$plain" 2>/dev/null || true; } | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["diagnostics"]))' 2>/dev/null || echo "?")
echo "| 2.4 MB file, 7,000 plain services ($pf findings), all rules | $(fmt "$am") ± $(fmt "$as") | loading only: $(fmt "$lm") ± $(fmt "$ls") (parse: $(fmt "$fm")) | $(ratio "$am" "$lm")× loading | ≤ 1.2× loading |"

# 5. 10,000 small projects, against the parse of the same files.
repo=$WORK/repo
gen_once repo "$repo"
hf 10 ours "$(q "$BIN" "$repo")" floor "$(q "$FLOOR" "$repo")"
read -r om os oc < <(row_of ours)
read -r fm fs _ < <(row_of floor)
echo "| 10,000 small projects (a directory) | $(fmt "$om") ± $(fmt "$os") (CPU $(fmt "$oc")) | bare event parse of the same files: $(fmt "$fm") ± $(fmt "$fs") | $(ratio "$om" "$fm")× the parse | ≤ 0.5 s |"

# 6. One small file: start-up.
small=$WORK/small/compose.yaml
gen_once small "$small"
hf 30 ours "$(q "$BIN" "$small")" version "$(q "$BIN" --version)" floor "$(q "$FLOOR" "$small")"
read -r om os _ < <(row_of ours)
read -r vm _ _ < <(row_of version)
read -r fm _ _ < <(row_of floor)
echo "| one small file | $(fmt "$om") ± $(fmt "$os") | \`--version\`: $(fmt "$vm"); bare parse: $(fmt "$fm") | | no thread start-up |"

# 7. The same small file, and the real files, each run after 3 seconds
# idle: a user's run (a pre-commit hook, a CI step) comes after a pause,
# and on a virtual machine the memory it touches first can cost several
# times what it costs right after another run (decision 0033).
cases=(small "$(q "$BIN" "$small")")
if [ -n "$SHARED" ]; then
  cases+=(real "$(q "$BIN" --format json "${real[@]}")")
fi
HF_PAUSE=3 hf 8 "${cases[@]}"
read -r pm ps _ < <(row_of small)
echo "| one small file, run after 3 s idle | $(fmt "$pm") ± $(fmt "$ps") | back to back: $(fmt "$om") | | |"
if [ -n "$SHARED" ]; then
  read -r rm rs _ < <(row_of real)
  echo "| the $n real files, run after 3 s idle | $(fmt "$rm") ± $(fmt "$rs") | back to back: $(fmt "$real_om") | | |"
fi
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
