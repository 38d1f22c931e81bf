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
	clang-format \
	cmake \
	diffutils \
	fuse3 \
	git \
	libcmocka-dev \
	libfuse3-dev \
	libjansson-dev \
	libwebsockets-dev \
	make \
	pkg-config \
	python3 \
	rsync \
	tar

# Integration tests mount FUSE filesystems: say early if they cannot.
if [ ! -e /dev/fuse ]; then
	echo "setup.sh: warning: /dev/fuse is absent; mount tests will skip" >&2
fi
