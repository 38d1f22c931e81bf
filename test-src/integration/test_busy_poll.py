#!/usr/bin/env python3
# Integration: webfused --busy-poll stays awake while calls keep coming,
# serves them correctly, goes back to sleep when they stop, and is off on
# a single CPU.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FILES = 200


def lend_files(wf):
    for i in range(FILES):
        with open(os.path.join(wf.src, "f%03d" % i), "w") as f:
            f.write("file %d\n" % i)


def stat_loop(wf, seconds):
    """Stats the files through the mount, uncached (attr and entry times
    are 0), for @seconds; at most 100 rounds. Returns the stats made."""
    done = 0
    t_end = time.monotonic() + seconds
    for _ in range(100):
        for i in range(FILES):
            st = os.stat(wf.path("f%03d" % i))
            assert st.st_size == len("file %d\n" % i), "size of f%03d" % i
            done += 1
        if time.monotonic() >= t_end:
            break
    return done


def idle_cpu(pid, seconds=2.0):
    before = harness.cpu_seconds(pid)
    time.sleep(seconds)
    return harness.cpu_seconds(pid) - before


def polls_while_busy():
    if len(os.sched_getaffinity(0)) < 2:
        harness.log("one CPU: see off_on_one_cpu")
        return
    with harness.Webfuse("busypoll") as wf:
        lend_files(wf)
        wf.start_daemon(["--busy-poll", "5000", "--attr-timeout", "0",
                         "--entry-timeout", "0"])
        wf.start_provider(probe="f000")
        pid = wf.daemon.pid
        assert "busy polling is off" not in wf.daemon.output()

        # A call every few hundred µs: webfused does not sleep between
        # them (without busy polling it sleeps twice per stat: waiting for
        # the kernel, then for the provider).
        before = harness.sleeps(pid)
        n = harness.call(stat_loop, wf, 1.5, timeout=60, what="stat loop")
        slept = harness.sleeps(pid) - before
        harness.log("%d stats; webfused slept %d times" % (n, slept))
        assert slept < n / 20, "webfused slept %d times in %d stats" % (
            slept, n)

        # Data and names are still right.
        with open(wf.path("new.txt"), "w") as f:
            f.write("written with busy polling\n")
        with open(os.path.join(wf.src, "new.txt")) as f:
            assert f.read() == "written with busy polling\n"
        assert len(harness.call(os.listdir, wf.mnt)) == FILES + 1

        # Nothing comes: it sleeps again within the 5 ms.
        spent = idle_cpu(pid)
        assert spent <= 0.1, "webfused used %.2f s of CPU idle" % spent


def off_on_one_cpu():
    keep = os.sched_getaffinity(0)
    with harness.Webfuse("busypoll1") as wf:
        lend_files(wf)
        os.sched_setaffinity(0, {min(keep)})  # the daemon inherits it
        try:
            wf.start_daemon(["--busy-poll", "5000"])
        finally:
            os.sched_setaffinity(0, keep)
        harness.wait_for(lambda: "busy polling is off" in
                         wf.daemon.output(), 5, "the warning")
        wf.start_provider(probe="f000")
        assert harness.call(stat_loop, wf, 0.5, timeout=60) >= FILES
        spent = idle_cpu(wf.daemon.pid)
        assert spent <= 0.1, "webfused used %.2f s of CPU idle" % spent


if __name__ == "__main__":
    harness.run([
        ("polls_while_busy", polls_while_busy),
        ("off_on_one_cpu", off_on_one_cpu),
    ], watchdog=150)
