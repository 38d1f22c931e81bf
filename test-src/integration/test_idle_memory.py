#!/usr/bin/env python3
# Integration: after a second without input, webfused and webfuse-provider
# give back what a burst of traffic left resident, and stay asleep idle.
"""Writes and reads 64 MiB through a real mount with the real provider.
Both programs keep bulk buffers on their heap while traffic flows
(core/heap.h); once a second passes with nothing received, the anonymous
memory of each must fall back to near what it was at start, and the next
write and read must still be correct. With --sanitize 1 (ASan replaces
malloc, so trimming has no effect) the same traffic and idle path run, but
the memory bound is not checked."""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SIZE = 64 << 20
CHUNK = 1 << 20
# What a program may hold once idle, above what it held before any traffic:
# measured up to 20 KiB (webfused static or shared, webfuse-provider).
SLACK_KIB = 512
# What the burst must have added at first, so that the fall is real:
# measured 7 MiB (write-behind messages and the FUSE request buffer).
BURST_KIB = 4096


def rss_anon_kib(pid):
    return int(harness.proc_status(pid)["RssAnon"].split()[0])


def write_file(path, seed):
    data = bytes([seed]) * CHUNK
    with open(path, "wb") as f:
        for _ in range(SIZE // CHUNK):
            f.write(data)
        os.fsync(f.fileno())


def check_file(path, seed):
    data = bytes([seed]) * CHUNK
    with open(path, "rb") as f:
        harness.drop_cache(f)
        for i in range(SIZE // CHUNK):
            assert f.read(CHUNK) == data, "chunk %d differs" % i


def idle_give_back(check_memory):
    with harness.Webfuse("idle") as wf:
        open(os.path.join(wf.src, "probe"), "w").close()
        wf.start_daemon()
        provider = wf.start_provider(probe="probe")
        pids = {"webfused": wf.daemon.pid, "webfuse-provider": provider.pid}
        time.sleep(1.5)  # attaching is traffic too
        start = {name: rss_anon_kib(p) for name, p in pids.items()}

        def falls_back(what):
            busy = {name: rss_anon_kib(p) for name, p in pids.items()}
            for name, p in pids.items():
                harness.log("%s, %s: RssAnon %d KiB at start, %d KiB right "
                            "after" % (what, name, start[name], busy[name]))
            if not check_memory:
                time.sleep(1.5)
                return busy["webfused"]
            for name, p in pids.items():
                harness.wait_for(
                    lambda: rss_anon_kib(p) <= start[name] + SLACK_KIB, 5,
                    "%s to give back memory after %s" % (name, what))
                harness.log("%s, %s: %d KiB once idle" % (
                    what, name, rss_anon_kib(p)))
            return busy["webfused"]

        def traffic():
            write_file(wf.path("a.bin"), 1)
            busy = falls_back("a 64 MiB write")
            if check_memory:
                assert busy >= start["webfused"] + BURST_KIB, \
                    "the write added only %d KiB" % (
                        busy - start["webfused"])
            # The freed buffers are allocated again on demand.
            check_file(wf.path("a.bin"), 1)
            falls_back("a 64 MiB read")
            write_file(wf.path("b.bin"), 2)
            check_file(wf.path("b.bin"), 2)
            check_file(os.path.join(wf.src, "b.bin"), 2)
        harness.call(traffic, timeout=120, what="traffic")

        # Idle means asleep: no timer keeps waking either program.
        def wakeups():
            return {name: harness.sleeps(p) for name, p in pids.items()}
        before = wakeups()
        time.sleep(3)
        after = wakeups()
        for name in pids:
            woke = after[name] - before[name]
            harness.log("idle 3 s: %s woke %d times" % (name, woke))
            assert woke <= 3, "%s woke %d times in 3 idle seconds" % (
                name, woke)
        assert wf.daemon.alive() and provider.alive()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sanitize", default="0")
    a = p.parse_args()
    check_memory = a.sanitize.upper() not in ("1", "ON", "TRUE", "YES")
    if not check_memory:
        harness.log("sanitizer build: memory bound not checked")
    harness.run([("idle webfused and webfuse-provider give memory back",
                  lambda: idle_give_back(check_memory))], watchdog=200)


main()
