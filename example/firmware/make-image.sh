#!/usr/bin/env bash
# Builds a demo firmware image for update.sh: a SquashFS image holding a
# VERSION file, an install.sh and a payload of SIZE MiB of random bytes
# (incompressible, so the image really is that big), and beside it the
# checksum file that update.sh verifies the image against.
# Usage: make-image.sh OUTDIR [SIZE_MIB] [VERSION]
# Writes OUTDIR/firmware.img and OUTDIR/firmware.img.sha256.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 3 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
	echo "Usage: $0 OUTDIR [SIZE_MIB] [VERSION]" >&2
	echo "Builds OUTDIR/firmware.img (SquashFS) and firmware.img.sha256." >&2
	exit 2
fi
out=$1
size=${2:-64}
version=${3:-1.0.0}
case $size in
'' | *[!0-9]*)
	echo "make-image.sh: SIZE_MIB must be a whole number, not '$size'" >&2
	exit 2
	;;
esac
command -v mksquashfs >/dev/null || {
	echo "make-image.sh: needs mksquashfs (apt-get install squashfs-tools)" >&2
	exit 1
}

mkdir -p "$out"
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir "$tree/payload"
echo "$version" >"$tree/VERSION"
head -c "$((size << 20))" /dev/urandom >"$tree/payload/rootfs.bin"
(cd "$tree/payload" && sha256sum rootfs.bin >../payload.sha256)
cat >"$tree/install.sh" <<'INSTALL'
#!/bin/sh
# Runs from inside the mounted image: checks the payload and says what an
# installer would write. A real one would copy rootfs.bin to the update
# partition here; this demo writes nothing.
set -eu
root=$(dirname "$0")
cd "$root/payload"
sha256sum -c --quiet ../payload.sha256
echo "firmware $(cat ../VERSION): payload verified," \
	"$(wc -c <rootfs.bin) bytes ready to install"
INSTALL
chmod 755 "$tree/install.sh"

rm -f "$out/firmware.img"
mksquashfs "$tree" "$out/firmware.img" -all-root -noappend -quiet >/dev/null
(cd "$out" && sha256sum firmware.img >firmware.img.sha256)
echo "built $out/firmware.img ($(wc -c <"$out/firmware.img") bytes," \
	"version $version) and firmware.img.sha256"
