#!/usr/bin/env bash
# The device side of a firmware update from a lent image: waits until a
# provider (a browser, or webfuse-provider) lends IMAGE and IMAGE.sha256 in
# the webfuse mount, checks the image against the checksum, and, for a
# SquashFS image, mounts it from inside the webfuse mount with squashfuse
# and runs its install.sh (or lists it). The image is read where it lies:
# nothing is copied to the device.
#
# Usage: update.sh [--timeout SECONDS] MOUNTPOINT [IMAGE]
# IMAGE defaults to firmware.img. Exit status: 0 done; 1 usage or tools
# missing; 2 no image within the timeout; 3 checksum missing or wrong;
# 4 the image could not be mounted; 5 its install.sh failed.
set -euo pipefail

usage() {
	echo "Usage: update.sh [--timeout SECONDS] MOUNTPOINT [IMAGE]" >&2
	exit 1
}

timeout=300
while [ $# -gt 0 ]; do
	case $1 in
	--timeout)
		[ $# -ge 2 ] || usage
		timeout=$2
		shift 2
		;;
	-h | --help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] && [ $# -le 2 ] || usage
case $timeout in '' | *[!0-9]*) usage ;; esac
mnt=$1
name=${2:-firmware.img}
image="$mnt/$name"
sum="$image.sha256"
[ -d "$mnt" ] || {
	echo "update.sh: $mnt is not a directory" >&2
	exit 1
}

say() { echo "update.sh: $*"; }

say "waiting up to ${timeout}s for $name and $name.sha256 in $mnt"
deadline=$((SECONDS + timeout))
until [ -f "$image" ] && [ -f "$sum" ]; do
	if [ $SECONDS -ge $deadline ]; then
		say "no $name was lent within ${timeout}s" >&2
		exit 2
	fi
	sleep 0.5
done
say "found $name ($(stat -c %s "$image") bytes)"

# The checksum file is sha256sum's format: "HEX  NAME".
expected=$(head -c 200 "$sum" | awk 'NR == 1 { print tolower($1) }')
if ! [[ $expected =~ ^[0-9a-f]{64}$ ]]; then
	say "$name.sha256 holds no SHA-256 checksum" >&2
	exit 3
fi
actual=$(sha256sum <"$image" | awk '{ print $1 }')
if [ "$actual" != "$expected" ]; then
	say "checksum mismatch: $name is $actual, expected $expected;" \
		"nothing was installed" >&2
	exit 3
fi
say "checksum ok ($actual)"

if [ "$(head -c 4 "$image")" != "hsqs" ]; then
	say "$name is not a SquashFS image: verified, nothing to mount"
	exit 0
fi
command -v squashfuse >/dev/null || {
	say "needs squashfuse (apt-get install squashfuse)" >&2
	exit 1
}
root=$(mktemp -d "${TMPDIR:-/tmp}/firmware.XXXXXX")
cleanup() {
	if grep -q " $root " /proc/mounts; then
		fusermount3 -u "$root" 2>/dev/null || fusermount3 -uz "$root"
	fi
	rmdir "$root"
}
trap cleanup EXIT
if ! squashfuse -o ro "$image" "$root"; then
	say "cannot mount $name as SquashFS" >&2
	exit 4
fi
say "mounted $name at $root (read from the webfuse mount, not copied)"
if [ -f "$root/install.sh" ]; then
	say "running install.sh from the image"
	sh "$root/install.sh" || {
		say "install.sh of the image failed" >&2
		exit 5
	}
else
	say "the image holds:"
	ls -l "$root"
fi
say "done"
