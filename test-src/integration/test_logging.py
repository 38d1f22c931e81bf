# Integration test: what webfused logs, to stderr and to syslog.
"""Every connect, attach, detach, authentication failure, timeout and
protocol error is one line that names the peer (address and port) and the
filesystem; what can repeat (calls that time out, invalid answers) is
logged once and counted. Levels filter; syslog gets the same lines with
the priority of their level, facility daemon.
"""

import errno
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeprovider  # noqa: E402
import harness  # noqa: E402
import rfc6455  # noqa: E402

TOKEN_TOOL = os.path.join(os.path.dirname(os.environ["WEBFUSED"]), "..",
                          "webfuse-token", "webfuse-token")
PEER = r"provider 127\.0\.0\.1:(\d+)"


def token_file(wf):
    """A token file in @wf's tmp and the one token it accepts."""
    path = os.path.join(wf.tmp, "tokens")
    p = subprocess.run([TOKEN_TOOL, "add", path, "laptop"], timeout=20,
                       capture_output=True, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, p.stderr
    return path, p.stdout.decode().strip()


def attach(wf, token):
    """A fake provider, authenticated in the protocol and attached."""
    p = fakeprovider.FakeProvider(wf.port)
    p.hello()
    msg = p.call("authenticate", {"type": "token", "token": token})
    assert "result" in msg, msg
    msg = p.add_filesystem()
    assert "result" in msg, msg
    return p


def lines(wf, pattern):
    """The daemon's log lines that match @pattern."""
    return [line for line in wf.daemon.output().splitlines()
            if re.search(pattern, line)]


def logged(wf, pattern, timeout=5):
    """Waits for a log line matching @pattern; returns the match."""
    def find():
        for line in wf.daemon.output().splitlines():
            m = re.search(pattern, line)
            if m:
                return m
        return None
    return harness.wait_for(find, timeout, "/%s/ in the log:\n%s" % (
        pattern, wf.daemon.output()))


def events_on_stderr():
    with harness.Webfuse("log-events", timeout=1) as wf:
        tokens, token = token_file(wf)
        wf.start_daemon(["--token-file", tokens])
        fs = re.escape('on "%s"' % wf.mnt)

        # A connection that never greets is closed at the deadline.
        idle = fakeprovider.FakeProvider(wf.port)

        # Connect, attach, calls that time out, detach.
        p = attach(wf, token)
        port = logged(wf, PEER + ': authenticated by token "laptop"$').group(1)
        me = r"provider 127\.0\.0\.1:%s" % port
        logged(wf, r"^webfused: info: %s %s: attached at %s$" % (
            me, fs, re.escape(wf.mnt)))
        for name in ("a", "b", "c"):
            harness.expect_errno(
                lambda: harness.call(os.stat, wf.path(name), timeout=20),
                (errno.ETIMEDOUT,), "stat with no answer")
        logged(wf, r"^webfused: warn: %s %s: a call got no answer within "
               r"1000 ms \(more are counted, not logged\)$" % (me, fs))
        p.close()
        logged(wf, r"^webfused: info: %s %s: detached \(disconnected; 3 "
               r"calls timed out, 0 invalid answers\)$" % (me, fs))
        assert len(lines(wf, "no answer within")) == 1, "logged twice"

        # A wrong token: one line, without the reason, and no attach.
        bad = fakeprovider.FakeProvider(wf.port)
        bad.hello()
        msg = bad.call("authenticate", {"type": "token", "token": "x" * 43})
        assert msg["error"]["data"]["errno"] == "EACCES", msg
        bad.close()
        logged(wf, r"^webfused: warn: %s: authentication failed$" % PEER)

        # A protocol error closes the connection, said once.
        rogue = fakeprovider.FakeProvider(wf.port)
        rogue.send_raw(b"{not json")
        logged(wf, r"^webfused: warn: %s: invalid message \(.*\), "
               r"closing$" % PEER)
        rogue.close()

        logged(wf, r"^webfused: warn: %s: not attached within 10 s, "
               r"closing$" % PEER, timeout=15)
        idle.close()

        # Each connection: one "connected" and one "disconnected" line.
        out = wf.daemon.output()
        ports = re.findall(PEER + ": connected$", out, re.M)
        assert len(ports) == len(set(ports)) == 4, out
        for port in ports:
            me = r"provider 127\.0\.0\.1:%s" % port
            gone = lines(wf, me + r"( on .*)?: (disconnected|detached)")
            assert len(gone) == 1, (port, out)


def levels():
    with harness.Webfuse("log-levels") as wf:
        tokens, token = token_file(wf)
        wf.start_daemon(["--token-file", tokens, "-l", "warn"])
        p = attach(wf, token)
        p.close()
        bad = fakeprovider.FakeProvider(wf.port)
        bad.hello()
        bad.call("authenticate", {"type": "token", "token": "y" * 43})
        bad.close()
        logged(wf, "authentication failed")
        out = wf.daemon.output()
        assert "info:" not in out and "connected" not in out, out


def syslog():
    """The daemon runs in a mount namespace of its own, where /dev is a
    fresh tmpfs whose /dev/log is the test's socket; its mount lives
    there too and goes with it."""
    with harness.Webfuse("log-syslog") as wf:
        sock_path = os.path.join(wf.tmp, "log.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(sock_path)
        sock.settimeout(0.2)
        wf.port = harness.free_port()
        script = (
            'set -e; mount -t tmpfs -o mode=755 tmpfs /dev; '
            'mknod -m 666 /dev/fuse c 10 229; mknod -m 666 /dev/null c 1 3; '
            'mknod -m 666 /dev/urandom c 1 9; ln -s "$1" /dev/log; '
            'shift; exec "$@"')
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                script, "sh", sock_path, harness.binary("WEBFUSED"),
                "-m", wf.mnt, "-p", str(wf.port), "-b", "127.0.0.1",
                "--no-auth", "--log-to", "syslog"]
        wf.daemon = harness.Proc("webfused", argv, wf.log_path("webfused"))
        wf.mountpoints = []  # in the daemon's namespace, not ours
        got = []

        def receive(pattern):
            def find():
                try:
                    got.append(sock.recv(4096).decode())
                except socket.timeout:
                    pass
                assert wf.daemon.alive(), wf.daemon.output()
                return any(re.search(pattern, m) for m in got)
            harness.wait_for(find, 15, "/%s/ in syslog: %r" % (pattern, got),
                             0)

        receive(r"listening on 127\.0\.0\.1 port %d" % wf.port)
        p = fakeprovider.FakeProvider(wf.port)
        p.attach()
        p.close()
        receive(r"detached \(disconnected\)")
        daemon = r"^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d webfused\[%d\]: " % \
            wf.daemon.pid
        want = (
            (6, r'info: mounted at %s$' % re.escape(wf.mnt)),
            (6, "info: " + PEER + r": connected$"),
            (6, "info: " + PEER + r' on "%s": attached at %s$' % (
                re.escape(wf.mnt), re.escape(wf.mnt))),
            (6, "info: " + PEER + r' on "%s": detached \(disconnected\)$' %
             re.escape(wf.mnt)),
        )
        for prio, pattern in want:
            hits = [m for m in got if re.search(daemon + pattern, m)]
            assert len(hits) == 1, (pattern, got)
            assert int(re.match(daemon, hits[0]).group(1)) == 3 * 8 + prio
        assert wf.daemon.output() == "", "stderr: " + wf.daemon.output()
        rc, _ = wf.daemon.stop()
        assert rc == 0, rc
        sock.close()


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    harness.run([
        ("events on stderr, once each", events_on_stderr),
        ("levels filter", levels),
        ("syslog", syslog),
    ], watchdog=150)
