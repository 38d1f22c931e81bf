#!/usr/bin/env python3
"""Benchmark: webfuse (binary and base64 data, and with --busy-poll)
against sshfs over loopback and bindfs (a local FUSE passthrough), on the
same data, in one run.

Run through script/bench.sh, which installs the peers and builds webfuse.
Prints a table of medians (min-max) over --runs runs and the ratios of
webfuse to each peer. Everything it starts it stops; every mount it makes
it unmounts; it works in one temporary folder that it removes. See
doc/benchmark.md."""

import argparse
import io
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time

MiB = 1 << 20
CHUNK = MiB
WATCHDOG_S = 3600
TESTS = ("read", "write", "ls", "cat", "untar", "stat")
BUSY_POLL_US = 200  # the webfuse-poll mount's webfused --busy-poll
RATED = ("webfuse", "webfuse-poll")  # compared with each peer
settle_s = 3.0  # --settle


def log(text):
    print(text, file=sys.stderr, flush=True)


def run(argv, **kwargs):
    kwargs.setdefault("timeout", 120)
    kwargs.setdefault("check", True)
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(argv, **kwargs)


def mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def wait_for(pred, seconds, what):
    end = time.monotonic() + seconds
    while not pred():
        if time.monotonic() > end:
            raise RuntimeError("timed out waiting for %s" % what)
        time.sleep(0.05)


def unmount(path):
    for argv in (["fusermount3", "-u", path], ["fusermount3", "-uz", path],
                 ["umount", "-l", path]):
        if not mounted(path):
            return
        subprocess.run(argv, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=30, check=False)


def settle():
    """Starts each timed run alike: every cache dropped, then a pause of
    --settle seconds for what earlier runs left the kernel to do. Reads
    through one mount ran 2-3 times slower with the other mounts' pages
    of the big file still cached, and a write right after the previous
    run unlinked its file up to 3 times slower than after a pause."""
    drop_all_caches()
    time.sleep(settle_s)


def drop_all_caches():
    """Clean dentries, inodes and pages everywhere: what the kernel cached
    of every mount (names, attributes) is forgotten too."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


class Proc:
    def __init__(self, argv, log_path, env=None):
        self.log = open(log_path, "ab")
        self.popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=self.log, stderr=self.log,
                                      env=env)
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def status_kib(self, field):
        """A KiB figure of /proc/PID/status: VmHWM (peak RSS, every page
        mapped) or RssAnon (the process's own memory now)."""
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return 0

    def reset_peak_rss(self):
        """Starts VmHWM again from the present RSS."""
        with open("/proc/%d/clear_refs" % self.pid, "w") as f:
            f.write("5\n")

    def stop(self):
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self.log.close()


class Mount:
    """One filesystem under test: its mountpoint, where it keeps its data
    (the folder it serves), and the processes it runs."""

    def __init__(self, name, work, data):
        self.name = name
        self.mnt = os.path.join(work, "mnt-" + name)
        self.data = data
        self.procs = {}
        self.read_rss = {}  # process name: highest VmHWM of a read, KiB
        self.read_anon = {}  # process name: highest RssAnon seen, KiB
        os.makedirs(self.mnt)

    def path(self, rel):
        return os.path.join(self.mnt, rel)

    def close(self):
        unmount(self.mnt)
        for p in self.procs.values():
            p.stop()
        unmount(self.mnt)


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_webfuse(name, work, data, build, base64=False, busy_poll=0,
                  daemon=None):
    m = Mount(name, work, data)
    port = free_port()
    m.procs["webfused"] = Proc(
        [daemon or os.path.join(build, "src/webfused/webfused"), "-m", m.mnt,
         "--port", str(port), "--bind", "127.0.0.1", "--no-auth",
         "--timeout", "60", "--busy-poll", str(busy_poll)],
        os.path.join(work, name + "-daemon.log"))
    wait_for(lambda: mounted(m.mnt), 20, "the webfuse mount")
    argv = [os.path.join(build, "src/webfuse-provider/webfuse-provider"),
            "-u", "ws://127.0.0.1:%d/" % port, "-p", data]
    if base64:
        argv.append("--base64")
    m.procs["webfuse-provider"] = Proc(
        argv, os.path.join(work, name + "-provider.log"))
    wait_for(lambda: os.path.exists(m.path("big.bin")), 20,
             "the provider to attach")
    return m


def start_sshd(work):
    """An sshd of our own on a loopback port, with throwaway keys."""
    ssh = os.path.join(work, "ssh")
    os.makedirs(ssh, mode=0o700)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
         os.path.join(ssh, "host_key")])
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
         os.path.join(ssh, "client_key")])
    shutil.copy(os.path.join(ssh, "client_key.pub"),
                os.path.join(ssh, "authorized_keys"))
    port = free_port()
    config = os.path.join(ssh, "sshd_config")
    with open(config, "w") as f:
        f.write("Port %d\nListenAddress 127.0.0.1\nHostKey %s\n"
                "AuthorizedKeysFile %s\nPermitRootLogin prohibit-password\n"
                "PasswordAuthentication no\nUsePAM no\nStrictModes no\n"
                "Subsystem sftp internal-sftp\nPidFile %s\n" % (
                    port, os.path.join(ssh, "host_key"),
                    os.path.join(ssh, "authorized_keys"),
                    os.path.join(ssh, "sshd.pid")))
    os.makedirs("/run/sshd", exist_ok=True)
    sshd = Proc(["/usr/sbin/sshd", "-D", "-e", "-f", config],
                os.path.join(work, "sshd.log"))
    return sshd, port, os.path.join(ssh, "client_key")


def start_sshfs(work, data, sshd, port, key):
    m = Mount("sshfs", work, data)
    opts = ("IdentityFile=%s,StrictHostKeyChecking=no,"
            "UserKnownHostsFile=/dev/null,Ciphers=aes128-gcm@openssh.com,"
            "LogLevel=ERROR" % key)
    for _ in range(50):
        if subprocess.run(["sshfs", "-p", str(port), "-o", opts,
                           "root@127.0.0.1:" + data, m.mnt],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=30).returncode == 0:
            break
        time.sleep(0.2)
    wait_for(lambda: mounted(m.mnt), 20, "the sshfs mount")
    return m


def start_bindfs(work, data):
    m = Mount("bindfs", work, data)
    run(["bindfs", data, m.mnt])
    wait_for(lambda: mounted(m.mnt), 20, "the bindfs mount")
    return m


# --- the data set -------------------------------------------------------------

def make_data(data, big_mib, tree_files, tar_files):
    """big.bin (random), tree/ of small files in 50 folders, and a tarball
    of small files to unpack (kept outside the data folder)."""
    os.makedirs(data)
    rnd = random.Random(1)
    block = rnd.randbytes(CHUNK)
    with open(os.path.join(data, "big.bin"), "wb") as f:
        for i in range(big_mib):
            f.write(block[i % 997:] + block[:i % 997])
    tree = os.path.join(data, "tree")
    for i in range(tree_files):
        folder = os.path.join(tree, "d%02d" % (i % 50))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "f%05d.txt" % i), "wb") as f:
            f.write(rnd.randbytes(rnd.randint(512, 8192)))
    tarball = os.path.join(os.path.dirname(data), "small.tar")
    with tarfile.open(tarball, "w") as tar:
        for i in range(tar_files):
            body = rnd.randbytes(rnd.randint(256, 4096))
            info = tarfile.TarInfo("u/d%02d/f%05d" % (i % 40, i))
            info.size = len(body)
            info.mtime = 1700000000
            tar.addfile(info, fileobj=io.BytesIO(body))
    return tarball


# --- the measurements -------------------------------------------------------

def warm(path):
    """Reads @path once, so that its pages are in the page cache."""
    with open(path, "rb", buffering=0) as f:
        while f.read(CHUNK):
            pass


def seq_read(m, size):
    """MB/s of a sequential read through the mount with its cache cold.
    The source file is in the page cache, so that the filesystem is
    measured, not the disk."""
    path = m.path("big.bin")
    settle()
    warm(os.path.join(m.data, "big.bin"))
    for p in m.procs.values():
        p.reset_peak_rss()
    anon = {name: 0 for name in m.procs}
    done = threading.Event()

    def sample():  # RssAnon has no peak of its own: every 20 ms
        while not done.wait(0.02):
            for name, p in m.procs.items():
                anon[name] = max(anon[name], p.status_kib("RssAnon"))

    sampler = threading.Thread(target=sample)
    sampler.start()
    t0 = time.monotonic()
    total = 0
    with open(path, "rb", buffering=0) as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            total += len(chunk)
    dt = time.monotonic() - t0
    done.set()
    sampler.join()
    assert total == size, "short read through %s: %d" % (m.name, total)
    for name, p in m.procs.items():
        m.read_rss[name] = max(m.read_rss.get(name, 0), p.status_kib("VmHWM"))
        m.read_anon[name] = max(m.read_anon.get(name, 0), anon[name])
    return size / 1e6 / dt


def seq_write(m, size):
    path = m.path("written.bin")
    block = os.urandom(CHUNK)
    settle()
    t0 = time.monotonic()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for _ in range(size // CHUNK):
            os.write(fd, block)
        os.fsync(fd)
    finally:
        os.close(fd)
    dt = time.monotonic() - t0
    os.unlink(path)
    return size / 1e6 / dt


def timed(argv, cwd=None, timeout=600):
    """Seconds @argv runs. It is waited for in waitpid(): subprocess's wait
    with a timeout polls, at last every 50 ms, which put up to 50 ms on
    every figure (they fell on 50 ms steps). A timer kills it after
    @timeout seconds instead."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL)
    killer = threading.Timer(timeout, p.kill)
    killer.start()
    try:
        rc = p.wait()
    finally:
        killer.cancel()
    dt = time.monotonic() - t0
    if rc:
        raise RuntimeError("%s exited with %d" % (" ".join(argv), rc))
    return dt


def ls_tree(m):
    settle()
    return timed(["ls", "-lR", m.path("tree")])


def cat_tree(m):
    settle()
    return timed(["sh", "-c", "find . -type f -exec cat {} + >/dev/null"],
                 cwd=m.path("tree"))


def untar(m, tarball, n):
    target = m.path("untar%d" % n)
    os.mkdir(target)
    settle()
    dt = timed(["tar", "-xf", tarball, "-C", target])
    shutil.rmtree(os.path.join(m.data, "untar%d" % n))
    return dt


def stat_latency(m, count):
    """Microseconds per stat of a name the kernel has not cached."""
    settle()
    names = []
    for d in sorted(os.listdir(os.path.join(m.data, "tree")))[:10]:
        folder = os.path.join("tree", d)
        names += [os.path.join(folder, n) for n in
                  sorted(os.listdir(os.path.join(m.data, folder)))]
    names = names[:count]
    # The folders once, so that each stat below is one lookup.
    for d in {os.path.dirname(n) for n in names}:
        os.stat(m.path(d))
    t0 = time.monotonic()
    for n in names:
        os.stat(m.path(n))
    return (time.monotonic() - t0) / len(names) * 1e6


def size_name(mib):
    return "%d GiB" % (mib // 1024) if mib % 1024 == 0 else "%d MiB" % mib


# --- the table ------------------------------------------------------------------

def summary(values):
    return statistics.median(values), min(values), max(values)


def fmt(values, unit):
    med, lo, hi = summary(values)
    digits = 0 if med >= 100 else 1 if med >= 10 else 2
    return "%.*f %s (%.*f-%.*f)" % (digits, med, unit, digits, lo, digits,
                                     hi)


def main():
    global settle_s
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True, help="webfuse build folder")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--big-mib", type=int, default=1024)
    ap.add_argument("--write-mib", type=int, default=512)
    ap.add_argument("--tree-files", type=int, default=5000)
    ap.add_argument("--tar-files", type=int, default=2000)
    ap.add_argument("--stats", type=int, default=1000)
    ap.add_argument("--stream-gib", type=int, default=0,
                    help="also stream this many GiB through webfuse and "
                    "report its peak RSS in the first and the last GiB")
    ap.add_argument("--shared-daemon", metavar="PATH",
                    help="a webfused linked with shared libraries, whose "
                    "peak RSS while reading is reported too (the --build "
                    "one is linked static)")
    ap.add_argument("--settle", type=float, default=settle_s,
                    help="seconds of pause before each timed run "
                    "(default %(default)s)")
    ap.add_argument("--tests", default=",".join(TESTS),
                    help="the tests to run, of: %(default)s")
    opts = ap.parse_args()
    settle_s = opts.settle
    chosen = opts.tests.split(",")
    for t in chosen:
        if t not in TESTS:
            ap.error("unknown test %r (tests: %s)" % (t, ",".join(TESTS)))
    if os.geteuid() != 0:
        sys.exit("bench: must run as root (mounts, sshd, drop_caches)")

    timer = threading.Timer(WATCHDOG_S, lambda: os.kill(os.getpid(),
                                                          signal.SIGTERM))
    timer.daemon = True
    timer.start()
    work = tempfile.mkdtemp(prefix="wf-bench-")
    mounts = []
    rss_only = []
    sshd = None
    try:
        data = os.path.join(work, "data")
        log("bench: making the data set in %s" % data)
        tarball = make_data(data, opts.big_mib, opts.tree_files,
                            opts.tar_files)
        os.sync()  # no writeback of the data set during the runs
        sshd, port, key = start_sshd(work)
        mounts = [
            start_webfuse("webfuse", work, data, opts.build),
            start_webfuse("webfuse-poll", work, data, opts.build,
                          busy_poll=BUSY_POLL_US),
            start_webfuse("webfuse-b64", work, data, opts.build,
                          base64=True),
            start_sshfs(work, data, sshd, port, key),
            start_bindfs(work, data),
        ]
        results = {m.name: {} for m in mounts}
        tests = [
            ("read", "read %s" % size_name(opts.big_mib), "MB/s", lambda m, i: seq_read(
                m, opts.big_mib * MiB), True),
            ("write", "write %s+fsync" % size_name(opts.write_mib), "MB/s", lambda m, i: seq_write(
                m, opts.write_mib * MiB), True),
            ("ls", "ls -lR %d files" % opts.tree_files, "s", lambda m, i: ls_tree(m), False),
            ("cat", "cat %d files" % opts.tree_files, "s", lambda m, i: cat_tree(m), False),
            ("untar", "untar %d files" % opts.tar_files, "s", lambda m, i: untar(m, tarball, i),
             False),
            ("stat", "stat, uncached", "us", lambda m, i: stat_latency(
                m, opts.stats), False),
        ]
        tests = [t[1:] for t in tests if t[0] in chosen]
        for m in mounts:  # untimed: what a first read through it costs
            with open(m.path("big.bin"), "rb", buffering=0) as f:
                for _ in range(64):
                    f.read(CHUNK)
        for label, unit, fn, _ in tests:
            for i in range(opts.runs):
                for m in mounts[i % len(mounts):] + mounts[:i % len(mounts)]:
                    v = fn(m, i)
                    results[m.name].setdefault(label, []).append(v)
                    log("bench: %-22s %-12s run %d: %.3f %s" % (
                        label, m.name, i + 1, v, unit))
        stream = []  # per GiB streamed: {process name: peak RSS, KiB}
        if opts.stream_gib:
            m = mounts[0]
            kept = m.read_rss, m.read_anon
            for _ in range(opts.stream_gib * 1024 // opts.big_mib):
                m.read_rss, m.read_anon = {}, {}
                seq_read(m, opts.big_mib * MiB)
                stream.append(m.read_rss)
            m.read_rss, m.read_anon = kept
        if opts.shared_daemon:  # read only for its RSS row
            m = start_webfuse("webfuse-shared", work, data, opts.build,
                              daemon=opts.shared_daemon)
            rss_only.append(m)
            for _ in range(opts.runs):
                seq_read(m, opts.big_mib * MiB)

        names = [m.name for m in mounts]
        print("\nwebfuse benchmark: median (min-max) of %d runs, loopback, "
              "%d cores" % (opts.runs, os.cpu_count()))
        print("%-22s" % "" + "".join("%-24s" % n for n in names))
        for label, unit, _, _ in tests:
            print("%-22s" % label + "".join(
                "%-24s" % fmt(results[n][label], unit) for n in names))
        print("\nratios of the medians: how many times faster webfuse is "
              "(webfuse-b64 is webfuse\nwith --base64, webfuse-poll with "
              "--busy-poll %d)" % BUSY_POLL_US)
        pairs = [(w, p) for w in RATED for p in ("sshfs", "bindfs")]
        print("%-22s" % "" + "".join("%-20s" % ("%s/%s" % pair)
                                     for pair in pairs))
        for label, unit, _, higher_better in tests:
            med = {n: statistics.median(results[n][label]) for n in names}
            row = "%-22s" % label
            for w, peer in pairs:
                ratio = (med[w] / med[peer] if higher_better
                         else med[peer] / med[w])
                row += "%-20s" % ("%.2fx" % ratio)
            print(row)
        print("\npeak RSS while reading %s, highest of the runs: VmHWM "
              "(all pages, shared libraries' too) and RssAnon (the "
              "process's own, sampled every 20 ms):" % size_name(opts.big_mib))
        for m in mounts + rss_only:
            for pname, kib in m.read_rss.items():
                if pname.startswith("webfuse"):
                    print("  %-32s %6.2f MiB  %6.2f MiB" % (
                        "%s %s" % (m.name, pname), kib / 1024,
                        m.read_anon[pname] / 1024))
        if stream:
            print("\nstreaming %d GiB through webfuse, peak RSS of each "
                  "pass (first, highest, last):" % opts.stream_gib)
            for pname in stream[0]:
                kib = [s[pname] for s in stream]
                print("  %-20s %6.2f %6.2f %6.2f MiB" % (
                    pname, kib[0] / 1024, max(kib) / 1024, kib[-1] / 1024))
    finally:
        for m in mounts + rss_only:
            m.close()
        if sshd:
            sshd.stop()
        shutil.rmtree(work, ignore_errors=True)
        timer.cancel()


if __name__ == "__main__":
    main()
