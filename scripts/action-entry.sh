#!/usr/bin/env bash
# The GitHub Action's entry point (action.yml runs it): lints the paths of
# the workspace, prints the findings (as workflow-command annotations by
# default), writes a SARIF file for code scanning when asked, and sets the
# step's outputs.
#
# Inputs, as the runner passes them, in the environment:
#   INPUT_PATHS         paths to lint, relative to the workspace, separated by
#                       spaces or newlines (default: .)
#   INPUT_FORMAT        report format printed to the log (default: github)
#   INPUT_FAIL_ON       error | warning | info | never (default: the config's,
#                       else warning); the runner's own spelling
#                       INPUT_FAIL-ON is read as well
#   INPUT_CONFIG        a compose-lint.toml to use instead of the search
#   INPUT_UPLOAD_SARIF  true: also write INPUT_SARIF_FILE (INPUT_UPLOAD-SARIF)
#   INPUT_SARIF_FILE    default compose-lint.sarif (INPUT_SARIF-FILE)
#   INPUT_IMAGE         run this container image instead of a binary
#   GITHUB_WORKSPACE    the checkout (default: the current directory)
#   GITHUB_OUTPUT       the file the step's outputs are appended to
#   COMPOSE_LINT_BIN    the binary (default: compose-lint on PATH)
#
# Outputs: exit-code (0 clean, 1 findings at fail-on, 2 could not lint) and
# sarif-file (when written). The script exits with compose-lint's status.
set -uo pipefail
set -f # paths are never globbed here: compose-lint walks directories itself

# An input by its name, in the runner's spelling (INPUT_FAIL-ON, which a
# shell cannot name) or with underscores.
input() {
  local upper
  upper=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]')
  local dashed="INPUT_$upper" underscored="INPUT_${upper//-/_}"
  if [ -n "$(printenv "$dashed" 2>/dev/null)" ]; then
    printenv "$dashed"
  else
    printenv "$underscored" 2>/dev/null || true
  fi
}

# A line for the log that the runner reads as a workflow command. Our own
# text only: what compose-lint prints from linted files is sanitized by it.
command_error() { printf '::error title=compose-lint::%s\n' "$1"; }

set_output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"
  fi
}

paths_in=$(input paths)
format=$(input format)
fail_on=$(input fail-on)
config=$(input config)
upload_sarif=$(input upload-sarif)
sarif_file=$(input sarif-file)
image=$(input image)
format=${format:-github}
sarif_file=${sarif_file:-compose-lint.sarif}
workspace=${GITHUB_WORKSPACE:-$PWD}

cd "$workspace" || { command_error "GITHUB_WORKSPACE ($workspace) is not a directory"; set_output exit-code 2; exit 2; }

read -r -d '' -a paths <<< "$paths_in"
[ "${#paths[@]}" -gt 0 ] || paths=(.)

case "$upload_sarif" in
  true | True | TRUE | 1 | yes) upload_sarif=true ;;
  '' | false | False | FALSE | 0 | no) upload_sarif=false ;;
  *) command_error "upload-sarif must be true or false, not \`$upload_sarif\`"; set_output exit-code 2; exit 2 ;;
esac

# compose-lint itself: a binary, or the image with the workspace mounted at
# /src (run as the runner's user, so that the SARIF file it writes belongs
# to the job).
run() {
  if [ -n "$image" ]; then
    docker run --rm --network none --user "$(id -u):$(id -g)" \
      -v "$workspace:/src" -w /src "$image" "$@"
  else
    "${COMPOSE_LINT_BIN:-compose-lint}" "$@"
  fi
}

common=()
[ -n "$fail_on" ] && common+=(--fail-on "$fail_on")
[ -n "$config" ] && common+=(--config "$config")

echo "compose-lint ${common[*]:+${common[*]} }--format $format ${paths[*]}"
run "${common[@]}" --format "$format" -- "${paths[@]}"
status=$?

if [ "$upload_sarif" = true ] && [ "$status" -ne 2 ]; then
  # The same findings for code scanning; the status is the first run's.
  mkdir -p "$(dirname -- "$sarif_file")"
  run "${common[@]}" --format sarif --output "$sarif_file" -- "${paths[@]}"
  sarif_status=$?
  if [ "$sarif_status" -eq 2 ] || [ ! -s "$sarif_file" ]; then
    command_error "could not write the SARIF file $sarif_file (exit $sarif_status)"
    status=2
  else
    set_output sarif-file "$sarif_file"
  fi
fi

case "$status" in
  0) ;;
  1) echo "compose-lint found problems at or above --fail-on (exit 1)" ;;
  *) command_error "compose-lint could not lint the paths (exit $status); see the messages above"; status=2 ;;
esac
set_output exit-code "$status"
exit "$status"
