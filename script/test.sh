#!/usr/bin/env bash
# Checks formatting, then builds and runs every test three times: a normal
# build in build/, an AddressSanitizer + UBSan build in build-asan/ and a
# build with webfused linked static (-DWF_STATIC_DAEMON=ON, as for a
# device) in build-static/, then runs each fuzz target for a short time
# (script/fuzz.sh, in build-fuzz/). Exits non-zero if the format check,
# a build or test run, or the fuzzing fails.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
# Parallel ctest: each integration test has its own mount and port.
test_jobs=${WF_TEST_JOBS:-4}
# Build directories, relative to the repository (overridable).
build=${WF_BUILD:-build}
build_asan=${WF_BUILD_ASAN:-build-asan}
build_static=${WF_BUILD_STATIC:-build-static}
failed=()

# build_and_test DIR CMAKE_ARGS...: configure, build and run ctest.
build_and_test() {
	local dir=$1
	shift
	echo "=== $dir: configure, build, test"
	cmake -S "$root" -B "$root/$dir" "$@" &&
		cmake --build "$root/$dir" --parallel "$jobs" &&
		(cd "$root/$dir" &&
			ctest --output-on-failure --no-tests=error \
				--parallel "$test_jobs")
}

if ! "$root/script/check-format.sh"; then
	failed+=("format")
fi

if ! build_and_test "$build" -DBUILD_TESTING=ON; then
	failed+=("build")
fi

# Sanitizer reports must fail the run: abort on the first one, report
# leaks (LeakSanitizer works as root here), no recovery from UB.
if ! ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	build_and_test "$build_asan" -DBUILD_TESTING=ON -DWF_SANITIZE=ON; then
	failed+=("build-asan")
fi

if ! build_and_test "$build_static" -DBUILD_TESTING=ON -DWF_STATIC_DAEMON=ON; then
	failed+=("build-static")
fi

# A bounded fuzz run: WF_FUZZ_SECONDS per target (20 s each by default).
if ! "$root/script/fuzz.sh" "${WF_FUZZ_SECONDS:-20}"; then
	failed+=("fuzz")
fi

if [ "${#failed[@]}" -ne 0 ]; then
	echo "test.sh: FAILED: ${failed[*]}" >&2
	exit 1
fi
echo "test.sh: all passed"
