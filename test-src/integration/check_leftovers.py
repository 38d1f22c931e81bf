#!/usr/bin/env python3
# CTest fixture cleanup: fails if integration tests left mounts or processes.
"""Runs after every integration test (FIXTURES_CLEANUP). Test environments
live in temp dirs named wf-it-TAG-*, TAG naming the build tree: a webfuse
mount or a webfused / webfuse-provider process that still refers to one is
a leak of the harness.
Mounts are removed (lazily if need be) so that the machine stays clean;
processes are only reported."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MARK = os.sep + harness.tmp_prefix()


def leftover_processes():
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        name = os.path.basename(argv[0]) if argv else ""
        if name in ("webfused", "webfuse-provider") and \
                any(MARK in a for a in argv):
            found.append("%s %s" % (pid, " ".join(argv)))
    return found


def main():
    problems = []
    for point, fstype, _ in harness.mounts():
        if MARK in point and fstype.startswith("fuse"):
            problems.append("mount left behind: %s (%s)" % (point, fstype))
            harness.unmount(point)
    problems += ["process left behind: " + p for p in leftover_processes()]
    for p in problems:
        print(p)
    return 1 if problems else 0


sys.exit(main())
