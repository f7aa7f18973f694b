#!/usr/bin/env bash
# Regenerates rules/images/base/debian-*.txt and ubuntu-*.txt: the root
# file systems that `debian:<suite>` and `ubuntu:<release>` start from, read
# from a real root that debootstrap builds out of the distribution's own
# packages (owners and modes as dpkg and the maintainer scripts leave them).
#
#   scripts/base-layouts.sh [SUITE...]      (default: bookworm trixie noble jammy)
#
# Needs root, debootstrap and the Debian / Ubuntu archives. Roots are kept
# in $ROOTS (default /tmp/compose-lint-roots) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOTS=${ROOTS:-/tmp/compose-lint-roots}
mkdir -p "$ROOTS"
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bookworm trixie noble jammy)
for s in "${suites[@]}"; do
  case "$s" in
    noble|jammy|focal|resolute)
      dist=ubuntu; mirror=http://archive.ubuntu.com/ubuntu
      extra=(--no-check-gpg) script=/usr/share/debootstrap/scripts/gutsy ;;
    *)
      dist=debian; mirror=http://deb.debian.org/debian; extra=() script= ;;
  esac
  root="$ROOTS/$s"
  if [ ! -x "$root/bin/sh" ]; then
    rm -rf "$root"
    debootstrap --variant=minbase "${extra[@]}" "$s" "$root" "$mirror" $script >"$ROOTS/$s.log" 2>&1
  fi
  tweaks=()
  case "$s" in
    noble|resolute)
      # The published image (ubuntu-base, not debootstrap) also has the
      # `ubuntu` user (1000:1000, home /home/ubuntu) since 23.04; what its
      # home and /var/lib hold is not taken from this root.
      tweaks=(--partial /home --partial /var/lib --partial /root
              --add "user ubuntu 1000 1000 /home/ubuntu" --add "group ubuntu 1000"
              --add "d - 1000:1000 /home/ubuntu") ;;
    jammy|focal)
      tweaks=(--partial /var/lib --partial /root) ;;
  esac
  python3 scripts/base-layout.py "$root" "${tweaks[@]}" \
    --name "$dist-$s" \
    --source "debootstrap $(debootstrap --version | awk '{print $2}') --variant=minbase $s $mirror" \
    > "rules/images/base/$dist-$s.txt"
  echo "rules/images/base/$dist-$s.txt: $(grep -c '^[dDfl]' "rules/images/base/$dist-$s.txt") entries"
done
