#!/usr/bin/env bash
# Benchmark of webfuse against sshfs (over loopback) and bindfs, in one run:
#   script/bench.sh [--runs N] [--big-mib N] [--stream-gib N] ...
# Installs the peers (sshfs, openssh-server, bindfs) as root, builds
# webfuse optimized, and runs script/bench.py with the
# given options (script/bench.py --help). doc/benchmark.md explains it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "bench.sh: must run as root (apt-get, mounts, sshd)" >&2
	exit 1
fi
missing=()
for tool in sshfs bindfs /usr/sbin/sshd ssh-keygen; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y --no-install-recommends sshfs bindfs \
		openssh-server openssh-client
fi
# webfused as for a device (static) in build-bench/, and as Debian would
# package it (shared libraries) in build-bench-shared/, for its RSS only.
build="$top/build-bench"
shared="$top/build-bench-shared"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
	-DWF_STATIC_DAEMON=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target webfused webfuse-provider-cli \
	>/dev/null
cmake -S "$top" -B "$shared" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
	-DWF_STATIC_DAEMON=OFF >/dev/null
cmake --build "$shared" -j"$(nproc)" --target webfused >/dev/null
exec python3 "$top/script/bench.py" --build "$build" \
	--shared-daemon "$shared/src/webfused/webfused" "$@"
