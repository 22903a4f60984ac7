#!/bin/sh
# Install the Debian packages listed in the given files (one package a line;
# default: tools/debian-packages-demo.txt and tools/debian-packages.txt) when
# they are missing. As root this runs apt-get itself; otherwise it prints the command to
# run and fails, so a missing package is never discovered halfway through.
set -eu
here=$(dirname "$0")
[ $# -gt 0 ] || set -- "$here/debian-packages-demo.txt" "$here/debian-packages.txt"
missing=""
for list in "$@"; do
    while read -r pkg; do
        case "$pkg" in ""|"#"*) continue ;; esac
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            missing="$missing $pkg"
        fi
    done < "$list"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages:$missing" >&2
    echo "Run as root first: apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -q --no-install-recommends $missing
