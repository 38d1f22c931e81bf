# Integration test: webfused gives up root once mounted and listening.
"""Started as root with a user to run as, webfused mounts, opens its port
and then runs as that user and group, with no way back. The mounts still
serve, and they go when webfused ends, by SIGTERM or by SIGKILL
(fusermount3's auto_unmount). Asking for a user without root fails.
"""

import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

NOBODY = 65534


def ids(pid):
    """(uids, gids, groups) of process @pid, from /proc."""
    status = harness.proc_status(pid)
    return (status["Uid"].split(), status["Gid"].split(),
            status["Groups"].split())


def serving_as_nobody(how):
    """Runs as nobody until @how (a signal) ends it; no mount stays."""
    with harness.Webfuse("privilege-%d" % how) as wf:
        with open(os.path.join(wf.src, "f.txt"), "w") as f:
            f.write("still served\n")
        wf.start_daemon_config({
            "filesystems": [{"name": "fs", "mountpoint": wf.mnt}],
            "user": "nobody", "group": "nogroup"}, [wf.mnt])
        harness.wait_for(lambda: "running as user" in wf.daemon.output(), 10,
                         "the switch")
        uids, gids, groups = ids(wf.daemon.pid)
        assert uids == [str(NOBODY)] * 4, uids
        assert gids == [str(NOBODY)] * 4, gids
        assert groups == [str(NOBODY)], groups
        assert re.search(r"running as user nobody \(uid 65534, gid 65534\)",
                         wf.daemon.output())
        wf.start_provider(probe="f.txt", extra=["-n", "fs"])
        with open(wf.path("f.txt")) as f:
            assert harness.call(f.read, timeout=20) == "still served\n"
        wf.daemon.send_signal(how)
        rc = wf.daemon.wait(15)
        assert rc is not None, "webfused did not end"
        if how == signal.SIGTERM:
            assert rc == 0, (rc, wf.daemon.output())
        else:
            wf.daemon = None  # ended as it should; nothing to stop
        harness.wait_for(lambda: not harness.mounted(wf.mnt), 10,
                         "auto_unmount to take the mount away")


def sigterm():
    serving_as_nobody(signal.SIGTERM)


def sigkill():
    serving_as_nobody(signal.SIGKILL)


def without_root():
    with harness.Webfuse("privilege-nonroot") as wf:
        os.chmod(wf.tmp, 0o755)
        os.chmod(os.path.dirname(wf.mnt), 0o777)
        r = subprocess.run(
            ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
             "--clear-groups", harness.binary("WEBFUSED"), "-m", wf.mnt,
             "--no-auth", "-u", "root"],
            capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
        err = r.stderr.decode()
        assert r.returncode == 1, (r.returncode, err)
        assert "only root can switch to user root" in err, err
        assert not harness.mounted(wf.mnt)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    harness.run([
        ("runs as nobody; SIGTERM unmounts", sigterm),
        ("SIGKILL: auto_unmount still unmounts", sigkill),
        ("--user without root", without_root),
    ], watchdog=100)
