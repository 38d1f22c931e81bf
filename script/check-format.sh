#!/usr/bin/env bash
# Checks every C source and header against the repository's .clang-format.
# Fix what it reports with: clang-format -i FILE...
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v clang-format >/dev/null; then
	echo "check-format.sh: clang-format is not installed" \
		"(script/setup.sh installs it)" >&2
	exit 1
fi

dirs=()
for d in src include test-src example; do
	[ -d "$d" ] && dirs+=("$d")
done
mapfile -t files < <(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) | sort)
if [ "${#files[@]}" -eq 0 ]; then
	echo "check-format.sh: no C files found" >&2
	exit 1
fi

if clang-format --dry-run -Werror "${files[@]}"; then
	echo "check-format.sh: ${#files[@]} files formatted correctly"
else
	echo "check-format.sh: run clang-format -i on the files above" >&2
	exit 1
fi
