#!/usr/bin/env python3
# Integration: a tree of a few hundred entries lists and reads identically.
import errno
import hashlib
import os
import random
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FILE_SIZES = [0, 0, 1, 2, 511, 512, 513, 4095, 4096, 4097, 65536, 100000]
BIG_SIZES = [(1 << 20) + 1, (3 << 20) + 7]
FILE_MODES = [0o644, 0o600, 0o755, 0o400, 0o444, 0o700, 0o640, 0o000,
              0o4755, 0o2750, 0o1644]
DIR_MODES = [0o755, 0o700, 0o750, 0o555, 0o1777, 0o711]
ODD_NAMES = ["with space", "\u00fcml\u00e4ut \u2603", ".hidden", "a.b.c",
             "...", "-dash", "tab\tname", "new\nline", "x" * 255,
             "quote\"'", "back\\slash", "%percent", "#hash"]


def make_tree(root, rng, count=320):
    """Builds a deterministic tree of about @count entries under @root.
    Returns the directories, for setting their modes last."""
    dirs = [root]
    made = 0
    odd = list(ODD_NAMES)
    big = list(BIG_SIZES)
    while made < count:
        parent = rng.choice(dirs)
        if parent.count(os.sep) - root.count(os.sep) >= 6:
            continue
        name = odd.pop() if odd and rng.random() < 0.2 else \
            "e%03d_%s" % (made, rng.choice(["f", "file.txt", "d", "x.bin"]))
        path = os.path.join(parent, name)
        if os.path.lexists(path):
            continue
        kind = rng.choices(["file", "dir", "link", "fifo"],
                           [60, 20, 18, 2])[0]
        if kind == "file":
            size = big.pop() if big and rng.random() < 0.05 else \
                rng.choice(FILE_SIZES)
            with open(path, "wb") as f:
                f.write(rng.randbytes(size))
            os.chmod(path, rng.choice(FILE_MODES))
        elif kind == "dir":
            os.mkdir(path)
            dirs.append(path)
        elif kind == "fifo":
            os.mkfifo(path)
            os.chmod(path, 0o640)
        else:
            target = rng.choice([
                "does-not-exist",                     # dangling
                "../" * rng.randint(1, 3) + "up",     # relative, upwards
                os.path.join(root, "absolute-target"),  # absolute
                "/nonexistent/absolute/dangling",
                "/etc/hostname",
                "t" * 1000,                           # long target
                "with space/and \u00fcml\u00e4ut",
                "loop-" + name,                       # never resolves
                ".", "..",
            ])
            os.symlink(target, path)
        # Times with nanoseconds, not following symlinks.
        ns = 1_600_000_000_000_000_000 + rng.randrange(10 ** 15)
        os.utime(path, ns=(ns, ns + 123456789), follow_symlinks=False)
        made += 1
    # Files above 1 MiB always exist, one of them executable.
    for i, size in enumerate(BIG_SIZES):
        with open(os.path.join(root, "big%d.bin" % i), "wb") as f:
            f.write(rng.randbytes(size))
    os.chmod(os.path.join(root, "big0.bin"), 0o755)
    return dirs


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        drop = harness.drop_cache
        drop(f)
        for _ in range(1 << 16):
            data = f.read(1 << 20)
            if not data:
                break
            h.update(data)
    return h.hexdigest()


def compare_tree(src, mnt):
    """Walks @src and @mnt side by side; returns the number of entries
    compared. Raises AssertionError on the first difference."""
    compared = 0
    stack = [""]
    while stack:
        rel = stack.pop()
        sdir = os.path.join(src, rel)
        mdir = os.path.join(mnt, rel)
        want = sorted(os.listdir(sdir))
        got = sorted(os.listdir(mdir))
        assert got == want, "listing of /%s differs:\n only src: %s\n " \
            "only mnt: %s" % (rel, sorted(set(want) - set(got)),
                              sorted(set(got) - set(want)))
        # scandir types come from readdir, before any lookup.
        with os.scandir(mdir) as it:
            kinds = {e.name: (e.is_dir(follow_symlinks=False),
                              e.is_file(follow_symlinks=False),
                              e.is_symlink()) for e in it}
        for name in want:
            s = os.lstat(os.path.join(sdir, name))
            m = os.lstat(os.path.join(mdir, name))
            where = "/" + os.path.join(rel, name)
            assert stat.S_IFMT(m.st_mode) == stat.S_IFMT(s.st_mode), \
                "%s: type %o, expected %o" % (
                    where, stat.S_IFMT(m.st_mode), stat.S_IFMT(s.st_mode))
            assert stat.S_IMODE(m.st_mode) == stat.S_IMODE(s.st_mode), \
                "%s: mode %04o, expected %04o" % (
                    where, stat.S_IMODE(m.st_mode), stat.S_IMODE(s.st_mode))
            assert m.st_mtime_ns == s.st_mtime_ns, \
                "%s: mtime_ns %d, expected %d" % (
                    where, m.st_mtime_ns, s.st_mtime_ns)
            assert kinds[name] == (stat.S_ISDIR(s.st_mode),
                                   stat.S_ISREG(s.st_mode),
                                   stat.S_ISLNK(s.st_mode)), \
                "%s: scandir type differs" % where
            if stat.S_ISREG(s.st_mode) or stat.S_ISLNK(s.st_mode):
                assert m.st_size == s.st_size, "%s: size %d, expected %d" \
                    % (where, m.st_size, s.st_size)
            if stat.S_ISLNK(s.st_mode):
                t = os.readlink(os.path.join(mdir, name))
                assert t == os.readlink(os.path.join(sdir, name)), \
                    "%s: symlink target %r differs" % (where, t)
            elif stat.S_ISREG(s.st_mode):
                assert digest(os.path.join(mdir, name)) == \
                    digest(os.path.join(sdir, name)), \
                    "%s: content differs" % where
            elif stat.S_ISDIR(s.st_mode):
                stack.append(os.path.join(rel, name))
            compared += 1
    return compared


def tree():
    with harness.Webfuse("tree") as wf:
        rng = random.Random(20240601)
        dirs = make_tree(wf.src, rng)
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        os.chmod(os.path.join(wf.src, "probe.txt"), 0o644)
        for d in reversed(dirs[1:]):
            os.chmod(d, rng.choice(DIR_MODES))
        wf.start_daemon()
        wf.start_provider(probe="probe.txt", extra=["--read-only"])

        n = harness.call(compare_tree, wf.src, wf.mnt, timeout=180,
                         what="comparing the tree")
        harness.log("compared %d entries" % n)
        assert n >= 300, "only %d entries compared" % n

        # The root itself.
        st = harness.call(os.stat, wf.mnt, timeout=10)
        assert stat.S_ISDIR(st.st_mode), "mount root is not a directory"

        # statfs is the provider's, for the root and below.
        def statfs():
            want = os.statvfs(wf.src)
            for where in (wf.mnt, wf.path("probe.txt")):
                got = os.statvfs(where)
                for field in ("f_bsize", "f_frsize", "f_blocks", "f_files",
                              "f_namemax"):
                    assert getattr(got, field) == getattr(want, field), \
                        "statvfs(%s).%s = %d, expected %d" % (
                            where, field, getattr(got, field),
                            getattr(want, field))
        harness.call(statfs, timeout=20, what="statvfs")

        # access(): existence, read and execute as the provider sees them;
        # the directory is lent read-only, so nothing is writable.
        def access():
            p = wf.path
            assert os.access(p("probe.txt"), os.F_OK)
            assert os.access(p("probe.txt"), os.R_OK)
            assert not os.access(p("probe.txt"), os.X_OK), \
                "X_OK granted on a 0644 file"
            assert os.access(p("big0.bin"), os.R_OK | os.X_OK), \
                "R_OK|X_OK refused on a 0755 file"
            assert not os.access(p("no-such-file"), os.F_OK)
            assert os.access(wf.mnt, os.R_OK | os.X_OK)
            assert not os.access(p("probe.txt"), os.W_OK), \
                "W_OK granted by a --read-only provider"
        harness.call(access, timeout=20, what="access")

        # --read-only: writing, creating, removing all fail with EROFS.
        def read_only():
            p = wf.path
            bad = (errno.EROFS,)
            harness.expect_errno(lambda: os.open(p("probe.txt"),
                                                 os.O_WRONLY),
                                 bad, "open for writing")
            harness.expect_errno(lambda: os.open(p("new.txt"),
                                                 os.O_WRONLY | os.O_CREAT,
                                                 0o644),
                                 bad, "create")
            harness.expect_errno(lambda: os.unlink(p("probe.txt")), bad,
                                 "unlink")
            harness.expect_errno(lambda: os.mkdir(p("newdir")), bad, "mkdir")
            for what, fn in (
                    ("truncate", lambda: os.truncate(p("probe.txt"), 0)),
                    ("chmod", lambda: os.chmod(p("probe.txt"), 0o600)),
                    ("utime", lambda: os.utime(p("probe.txt"))),
                    ("rename", lambda: os.rename(p("probe.txt"), p("x"))),
                    ("symlink", lambda: os.symlink("t", p("newlink"))),
                    ("link", lambda: os.link(p("probe.txt"), p("newhard"))),
                    ("mkfifo", lambda: os.mkfifo(p("newfifo"))),
                    ("setxattr", lambda: os.setxattr(p("probe.txt"),
                                                     "user.x", b"1"))):
                harness.expect_errno(fn, bad, what)
            with open(os.path.join(wf.src, "probe.txt")) as f:
                assert f.read() == "probe\n", "the lent file was changed"
        harness.call(read_only, timeout=20, what="read-only checks")

        # Missing entries are ENOENT, not some other error.
        harness.expect_errno(
            lambda: harness.call(os.lstat, wf.path("nope/deeper"),
                                 timeout=10),
            (errno.ENOENT,), "lstat of a missing path")


harness.run([("tree of %s entries" % "300+", tree)], watchdog=400)
