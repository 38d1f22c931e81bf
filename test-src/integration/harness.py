# Integration test harness: real webfused + webfuse-provider on loopback.
"""Starts the real daemon and provider as processes with a real FUSE mount,
and always cleans up: every process it started is ended by PID, every mount
is unmounted, every temporary directory removed, also when a test fails,
raises or hangs (a watchdog ends the test before CTest's own timeout).

Binaries come from the environment (set by CTest): WEBFUSED and
WEBFUSE_PROVIDER. Exit code 77 (skip) is used only when /dev/fuse is absent.
"""

import ctypes
import errno
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

SKIP = 77
# A test that chooses none of these runs the daemon with --no-auth.
AUTH_OPTIONS = {"--token-file", "--authenticator", "--no-auth"}
TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(
    __file__)), "..", ".."))
FSTYPE = "fuse.webfuse"
# Seconds a process gets to exit after SIGTERM before SIGKILL.
GRACE = 10
# Words in a log that mean a sanitizer found a problem.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "ERROR: UndefinedBehaviorSanitizer")

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1

# Every environment alive, for the watchdog's emergency cleanup.
_live = []
_live_lock = threading.Lock()


def log(msg):
    """Progress line on stderr, shown by ctest --output-on-failure."""
    sys.stderr.write("[%.1f] %s\n" % (time.monotonic() - _t0, msg))
    sys.stderr.flush()


_t0 = time.monotonic()


def tmp_prefix():
    """Start of the names of this build tree's temporary folders."""
    return "wf-it-%s-" % os.environ.get("WF_IT_TAG", "untagged")


def require_fuse():
    """Skips the whole test (exit 77) only when /dev/fuse is absent."""
    if not os.path.exists("/dev/fuse"):
        print("SKIP: /dev/fuse is absent")
        sys.exit(SKIP)


def binary(var):
    """Path of a program under test, from environment variable @var."""
    path = os.environ.get(var)
    if not path:
        raise RuntimeError("%s is not set (run the test through ctest)" % var)
    if not os.access(path, os.X_OK):
        raise RuntimeError("%s=%s is not an executable (not built?)" %
                           (var, path))
    return path


def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(fn, *args, timeout=30, what=None, **kwargs):
    """Runs fn(*args) in a thread and returns its result, or raises
    TimeoutError when it does not finish within @timeout seconds: a hang in
    a filesystem call fails the test instead of hanging it. A thread stuck
    in the kernel is freed later, when cleanup unmounts."""
    box = {}

    def run():
        try:
            box["result"] = fn(*args, **kwargs)
        except BaseException as e:  # handed to the caller
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    if t.is_alive():
        raise TimeoutError("%s did not finish within %ss (hang)" %
                           (what or getattr(fn, "__name__", "call"), timeout))
    if "error" in box:
        raise box["error"]
    return box.get("result")


def wait_for(pred, timeout, what, interval=0.05):
    """Polls @pred until it returns a true value; TimeoutError after
    @timeout seconds. Returns the value."""
    end = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > end:
            raise TimeoutError("timed out after %ss waiting for %s" %
                               (timeout, what))
        time.sleep(interval)


def mounts():
    """(mountpoint, fstype, device) of every mount, from mountinfo."""
    result = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            sep = parts.index("-")
            point = parts[4].replace("\\040", " ").replace("\\011", "\t")
            result.append((point, parts[sep + 1], parts[2]))
    return result


def mounted(path, fstype=FSTYPE):
    """Whether @path is a mountpoint of type @fstype."""
    return any(p == path and t == fstype for p, t, _ in mounts())


def unmount(path):
    """Unmounts @path however it can: fusermount3 -u, then lazily, then by
    aborting the FUSE connection. Returns True when it is gone."""
    for args in (["-u"], ["-uz"]):
        if not any(p == path for p, _, _ in mounts()):
            return True
        subprocess.run(["fusermount3"] + args + [path],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20, check=False)
    for p, _, dev in mounts():
        if p == path:
            minor = dev.split(":")[1]
            try:
                with open("/sys/fs/fuse/connections/%s/abort" % minor,
                          "w") as f:
                    f.write("1")
            except OSError:
                pass
            subprocess.run(["umount", "-l", path], timeout=20, check=False,
                           stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    return not any(p == path for p, _, _ in mounts())


def _die_with_parent():
    """In the child: get SIGTERM when the test process dies, even by
    SIGKILL, so that no daemon outlives its test."""
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Proc:
    """A program under test, its output in a log file."""

    def __init__(self, name, argv, log_path):
        # The death signal follows the thread that forks: main thread only.
        assert threading.current_thread() is threading.main_thread()
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self._log = open(log_path, "ab")
        log("start %s: %s" % (name, " ".join(argv)))
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=self._log,
                                      stderr=subprocess.STDOUT,
                                      preexec_fn=_die_with_parent)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def send_signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def wait(self, timeout):
        """Exit code, or None if still running after @timeout seconds."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, sig=signal.SIGTERM, grace=GRACE):
        """Ends the process: @sig, then SIGKILL after @grace seconds.
        Returns (exit code, whether it needed SIGKILL)."""
        if not self.alive():
            self._log.close()
            return self.popen.returncode, False
        self.send_signal(sig)
        rc = self.wait(grace)
        killed = rc is None
        if killed:
            log("%s (pid %d) ignored signal %d: SIGKILL" %
                (self.name, self.pid, sig))
            self.popen.kill()
            rc = self.wait(GRACE)
        self._log.close()
        return rc, killed

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


class Webfuse:
    """One test's world: a temp dir, a mountpoint and a directory to lend in
    different parent directories, one daemon and any number of providers.
    Use as a context manager; cleanup always runs."""

    def __init__(self, name, timeout=5):
        self.name = name
        self.timeout = timeout
        self.tmp = tempfile.mkdtemp(prefix="%s%s-" % (tmp_prefix(), name))
        self.mnt = os.path.join(self.tmp, "mnt", "m")
        self.src = os.path.join(self.tmp, "src", "d")
        os.makedirs(self.mnt)
        os.makedirs(self.src)
        self.port = None
        self.daemon = None
        self.mountpoints = [self.mnt]  # the daemon's mounts
        self.providers = []
        # WF_IT_TLS=1 runs the same test over wss:// with a lab certificate.
        self.tls = os.environ.get("WF_IT_TLS") == "1"
        self.cert = self.key = None
        self.problems = []  # found during cleanup
        self._closed = False
        with _live_lock:
            _live.append(self)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        # A problem found in cleanup fails the test, unless it failed anyway.
        if exc_type is None and self.problems:
            raise AssertionError("cleanup: " + "; ".join(self.problems))
        return False

    def path(self, rel):
        """Path of @rel inside the mount."""
        return os.path.join(self.mnt, rel)

    def log_path(self, what):
        return os.path.join(self.tmp, "%s.log" % what)

    def start_daemon(self, extra=(), attempts=3):
        """Starts webfused on a free loopback port and waits for its mount."""
        exe = binary("WEBFUSED")
        for attempt in range(attempts):
            self.port = free_port()
            argv = [exe, "-m", self.mnt, "--port", str(self.port),
                    "--bind", "127.0.0.1", "--timeout", str(self.timeout)]
            if self.tls:
                self.make_cert()
                argv += ["--cert", self.cert, "--key", self.key]
            if not AUTH_OPTIONS & set(extra):
                argv.append("--no-auth")
            argv += list(extra)
            self.daemon = Proc("webfused", argv, self.log_path("webfused"))
            try:
                wait_for(lambda: mounted(self.mnt) or not self.daemon.alive(),
                         15, "the mount of %s" % self.mnt)
            except TimeoutError:
                raise AssertionError("webfused did not mount within 15s:\n" +
                                     self.daemon.output())
            if self.daemon.alive() and mounted(self.mnt):
                self._wait_listening()
                return self.daemon
            out = self.daemon.output()
            self.daemon.stop()
            if "in use" not in out.lower() or attempt == attempts - 1:
                raise AssertionError("webfused exited at start (rc %s):\n%s" %
                                     (self.daemon.popen.returncode, out))
            log("port %d was taken, again" % self.port)
        return None

    def start_daemon_config(self, config, mountpoints, extra=()):
        """Starts webfused --config with @config (a dict, written as JSON;
        the harness sets server.port and server.bind, and "none": true
        authentication unless @config or @extra choose) and waits until
        each of @mountpoints is mounted. Returns the daemon."""
        config = json.loads(json.dumps(config))
        self.port = free_port()
        server = config.setdefault("server", {})
        server.setdefault("port", self.port)
        server.setdefault("bind", "127.0.0.1")
        self.port = server["port"]
        if "-p" in extra:  # the command line overrides the file
            self.port = int(extra[list(extra).index("-p") + 1])
        if "authentication" not in config and not AUTH_OPTIONS & set(extra):
            config["authentication"] = {"none": True}
        path = os.path.join(self.tmp, "webfused.json")
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        self.mountpoints = list(mountpoints)
        self.daemon = Proc("webfused",
                           [binary("WEBFUSED"), "--config", path] +
                           list(extra), self.log_path("webfused"))

        def ready():
            if not self.daemon.alive():
                raise AssertionError("webfused exited at start (rc %s):\n%s"
                                     % (self.daemon.popen.returncode,
                                        self.daemon.output()))
            return all(mounted(m) for m in mountpoints)
        wait_for(ready, 15, "the mounts of webfused")
        self._wait_listening()
        return self.daemon

    def make_cert(self, names=("localhost", "127.0.0.1", "::1")):
        """A self-signed lab certificate for @names (script/make-cert.sh),
        once per environment: self.cert and self.key."""
        if self.cert:
            return
        folder = os.path.join(self.tmp, "tls")
        subprocess.run([os.path.join(TOP, "script", "make-cert.sh"), folder]
                       + list(names), check=True, timeout=60,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        self.cert = os.path.join(folder, "cert.pem")
        self.key = os.path.join(folder, "key.pem")

    def _wait_listening(self):
        """Waits until the daemon accepts TCP connections on its port."""
        def accepts():
            try:
                with socket.create_connection(("127.0.0.1", self.port), 1):
                    return True
            except OSError:
                return False
        wait_for(accepts, 10, "webfused listening on port %d" % self.port)

    def start_provider(self, base64=False, probe=None, directory=None,
                       extra=()):
        """Starts webfuse-provider lending @directory (default: self.src).
        With @probe (a path relative to the lent directory), waits until it
        shows through the mount, i.e. the provider is attached."""
        exe = binary("WEBFUSE_PROVIDER")
        argv = [exe, "-u", "%s://127.0.0.1:%d/" % (
            "wss" if self.tls else "ws", self.port),
                "-p", directory or self.src]
        if self.tls:
            argv += ["--ca", self.cert]
        if base64:
            argv.append("--base64")
        argv += list(extra)
        n = len(self.providers)
        p = Proc("webfuse-provider", argv, self.log_path("provider%d" % n))
        self.providers.append(p)
        if probe:
            self.wait_attached(probe, p)
        return p

    def provider_exit(self, extra=(), url=None, env=None, timeout=20):
        """Runs webfuse-provider --no-reconnect lending self.src to @url
        (default: this daemon over ws://) until it ends, within @timeout
        seconds. Returns (exit code, stderr)."""
        url = url or "ws://127.0.0.1:%d/" % self.port
        p = subprocess.run(
            [binary("WEBFUSE_PROVIDER"), "-u", url, "-p", self.src,
             "--no-reconnect"] + list(extra), env=env,
            stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
            preexec_fn=_die_with_parent)
        err = p.stderr.decode("utf-8", "replace")
        log("provider %s %s: rc %d: %s" % (url, " ".join(extra),
                                           p.returncode, err.strip()))
        return p.returncode, err

    def wait_attached(self, probe, provider=None, timeout=20):
        """Waits until @probe (relative path) is visible through the mount."""
        first = probe.split("/")[0]

        def visible():
            if provider is not None and not provider.alive():
                raise AssertionError("provider exited (rc %s):\n%s" % (
                    provider.popen.returncode, provider.output()))
            try:
                names = call(os.listdir, self.mnt, timeout=10,
                             what="listdir of the mount root")
                return first in names and call(
                    os.path.lexists, self.path(probe), timeout=10,
                    what="lookup of %s" % probe)
            except OSError:
                return False
        try:
            wait_for(visible, timeout, "%s through the mount" % probe, 0.1)
        except TimeoutError:
            raise AssertionError(
                "provider not attached within %ss: %s never appeared\n"
                "--- webfused:\n%s\n--- provider:\n%s" % (
                    timeout, probe, self.daemon.output(),
                    provider.output() if provider else ""))

    def wait_detached(self, timeout=15):
        """Waits until the mount root is empty again (no provider)."""
        def empty():
            try:
                return call(os.listdir, self.mnt, timeout=10,
                            what="listdir of the mount root") == []
            except OSError:
                return False
        wait_for(empty, timeout, "the mount root to become empty", 0.1)

    def stop_daemon(self, sig=signal.SIGTERM):
        """Stops the daemon with @sig; it must exit 0 and leave no mount.
        Returns a list of problems (empty when all went well)."""
        problems = []
        if self.daemon is None:
            return problems
        rc, killed = self.daemon.stop(sig)
        if killed:
            problems.append("webfused ignored signal %d" % sig)
        elif rc != 0:
            problems.append("webfused exited %s on signal %d" % (rc, sig))
        left = [p for p, _, _ in mounts() if p in self.mountpoints]
        if left:
            problems.append("webfused left mounts behind: %s" % left)
        return problems

    def close(self):
        """Ends everything this environment started. Idempotent."""
        if self._closed:
            return
        self._closed = True
        # Mounts the test made beneath its folder (an image mounted from
        # inside the webfuse mount, say) go first, the deepest first.
        inner = [p for p, _, _ in mounts()
                 if p.startswith(self.tmp + "/") and
                 p not in self.mountpoints]
        for path in sorted(inner, key=len, reverse=True):
            if not unmount(path):
                self.problems.append("could not unmount %s" % path)
        for p in self.providers:
            p.stop()
        self.problems += self.stop_daemon()
        for m in self.mountpoints:
            if not unmount(m):
                self.problems.append("could not unmount %s" % m)
        procs = self.providers + ([self.daemon] if self.daemon else [])
        for p in procs:
            text = p.output()
            if any(mark in text for mark in SANITIZER_MARKS):
                self.problems.append("sanitizer report in %s log" % p.name)
        if self.problems:
            for p in procs:
                log("--- %s (pid %d) log:\n%s" % (p.name, p.pid, p.output()))
        shutil.rmtree(self.tmp, ignore_errors=True)
        with _live_lock:
            if self in _live:
                _live.remove(self)


def _emergency(seconds):
    log("WATCHDOG: test still running after %ss: cleaning up" % seconds)
    with _live_lock:
        envs = list(_live)
    for env in envs:
        for p in env.providers + ([env.daemon] if env.daemon else []):
            try:
                p.popen.kill()
            except OSError:
                pass
        for m in env.mountpoints:
            unmount(m)
        for p in env.providers + ([env.daemon] if env.daemon else []):
            p.wait(5)
        shutil.rmtree(env.tmp, ignore_errors=True)
    os._exit(1)


def run(cases, watchdog=240):
    """Runs each (name, function) of @cases; exits 0 if all passed, 1 if
    any failed. A watchdog ends the test after @watchdog seconds."""
    require_fuse()
    timer = threading.Timer(watchdog, _emergency, (watchdog,))
    timer.daemon = True
    timer.start()
    failed = []
    for name, fn in cases:
        log("=== %s" % name)
        try:
            fn()
            log("--- %s: ok" % name)
        except Exception:
            log("--- %s: FAILED\n%s" % (name, traceback.format_exc()))
            failed.append(name)
    timer.cancel()
    if failed:
        log("FAILED: %s" % ", ".join(failed))
        sys.exit(1)
    sys.exit(0)


# --- Data helpers ------------------------------------------------------------

def write_random(path, size, seed=None, chunk=1 << 20):
    """Writes @size random bytes to @path; returns their SHA-256 hex."""
    rng = random.Random(seed) if seed is not None else None
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(chunk, left)
            data = rng.randbytes(n) if rng else os.urandom(n)
            f.write(data)
            h.update(data)
            left -= n
    return h.hexdigest()


def proc_status(pid):
    """The fields of /proc/@pid/status, as strings without the name."""
    with open("/proc/%d/status" % pid) as f:
        return dict((name, value.strip()) for name, value in
                    (line.split(":", 1) for line in f if ":" in line))


def cpu_seconds(pid):
    """User and system CPU time of process @pid so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sleeps(pid):
    """How many times process @pid went to sleep (blocked) so far."""
    return int(proc_status(pid)["voluntary_ctxt_switches"])


def open_descriptors(pid):
    """How many file descriptors process @pid has open."""
    return len(os.listdir("/proc/%d/fd" % pid))


def drop_cache(f):
    """Asks the kernel to forget the cached pages of open file @f, so that
    the next reads go to the daemon again."""
    os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def sha256_of(path, chunk=1 << 20, limit=None, uncached=True):
    """SHA-256 hex of a file read in @chunk reads (from the daemon, not the
    page cache, if @uncached); checks it does not end before @limit bytes
    (a silent short read)."""
    h = hashlib.sha256()
    total = 0
    with open(path, "rb", buffering=0) as f:
        if uncached:
            drop_cache(f)
        for _ in range(1 << 20):  # bounded: 1 Mi reads at most
            data = f.read(chunk)
            if not data:
                break
            h.update(data)
            total += len(data)
    if limit is not None and total != limit:
        raise AssertionError("%s: read %d bytes, expected %d" %
                             (path, total, limit))
    return h.hexdigest()


def expect_errno(fn, errnos, what):
    """Calls @fn; it must raise OSError with an errno in @errnos."""
    try:
        fn()
    except OSError as e:
        if e.errno not in errnos:
            raise AssertionError("%s: errno %s (%s), expected %s" % (
                what, errno.errorcode.get(e.errno, e.errno), e,
                "/".join(errno.errorcode[n] for n in errnos)))
        return e
    raise AssertionError("%s: succeeded, expected %s" % (
        what, "/".join(errno.errorcode[n] for n in errnos)))
