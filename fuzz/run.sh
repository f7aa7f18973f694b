#!/bin/sh
# Runs one fuzz target for a time (default 10 minutes): fuzz/run.sh <target> [seconds]
# Builds with the nightly toolchain, no sanitizer (safe Rust; more
# executions per second), debug assertions on (overflow checks).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
t=$1; secs=${2:-600}
cd "$here"
[ -d "corpus/$t" ] || ./seed.sh
mkdir -p "artifacts/$t"
exec cargo +nightly fuzz run -O -a --sanitizer none "$t" "corpus/$t" -- \
  -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="artifacts/$t/"
