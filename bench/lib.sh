# Shared by bench/compare.sh and bench/table.sh (sourced; run from the
# repository root). Sets BIN, SHARED, HYPERFINE, PEER, WORK and GEN.

PEER_VERSION=0.36.2

BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/compose-lint}
if [ ! -x "$BIN" ]; then
  echo "building the release binary..." >&2
  cargo build --release --locked >&2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# ../shared (the corpus and the real projects), read-only.
SHARED=${COMPOSE_LINT_SHARED:-}
for c in "$SHARED" ../shared /work/shared; do
  if [ -n "$c" ] && [ -d "$c/corpus" ]; then SHARED=$(cd "$c" && pwd); break; fi
done
[ -d "$SHARED/corpus" ] || SHARED=

WORK=$(mktemp -d "${TMPDIR:-/tmp}/compose-lint-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# hyperfine: the Debian package, installed when missing and possible.
HYPERFINE=$(command -v hyperfine || true)
if [ -z "$HYPERFINE" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing hyperfine (apt-get)..." >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q hyperfine >/dev/null 2>&1; } || true
  HYPERFINE=$(command -v hyperfine || true)
fi

# The PyPI compose-lint, pinned, in a venv reused by later runs.
PEER_DIR=${PEER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/compose-lint-bench/pypi-compose-lint-$PEER_VERSION}
PEER=
if [ -z "${NO_PEER:-}" ]; then
  if ! "$PEER_DIR/bin/compose-lint" --version 2>/dev/null | grep -qx "compose-lint $PEER_VERSION"; then
    echo "installing compose-lint==$PEER_VERSION from PyPI into $PEER_DIR..." >&2
    rm -rf "$PEER_DIR"
    mkdir -p "$(dirname "$PEER_DIR")"
    if python3 -m venv "$PEER_DIR" >&2 &&
      "$PEER_DIR/bin/pip" install -q --disable-pip-version-check "compose-lint==$PEER_VERSION" >&2; then
      :
    else
      echo "  (install failed: the peer is left out)" >&2
    fi
  fi
  if "$PEER_DIR/bin/compose-lint" --version 2>/dev/null | grep -qx "compose-lint $PEER_VERSION"; then
    PEER=$PEER_DIR/bin/compose-lint
  fi
fi

# Generated inputs (bench/gen.rs is std only), made on first use.
rustc --edition 2021 -O bench/gen.rs -o "$WORK/gen" 2>/dev/null
GEN=$WORK/gen
gen_once() { # CASE PATH
  [ -e "$2" ] || "$GEN" "$1" "$2"
}

# manifest_files DIR: its MANIFEST's distinct Compose files (kind=compose,
# no duplicate_of), flat copies, NUL-separated, relative to DIR's parent.
manifest_files() {
  awk -F'\t' -v d="$1" 'NR > 1 && $6 == "compose" && $11 == "" { print d "/" $4 }' "$1/MANIFEST.tsv" |
    while IFS= read -r f; do [ -f "$f" ] && printf '%s\0' "$f"; done
}

# q ARG...: one shell-words string (bench/interleave.py and hyperfine -N
# split it again).
q() { printf '%q ' "$@"; }

# hf RUNS NAME CMD [NAME CMD...]: the commands timed taking turns, RUNS
# rounds after one to warm up (each CMD one shell-words string, run without
# a shell; see bench/interleave.py); leaves $WORK/h.json, shaped as
# hyperfine's export. With HF_PAUSE=SECONDS, each run comes after that
# long idle.
hf() {
  local runs=$1
  shift
  python3 "$(dirname "${BASH_SOURCE[0]}")/interleave.py" ${HF_PAUSE:+--pause "$HF_PAUSE"} "$runs" "$WORK/h.json" "$@" 2>"$WORK/h.err" ||
    { cat "$WORK/h.err" >&2; return 1; }
}

# peak_rss COMMAND...: maximum resident set size in KB.
peak_rss() {
  # (the exit status is the linter's: 1 with findings)
  [ -x /usr/bin/time ] && { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null || true; } | tail -1
}
