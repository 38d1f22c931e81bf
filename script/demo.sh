#!/usr/bin/env bash
# Demo: build, mount a webfused filesystem and lend it a directory through
# webfuse-provider on loopback, show it working, then clean everything up.
# Usage: script/demo.sh [DIR]
# Without DIR a scratch copy of this repository's doc/ folder is lent and
# written through the mount; a DIR of yours is lent --read-only.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then
	lend=$(cd "$1" && pwd)
	mode=--read-only
else
	lend=""
	mode=""
fi
build="$top/build-demo"
port=${WEBFUSE_DEMO_PORT:-18765}

cmake -S "$top" -B "$build" -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target webfused webfuse-provider-cli \
	webfuse-token >/dev/null

work=$(mktemp -d /tmp/webfuse-demo.XXXXXX)
mnt="$work/mnt"
mkdir "$mnt"
if [ -z "$lend" ]; then
	lend="$work/lent"
	cp -a "$top/doc" "$lend"
fi
daemon=""
provider=""

cleanup() {
	[ -n "$provider" ] && kill "$provider" 2>/dev/null && wait "$provider" 2>/dev/null
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	if grep -q " $mnt " /proc/mounts; then
		fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt"
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# The provider authenticates with a token; the daemon keeps its hash only.
"$build/src/webfuse-token/webfuse-token" add "$work/tokens" demo \
	>"$work/demo.token"
"$build/src/webfused/webfused" -m "$mnt" --bind 127.0.0.1 --port "$port" \
	--timeout 5 --token-file "$work/tokens" &
daemon=$!
for _ in $(seq 50); do grep -q " $mnt " /proc/mounts && break; sleep 0.1; done

"$build/src/webfuse-provider/webfuse-provider" \
	-u "ws://127.0.0.1:$port/" -p "$lend" --token-file "$work/demo.token" \
	$mode &
provider=$!
for _ in $(seq 50); do [ -n "$(ls -A "$mnt")" ] && break; sleep 0.1; done

echo
echo "== $lend is lent to webfused and mounted at $mnt"
ls -la "$mnt"
echo
echo "== checksums: the lent directory, then the mount"
first=$(find "$lend" -maxdepth 1 -type f | head -n 1)
if [ -n "$first" ]; then
	sha256sum "$first" "$mnt/$(basename "$first")"
fi

if [ -z "$mode" ]; then
	echo
	echo "== writing through the mount: a file made there lands in $lend"
	date >"$mnt/written-through-the-mount.txt"
	mkdir "$mnt/new-dir"
	mv "$mnt/written-through-the-mount.txt" "$mnt/new-dir/"
	ls -l "$lend/new-dir"
	cmp "$mnt/new-dir/written-through-the-mount.txt" \
		"$lend/new-dir/written-through-the-mount.txt" && echo "same content"
fi

if [ -t 0 ]; then
	echo
	read -r -p "The mount stays up; explore $mnt in another shell. Press Enter to unmount. "
fi
