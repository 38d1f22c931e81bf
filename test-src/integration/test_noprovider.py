#!/usr/bin/env python3
# Integration: the mount without a provider, and after providers detach.
import errno
import os
import signal
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def check_empty_root(wf, what):
    """The mount root is an empty, usable directory."""
    st = harness.call(os.stat, wf.mnt, timeout=10, what="stat of the root")
    assert stat.S_ISDIR(st.st_mode), "%s: root is not a directory" % what
    names = harness.call(os.listdir, wf.mnt, timeout=10)
    assert names == [], "%s: root lists %s" % (what, names)
    with harness.call(os.scandir, wf.mnt, timeout=10) as it:
        assert list(it) == [], "%s: scandir is not empty" % what
    # The daemon drops the kernel's cached names from a child process, so
    # the loop never blocks on the kernel: a cached name may still answer
    # for a moment, never past the 1 s entry timeout.
    def gone():
        try:
            harness.call(os.stat, wf.path("probe.txt"), timeout=10)
        except FileNotFoundError:
            return True
        return False
    harness.wait_for(gone, 2.0, "%s: stat of a file to give ENOENT" % what)
    harness.call(os.statvfs, wf.mnt, timeout=10, what="statvfs of the root")
    assert harness.mounted(wf.mnt), "%s: the mount is gone" % what


def no_provider():
    with harness.Webfuse("noprovider") as wf:
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        os.mkdir(os.path.join(wf.src, "sub"))
        wf.start_daemon()
        check_empty_root(wf, "before any provider")

        # Attach, then detach cleanly (SIGTERM).
        p = wf.start_provider(probe="probe.txt")
        names = harness.call(os.listdir, wf.mnt, timeout=10)
        assert sorted(names) == ["probe.txt", "sub"], names
        rc, killed = p.stop(signal.SIGTERM)
        assert not killed, "provider ignored SIGTERM"
        assert rc == 0, "provider exited %s on SIGTERM" % rc
        wf.wait_detached()
        check_empty_root(wf, "after SIGTERM of the provider")

        # Attach again, then detach hard (SIGKILL).
        p = wf.start_provider(probe="probe.txt")
        with open(wf.path("probe.txt")) as f:
            assert f.read() == "probe\n"
        p.send_signal(signal.SIGKILL)
        p.wait(10)
        wf.wait_detached()
        check_empty_root(wf, "after SIGKILL of the provider")

        # The mount still serves a third provider.
        wf.start_provider(probe="sub")
        st = harness.call(os.stat, wf.path("sub"), timeout=10)
        assert stat.S_ISDIR(st.st_mode)

        # SIGINT also unmounts and exits 0.
        problems = wf.stop_daemon(signal.SIGINT)
        assert not problems, "; ".join(problems)


def provider_first_then_daemon_restart():
    """A provider started before the daemon listens attaches once it does
    (it reconnects with backoff)."""
    with harness.Webfuse("reconnect") as wf:
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        wf.start_daemon()
        wf.start_provider(probe="probe.txt")
        # The daemon goes away and comes back on the same port.
        problems = wf.stop_daemon()
        assert not problems, "; ".join(problems)
        port = wf.port
        wf.daemon = harness.Proc(
            "webfused", [harness.binary("WEBFUSED"), "-m", wf.mnt, "--port",
                         str(port), "--bind", "127.0.0.1", "--timeout", "5",
                         "--no-auth"],
            wf.log_path("webfused2"))
        harness.wait_for(lambda: harness.mounted(wf.mnt), 15, "the mount")
        wf.wait_attached("probe.txt", wf.providers[0], timeout=40)


def stale_mount_is_cleared():
    """A daemon killed with SIGKILL leaves a dead mount behind (ENOTCONN);
    the next daemon on the same mountpoint clears it and mounts."""
    with harness.Webfuse("stale") as wf:
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        wf.start_daemon()
        wf.daemon.send_signal(signal.SIGKILL)
        wf.daemon.wait(10)
        assert harness.mounted(wf.mnt), "SIGKILL left no mount to clear"
        harness.expect_errno(
            lambda: harness.call(os.stat, wf.mnt, timeout=10),
            (errno.ENOTCONN,), "stat of the dead mount")
        wf.daemon = harness.Proc(
            "webfused", [harness.binary("WEBFUSED"), "-m", wf.mnt, "--port",
                         str(wf.port), "--bind", "127.0.0.1", "--no-auth"],
            wf.log_path("webfused-after-stale"))
        def remounted():
            try:
                harness.call(os.stat, wf.mnt, timeout=10)
            except OSError:
                return False
            return wf.daemon.alive()

        harness.wait_for(remounted, 15, "the new mount")
        wf.start_provider(probe="probe.txt")
        problems = wf.stop_daemon(signal.SIGTERM)
        assert not problems, "; ".join(problems)
        assert not harness.mounted(wf.mnt), "the old mount is still there"


harness.run([("no provider, detach and reattach", no_provider),
             ("provider reconnects to a restarted daemon",
              provider_first_then_daemon_restart),
             ("a stale mount is cleared", stale_mount_is_cleared)],
            watchdog=300)
