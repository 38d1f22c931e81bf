#!/usr/bin/env bash
# Builds the libFuzzer targets of test-src/fuzz with clang in build-fuzz/
# and runs each for a bounded time (doc/fuzzing.md).
# Usage: script/fuzz.sh [SECONDS_PER_TARGET [TARGET...]]
# SECONDS_PER_TARGET defaults to 60; without TARGETs all of them run.
# New inputs go to a fresh scratch corpus in build-fuzz/corpus/ (kept with
# WF_FUZZ_KEEP_CORPUS=1), reproducers to build-fuzz/artifacts/; the
# committed seeds are only read. WF_FUZZ_JOBS targets run at once
# (default 1). Exits non-zero if the build fails or any target found a
# crash, leak, timeout or out-of-memory.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
shift $(($# > 0 ? 1 : 0))
build="$root/${WF_BUILD_FUZZ:-build-fuzz}"
jobs=${WF_FUZZ_JOBS:-1}
fuzz_src="$root/test-src/fuzz"
targets=("$@")

if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
	echo "fuzz.sh: SECONDS_PER_TARGET must be a positive number" >&2
	exit 2
fi

# libFuzzer comes with clang: install it where we may.
if ! command -v clang >/dev/null; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "fuzz.sh: clang is not installed (script/setup.sh" \
			"installs it, as root)" >&2
		exit 1
	fi
	echo "=== installing clang"
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends clang || exit 1
fi

echo "=== $build: configure, build the fuzz targets"
if ! CC=clang cmake -S "$root" -B "$build" -DWF_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null; then
	echo "fuzz.sh: FAILED: configure" >&2
	exit 1
fi
if ! cmake --build "$build" --target fuzz \
	--parallel "$(nproc 2>/dev/null || echo 2)" >"$build/fuzz-build.log" 2>&1; then
	cat "$build/fuzz-build.log" >&2
	echo "fuzz.sh: FAILED: build" >&2
	exit 1
fi

if [ "${#targets[@]}" -eq 0 ]; then
	mapfile -t targets < <(cd "$fuzz_src/corpus" && ls -d fuzz_* | sort)
fi

# Sanitizer reports must reach libFuzzer as crashes.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# run_target NAME: fuzz NAME for $seconds; its output goes to a log.
run_target() {
	local name=$1
	local bin="$build/test-src/fuzz/$name"
	local scratch="$build/corpus/$name"
	local artifacts="$build/artifacts/$name"

	if [ "${WF_FUZZ_KEEP_CORPUS:-0}" != 1 ]; then
		rm -rf "$scratch"
	fi
	rm -rf "$artifacts"
	mkdir -p "$scratch" "$artifacts"
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-dict="$fuzz_src/protocol.dict" -print_final_stats=1 \
		-artifact_prefix="$artifacts/" \
		"$scratch" "$fuzz_src/corpus/$name" >"$build/$name.log" 2>&1
	echo $? >"$build/$name.rc"
}

# summarize NAME: one line from its log; returns 1 if it found something.
summarize() {
	local name=$1
	local log="$build/$name.log"
	local rc execs rate units found

	rc=$(cat "$build/$name.rc" 2>/dev/null || echo 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	units=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)
	found=$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$log" |
		tail -n 1)
	printf '%-24s %12s execs %8s exec/s %6s new units  ' "$name" \
		"${execs:-?}" "${rate:-?}" "${units:-?}"
	if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
		echo "no crash"
		return 0
	fi
	local what
	what=$(grep -m 1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [A-Za-z-]+( [a-z]+)*|check failed: .*|runtime error: .*' \
		"$log")
	echo "FOUND ${what:-exit status $rc}: ${found:-no reproducer} (log: $log)"
	return 1
}

echo "=== fuzzing ${#targets[@]} targets for ${seconds}s each," \
	"$jobs at a time"
running=0
for name in "${targets[@]}"; do
	if [ ! -x "$build/test-src/fuzz/$name" ]; then
		echo "fuzz.sh: no such target: $name" >&2
		exit 2
	fi
	run_target "$name" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait

failed=()
for name in "${targets[@]}"; do
	summarize "$name" || failed+=("$name")
done
if [ "${#failed[@]}" -ne 0 ]; then
	echo "fuzz.sh: FOUND by: ${failed[*]}; reproduce with" \
		"$build/test-src/fuzz/TARGET REPRODUCER" >&2
	exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, nothing found"
