# Integration test: webfused --config with several filesystems at once.
"""One daemon configured by a file mounts several named filesystems; each
provider chooses one by name. Two providers serve two filesystems at once;
a name in use, a missing or unknown name are refused in words; takeover
replaces a provider for good; per-filesystem options (read-only,
allow_other, owner, cache timeouts) hold; the command line overrides the
file; a bad file stops the start with file, line, column and field.
"""

import errno
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CALL = 20  # seconds any filesystem call may take


def fs_call(fn, *args, what=None):
    return harness.call(fn, *args, timeout=CALL, what=what)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def folders(wf, *names):
    """A (mountpoint, lent directory) pair per name, made in @wf's tmp."""
    pairs = {}
    for name in names:
        mnt = os.path.join(wf.tmp, "mnt-" + name, "m")
        src = os.path.join(wf.tmp, "src-" + name, "d")
        os.makedirs(mnt)
        os.makedirs(src)
        pairs[name] = (mnt, src)
    return pairs


def provider(wf, name, src, extra=()):
    """A webfuse-provider lending @src as the filesystem @name (or, for
    None, without a name)."""
    names = ["-n", name] if name is not None else []
    return wf.start_provider(directory=src, extra=names + list(extra))


def visible(path, proc=None, timeout=20):
    """Waits until @path (in a mount) exists."""
    def there():
        if proc is not None and not proc.alive():
            raise AssertionError("provider exited (rc %s):\n%s" % (
                proc.popen.returncode, proc.output()))
        try:
            return fs_call(os.path.lexists, path)
        except OSError:
            return False
    harness.wait_for(there, timeout, path, 0.1)


def log_has(wf, pattern, timeout=5):
    """The daemon logged a line matching the regular expression."""
    return harness.wait_for(
        lambda: re.search(pattern, wf.daemon.output(), re.M), timeout,
        "/%s/ in the daemon log:\n%s" % (pattern, wf.daemon.output()))


def refused(wf, name, words, err):
    """A provider asking for @name is refused with @words and errno name
    @err, and exits (it would not win by retrying)."""
    extra = ["-n", name] if name is not None else []
    rc, out = wf.provider_exit(extra)
    assert rc != 0, out
    assert words in out and err in out, out
    log_has(wf, re.escape("add_filesystem refused: " + words))


def two_filesystems():
    with harness.Webfuse("config-two") as wf:
        d = folders(wf, "alpha", "beta")
        wf.start_daemon_config({"filesystems": [
            {"name": "alpha", "mountpoint": d["alpha"][0],
             "attr_timeout": 0, "entry_timeout": 0},
            {"name": "beta", "mountpoint": d["beta"][0], "read_only": True,
             "attr_timeout": 30, "entry_timeout": 30}]},
            [d["alpha"][0], d["beta"][0]])
        write(os.path.join(d["alpha"][1], "a.txt"), b"alpha\n")
        write(os.path.join(d["beta"][1], "b.txt"), b"beta\n")
        pa = provider(wf, "alpha", d["alpha"][1])
        pb = provider(wf, "beta", d["beta"][1])
        a = os.path.join(d["alpha"][0], "a.txt")
        b = os.path.join(d["beta"][0], "b.txt")
        visible(a, pa)
        visible(b, pb)

        # Each mount shows its own provider's files, both at once.
        assert fs_call(os.listdir, d["alpha"][0]) == ["a.txt"]
        assert fs_call(os.listdir, d["beta"][0]) == ["b.txt"]
        assert fs_call(read, a) == b"alpha\n"
        assert fs_call(read, b) == b"beta\n"
        fs_call(write, os.path.join(d["alpha"][0], "new.txt"), b"x" * 5000)
        assert read(os.path.join(d["alpha"][1], "new.txt")) == b"x" * 5000
        # beta is mounted read-only: the kernel refuses every change.
        for what, fn in (
                ("create", lambda: write(os.path.join(d["beta"][0], "n"),
                                         b"")),
                ("write", lambda: write(b, b"changed")),
                ("mkdir", lambda: os.mkdir(os.path.join(d["beta"][0], "d"))),
                ("unlink", lambda: os.unlink(b))):
            harness.expect_errno(lambda: fs_call(fn), (errno.EROFS,),
                                 "%s in the read-only filesystem" % what)
        assert read(os.path.join(d["beta"][1], "b.txt")) == b"beta\n"
        assert _mount_ro(d["beta"][0]), "beta is not mounted read-only"

        # Cache timeouts per filesystem: a change behind the mount's back
        # shows at once in alpha (0 s), not in beta (30 s).
        st_b = fs_call(os.stat, b)
        write(os.path.join(d["alpha"][1], "a.txt"), b"alpha, longer\n")
        write(os.path.join(d["beta"][1], "b.txt"), b"beta, longer\n")
        assert fs_call(os.stat, a).st_size == len(b"alpha, longer\n")
        assert fs_call(os.stat, b).st_size == st_b.st_size, \
            "beta's attributes were not cached"

        # The log names the peer and the filesystem of every event.
        peer = r"provider 127\.0\.0\.1:\d+"
        log_has(wf, r'^webfused: info: filesystem "alpha" mounted at ' +
                re.escape(d["alpha"][0]) + "$")
        log_has(wf, r'^webfused: info: filesystem "beta" mounted at ' +
                re.escape(d["beta"][0]) + r" \(read-only\)$")
        log_has(wf, "^webfused: info: %s on \"alpha\": attached at %s "
                r"\(binary\)$" % (peer, re.escape(d["alpha"][0])))
        log_has(wf, "^webfused: info: %s on \"beta\": attached at %s" %
                (peer, re.escape(d["beta"][0])))

        # Names in use, missing or unknown are refused in words.
        refused(wf, "alpha", 'another provider serves "alpha" already',
                "EBUSY")
        refused(wf, None, "this device serves several filesystems: choose "
                'one by name (names: "alpha", "beta")', "ENOENT")
        refused(wf, "gamma", 'no filesystem is named "gamma" here (names: '
                '"alpha", "beta")', "ENOENT")
        assert fs_call(read, a) == b"alpha, longer\n", "alpha was disturbed"

        # One filesystem unmounted from outside: the other goes on; its
        # provider is let go and, its name gone, stops asking.
        subprocess.run(["fusermount3", "-u", d["alpha"][0]], check=True,
                       timeout=20)
        log_has(wf, 'filesystem "alpha" at .* was unmounted from outside')
        assert pa.wait(20) is not None, "alpha's provider still runs"
        assert "no filesystem is named" in pa.output(), pa.output()
        assert wf.daemon.alive()
        assert fs_call(read, b).startswith(b"beta")
        # The last one gone, the daemon ends by itself, with 0.
        subprocess.run(["fusermount3", "-u", d["beta"][0]], check=True,
                       timeout=20)
        assert wf.daemon.wait(20) == 0, wf.daemon.output()


def _mount_ro(path):
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            if parts[4] == path:
                return "ro" in parts[5].split(",")
    return False


def takeover():
    with harness.Webfuse("config-takeover") as wf:
        d = folders(wf, "fw", "one", "two")
        mnt = d["fw"][0]
        wf.start_daemon_config({"filesystems": [
            {"name": "fw", "mountpoint": mnt, "takeover": True}]}, [mnt])
        write(os.path.join(d["one"][1], "one.bin"), b"1" * (4 << 20))
        write(os.path.join(d["two"][1], "two.bin"), b"2" * 100)
        # The first one would reconnect after a drop; a takeover is final.
        first = provider(wf, "fw", d["one"][1])
        visible(os.path.join(mnt, "one.bin"), first)
        held = open(os.path.join(mnt, "one.bin"), "rb")
        try:
            assert fs_call(held.read, 10) == b"1" * 10
            second = provider(wf, "fw", d["two"][1])
            visible(os.path.join(mnt, "two.bin"), second)
            assert fs_call(os.listdir, mnt) == ["two.bin"]
            # A file the first one opened does not read the second's
            # (what the kernel cached of it may still be read).
            held.seek(3 << 20)
            harness.expect_errno(lambda: fs_call(held.read, 10),
                                 (errno.EIO, errno.ENOENT),
                                 "read of a replaced handle")
        finally:
            held.close()
        assert first.wait(15) is not None, "the replaced provider still runs"
        assert "another provider took over the filesystem" in \
            first.output(), first.output()
        log_has(wf, r'on "fw": detached \(replaced by provider '
                r'127\.0\.0\.1:\d+\)')
        # It did not come back: the second one still serves.
        time.sleep(1)
        assert second.alive()
        assert fs_call(read, os.path.join(mnt, "two.bin")) == b"2" * 100


def owner_and_allow_other():
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    def as_nobody(*cmd):
        return subprocess.run(nobody + list(cmd), capture_output=True,
                              timeout=CALL, stdin=subprocess.DEVNULL)

    with harness.Webfuse("config-owner") as wf:
        d = folders(wf, "open", "closed")
        # Everyone may pass through the mountpoints' parents.
        for name in ("open", "closed"):
            os.chmod(os.path.dirname(d[name][0]), 0o755)
        os.chmod(wf.tmp, 0o755)
        wf.start_daemon_config({"filesystems": [
            {"name": "open", "mountpoint": d["open"][0], "allow_other": True,
             "uid": 12345, "gid": "nogroup"},
            {"name": "closed", "mountpoint": d["closed"][0]}]},
            [d["open"][0], d["closed"][0]])
        for name in ("open", "closed"):
            write(os.path.join(d[name][1], "public"), b"public\n")
            write(os.path.join(d[name][1], "private"), b"private\n")
            os.chmod(os.path.join(d[name][1], "public"), 0o644)
            os.chmod(os.path.join(d[name][1], "private"), 0o600)
            p = provider(wf, name, d[name][1])
            visible(os.path.join(d[name][0], "public"), p)

        st = fs_call(os.stat, os.path.join(d["open"][0], "public"))
        assert (st.st_uid, st.st_gid) == (12345, 65534), (st.st_uid,
                                                           st.st_gid)
        assert fs_call(os.stat, d["open"][0]).st_uid == 12345
        names = fs_call(os.listdir, d["open"][0])
        assert sorted(names) == ["private", "public"], names
        st = fs_call(os.stat, os.path.join(d["closed"][0], "public"))
        assert st.st_uid == 0, "closed: owner %d, not the provider's" % \
            st.st_uid

        # allow_other: another user may enter, and the modes hold.
        r = as_nobody("cat", os.path.join(d["open"][0], "public"))
        assert r.returncode == 0 and r.stdout == b"public\n", r
        r = as_nobody("cat", os.path.join(d["open"][0], "private"))
        assert r.returncode != 0 and b"Permission denied" in r.stderr, r
        # Without it, only the user who mounted may enter.
        r = as_nobody("cat", os.path.join(d["closed"][0], "public"))
        assert r.returncode != 0 and b"Permission denied" in r.stderr, r


def command_line_overrides():
    with harness.Webfuse("config-cli") as wf:
        d = folders(wf, "alpha")
        port = harness.free_port()
        # -m replaces the file's filesystems, -p its port.
        wf.start_daemon_config({"filesystems": [
            {"name": "alpha", "mountpoint": d["alpha"][0]}]}, [wf.mnt],
            extra=["-m", wf.mnt, "-p", str(port)])
        assert wf.port == port
        assert not harness.mounted(d["alpha"][0]), "the file's mount"
        write(os.path.join(wf.src, "f.txt"), b"cli\n")
        p = wf.start_provider(probe="f.txt")
        assert fs_call(read, wf.path("f.txt")) == b"cli\n"
        assert p.alive()


def cache_times_from_options():
    """--attr-timeout (with --entry-timeout) replaces the file's time:
    a change behind the mount shows at once."""
    with harness.Webfuse("config-cache") as wf:
        d = folders(wf, "alpha")
        wf.start_daemon_config({"filesystems": [
            {"name": "alpha", "mountpoint": d["alpha"][0],
             "attr_timeout": 30, "entry_timeout": 30}]}, [d["alpha"][0]],
            extra=["--attr-timeout", "0", "--entry-timeout", "0"])
        src = os.path.join(d["alpha"][1], "a.txt")
        write(src, b"short\n")
        p = provider(wf, "alpha", d["alpha"][1])
        a = os.path.join(d["alpha"][0], "a.txt")
        visible(a, p)
        assert fs_call(os.stat, a).st_size == 6
        write(src, b"longer now\n")
        assert fs_call(os.stat, a).st_size == 11, "attributes were cached"


def bad_files():
    with harness.Webfuse("config-bad") as wf:
        exe = harness.binary("WEBFUSED")
        path = os.path.join(wf.tmp, "bad.json")
        unknown = ('{"filesystems": [{"name": "a", "mountpoint": "%s", '
                   '"readonly": true}]}' % wf.mnt)
        cases = (
            ('{\n\t"server": {\n\t\t"port": "80"\n\t},\n'
             '\t"filesystems": [{"name": "a", "mountpoint": "%s"}]\n}\n' %
             wf.mnt, 2, "invalid config file: %s:3:11: server.port: must be "
             "a port number, 1 to 65535" % path),
            (unknown, 2, "invalid config file: %s:1:%d: "
             "filesystems[0].readonly: unknown field" %
             (path, unknown.index("true") + 1)),
            ('{"filesystems": [}', 2, "invalid config file: %s:1:18: "
             % path),
            (None, 1, "cannot read config file: %s: No such file or "
             "directory" % path),
        )
        for text, status, words in cases:
            if text is None:
                os.unlink(path)
            else:
                with open(path, "w") as f:
                    f.write(text)
            r = subprocess.run([exe, "--config", path, "--no-auth"],
                               capture_output=True, timeout=20,
                               stdin=subprocess.DEVNULL)
            err = r.stderr.decode()
            harness.log("rc %d: %s" % (r.returncode, err.strip()))
            assert r.returncode == status, (r.returncode, err)
            assert err.startswith("webfused: " + words), err
            assert not harness.mounted(wf.mnt)
        # Mountpoints that are one directory, or one inside another.
        inner = os.path.join(wf.mnt, "inner")
        os.makedirs(inner)
        for second, words in ((wf.mnt + "/", "is the same as"),
                              (inner, "lies inside")):
            with open(path, "w") as f:
                f.write('{"filesystems": [{"name": "a", "mountpoint": "%s"},'
                        ' {"name": "b", "mountpoint": "%s"}]}' % (
                            wf.mnt, second))
            r = subprocess.run([exe, "--config", path, "--no-auth"],
                               capture_output=True, timeout=20,
                               stdin=subprocess.DEVNULL)
            err = r.stderr.decode()
            assert r.returncode == 2 and words in err, (r.returncode, err)
            assert not harness.mounted(wf.mnt)
        os.rmdir(inner)
        # Nothing to mount, or a user that does not exist: usage errors.
        for args, words in (([], "nothing to mount"),
                            (["-m", wf.mnt, "-u", "no-such-user-wf"],
                             "no user is named 'no-such-user-wf'")):
            r = subprocess.run([exe, "--no-auth"] + args,
                               capture_output=True, timeout=20,
                               stdin=subprocess.DEVNULL)
            assert r.returncode == 2 and words in r.stderr.decode(), r
            assert not harness.mounted(wf.mnt)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    harness.run([
        ("two filesystems, two providers", two_filesystems),
        ("a new provider takes over", takeover),
        ("owner, group and allow_other", owner_and_allow_other),
        ("the command line overrides the file", command_line_overrides),
        ("cache times from the command line", cache_times_from_options),
        ("bad config files", bad_files),
    ], watchdog=200)
