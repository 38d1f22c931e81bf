#!/usr/bin/env bash
# Installs what building and testing webfuse needs on Debian 12 (as root).
# Idempotent: running it again only refreshes the package lists.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: must run as root (apt-get)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	build-essential \
	ca-certificates \
	chromium \
	clang \
	clang-format \
	cmake \
	diffutils \
	fuse3 \
	git \
	groff-base \
	libcmocka-dev \
	libfuse3-dev \
	libjansson-dev \
	libssl-dev \
	libwebsockets-dev \
	make \
	man-db \
	openssl \
	pkg-config \
	python3 \
	rsync \
	squashfs-tools \
	squashfuse \
	tar

# Node.js runs the browser module's unit tests and drives chromium. Keep a
# Node.js that is there already (it may be newer than Debian's).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	apt-get install -y --no-install-recommends nodejs npm
fi
# playwright-core, at the version package-lock.json pins; it uses Debian's
# chromium and never downloads a browser of its own.
top=$(cd "$(dirname "$0")/.." && pwd)
npm ci --prefix "$top/test-src/browser" --no-audit --no-fund

# Integration tests mount FUSE filesystems: say early if they cannot.
if [ ! -e /dev/fuse ]; then
	echo "setup.sh: warning: /dev/fuse is absent; mount tests will skip" >&2
fi
