#!/usr/bin/env python3
# Integration: every write operation through the real mount, checked both
# by what the caller sees and by what landed in the lent directory.
# Run with --base64 to carry the write payloads as base64 instead of
# binary attachments.
import errno
import os
import stat
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import syscalls  # noqa: E402

BASE64 = "--base64" in sys.argv[1:]
MiB = 1 << 20


class Ops:
    """One mount with a provider; each method tests one operation."""

    def __init__(self, wf):
        self.wf = wf

    def m(self, rel):
        return self.wf.path(rel)

    def s(self, rel):
        return os.path.join(self.wf.src, rel)

    def src_bytes(self, rel):
        with open(self.s(rel), "rb") as f:
            return f.read()

    def create_exclusive(self):
        fd = os.open(self.m("c.txt"), os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                     0o640)
        assert os.write(fd, b"hello") == 5
        os.close(fd)
        assert self.src_bytes("c.txt") == b"hello"
        assert stat.S_IMODE(os.stat(self.s("c.txt")).st_mode) == 0o640
        st = os.stat(self.m("c.txt"))
        assert st.st_size == 5 and stat.S_IMODE(st.st_mode) == 0o640
        harness.expect_errno(
            lambda: os.open(self.m("c.txt"), os.O_CREAT | os.O_EXCL |
                            os.O_WRONLY, 0o600), (errno.EEXIST,),
            "exclusive create of an existing file")
        # Without O_EXCL an existing file is opened (and truncated).
        fd = os.open(self.m("c.txt"), os.O_CREAT | os.O_TRUNC | os.O_WRONLY,
                     0o600)
        os.close(fd)
        assert self.src_bytes("c.txt") == b""
        assert stat.S_IMODE(os.stat(self.s("c.txt")).st_mode) == 0o640

    def write_offsets_sparse(self):
        path = self.m("w.bin")
        data = os.urandom(3 * MiB + 17)  # larger than one max_write
        with open(path, "wb") as f:
            f.write(data)
            f.seek(5 * MiB + 3)
            f.write(b"tail")
        with open(path, "r+b") as f:
            f.seek(100)
            f.write(b"middle")
        want = bytearray(data + bytes(5 * MiB + 3 - len(data)) + b"tail")
        want[100:106] = b"middle"
        assert self.src_bytes("w.bin") == bytes(want), "content differs"
        st = os.stat(self.s("w.bin"))
        assert st.st_size == len(want)
        assert st.st_blocks * 512 < len(want), "the hole was filled"
        # Visible to the next stat and read through the mount.
        assert os.stat(path).st_size == len(want)
        assert harness.sha256_of(path) == harness.sha256_of(self.s("w.bin"))

    def append(self):
        path = self.m("a.log")
        with open(path, "ab") as f:
            f.write(b"one\n")
        with open(self.s("a.log"), "ab") as f:
            f.write(b"two\n")  # grows behind the mount's back
        with open(path, "ab") as f:
            f.write(b"three\n")
        assert self.src_bytes("a.log") == b"one\ntwo\nthree\n"

    def truncate(self):
        path = self.m("t.bin")
        with open(path, "wb") as f:
            f.write(b"x" * 1000)
        os.truncate(path, 10)
        assert self.src_bytes("t.bin") == b"x" * 10
        assert os.stat(path).st_size == 10
        with open(path, "r+b") as f:
            os.ftruncate(f.fileno(), 100000)
            assert os.fstat(f.fileno()).st_size == 100000
        assert self.src_bytes("t.bin") == b"x" * 10 + bytes(99990)

    def mkdir_rmdir(self):
        os.mkdir(self.m("d"), 0o750)
        st = os.stat(self.s("d"))
        assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o750
        assert stat.S_IMODE(os.stat(self.m("d")).st_mode) == 0o750
        harness.expect_errno(lambda: os.mkdir(self.m("d")), (errno.EEXIST,),
                             "mkdir of an existing directory")
        open(self.m("d/f"), "w").close()
        harness.expect_errno(lambda: os.rmdir(self.m("d")),
                             (errno.ENOTEMPTY,), "rmdir of a full directory")
        harness.expect_errno(lambda: os.rmdir(self.m("d/f")),
                             (errno.ENOTDIR,), "rmdir of a file")
        os.unlink(self.m("d/f"))
        os.rmdir(self.m("d"))
        assert not os.path.lexists(self.s("d"))
        assert not os.path.lexists(self.m("d"))

    def unlink(self):
        open(self.m("u"), "w").close()
        os.unlink(self.m("u"))
        assert not os.path.lexists(self.s("u"))
        harness.expect_errno(lambda: os.unlink(self.m("u")),
                             (errno.ENOENT,), "unlink of a missing file")
        os.mkdir(self.m("ud"))
        harness.expect_errno(lambda: os.unlink(self.m("ud")),
                             (errno.EISDIR,), "unlink of a directory")
        os.rmdir(self.m("ud"))

    def unlink_open_file(self):
        path = self.m("open.bin")
        with open(path, "w+b") as f:
            f.write(b"before")
            f.flush()
            os.unlink(path)
            assert not os.path.lexists(self.s("open.bin"))
            assert not os.path.lexists(path)
            f.write(b" after")
            f.flush()
            f.seek(0)
            harness.drop_cache(f)
            assert f.read() == b"before after"
            st = os.fstat(f.fileno())
            assert st.st_size == 12 and st.st_nlink == 0, st
            os.ftruncate(f.fileno(), 3)
            os.fchmod(f.fileno(), 0o600)
            assert os.fstat(f.fileno()).st_size == 3
        # A new file of the same name is another file.
        with open(path, "wb") as f:
            f.write(b"new")
        assert self.src_bytes("open.bin") == b"new"

    def rename_file(self):
        with open(self.m("r1"), "wb") as f:
            f.write(b"one")
        with open(self.m("r2"), "wb") as f:
            f.write(b"two")
        with open(self.m("r1"), "rb") as held:
            os.rename(self.m("r1"), self.m("r2"))  # over an existing target
            assert self.src_bytes("r2") == b"one"
            assert not os.path.lexists(self.s("r1"))
            assert not os.path.lexists(self.m("r1"))
            held.seek(0)
            assert held.read() == b"one", "the open file lost its way"
        with open(self.m("r2"), "rb") as f:
            assert f.read() == b"one"

    def rename_directory_tree(self):
        os.makedirs(self.m("t1/a/b"))
        with open(self.m("t1/a/b/f"), "wb") as f:
            f.write(b"deep")
        os.mkdir(self.m("t2"))
        before = os.stat(self.m("t1/a/b/f")).st_ino
        os.rename(self.m("t1"), self.m("t2/moved"))
        assert self.src_bytes("t2/moved/a/b/f") == b"deep"
        with open(self.m("t2/moved/a/b/f"), "rb") as f:
            assert f.read() == b"deep"
        assert os.stat(self.m("t2/moved/a/b/f")).st_ino == before
        assert not os.path.lexists(self.m("t1"))
        # Over a non-empty directory fails, over an empty one works.
        os.makedirs(self.m("full/x"))
        harness.expect_errno(lambda: os.rename(self.m("t2"), self.m("full")),
                             (errno.ENOTEMPTY, errno.EEXIST),
                             "rename over a non-empty directory")
        os.mkdir(self.m("empty"))
        os.rename(self.m("t2"), self.m("empty"))
        assert self.src_bytes("empty/moved/a/b/f") == b"deep"
        harness.expect_errno(
            lambda: os.rename(self.m("empty"), self.m("empty/moved/inside")),
            (errno.EINVAL,), "rename of a directory into itself")

    def rename_flags(self):
        for name, data in (("n1", b"1"), ("n2", b"2")):
            with open(self.m(name), "wb") as f:
                f.write(data)
        harness.expect_errno(
            lambda: syscalls.renameat2(self.m("n1"), self.m("n2"),
                                    syscalls.RENAME_NOREPLACE),
            (errno.EEXIST,), "RENAME_NOREPLACE over an existing file")
        syscalls.renameat2(self.m("n1"), self.m("n3"), syscalls.RENAME_NOREPLACE)
        assert self.src_bytes("n3") == b"1"
        syscalls.renameat2(self.m("n2"), self.m("n3"), syscalls.RENAME_EXCHANGE)
        assert self.src_bytes("n3") == b"2" and self.src_bytes("n2") == b"1"
        with open(self.m("n3"), "rb") as f:
            assert f.read() == b"2"
        with open(self.m("n2"), "rb") as f:
            assert f.read() == b"1"
        harness.expect_errno(
            lambda: syscalls.renameat2(self.m("n2"), self.m("none"),
                                    syscalls.RENAME_EXCHANGE),
            (errno.ENOENT,), "RENAME_EXCHANGE with a missing target")

    def symlink(self):
        target = "../somewhere/else \u2603"
        os.symlink(target, self.m("sl"))
        assert os.readlink(self.s("sl")) == target
        assert os.readlink(self.m("sl")) == target
        assert stat.S_ISLNK(os.lstat(self.m("sl")).st_mode)
        harness.expect_errno(lambda: os.symlink("x", self.m("sl")),
                             (errno.EEXIST,), "symlink over an existing name")

    def hard_link(self):
        with open(self.m("h1"), "wb") as f:
            f.write(b"shared")
        os.link(self.m("h1"), self.m("h2"))
        s1, s2 = os.stat(self.s("h1")), os.stat(self.s("h2"))
        assert s1.st_ino == s2.st_ino and s1.st_nlink == 2
        m2 = os.stat(self.m("h2"))
        assert m2.st_nlink == 2 and m2.st_ino == s1.st_ino, m2
        with open(self.m("h2"), "ab") as f:
            f.write(b"!")
        assert self.src_bytes("h1") == b"shared!"
        os.unlink(self.m("h1"))
        assert os.stat(self.m("h2")).st_nlink == 1
        with open(self.m("h2"), "rb") as f:
            assert f.read() == b"shared!"

    def chmod_chown(self):
        open(self.m("perm"), "w").close()
        if os.geteuid() != 0:
            os.chmod(self.m("perm"), 0o4711)
            assert stat.S_IMODE(os.stat(self.s("perm")).st_mode) == 0o4711
            assert stat.S_IMODE(os.stat(self.m("perm")).st_mode) == 0o4711
        os.mkdir(self.m("permdir"))
        os.chmod(self.m("permdir"), 0o3770)  # set-group-ID dir, sticky
        assert stat.S_IMODE(os.stat(self.s("permdir")).st_mode) == 0o3770
        if os.geteuid() == 0:
            # A provider run as root never makes a set-ID root file
            # (doc/posix.md); set-ID for another owner is applied.
            for mode in (0o4711, 0o2711):
                harness.expect_errno(
                    lambda: os.chmod(self.m("perm"), mode), (errno.EPERM,),
                    "chmod %o of a root file" % mode)
            assert stat.S_IMODE(os.stat(self.s("perm")).st_mode) == 0o644
            harness.expect_errno(
                lambda: os.open(self.m("suid-new"),
                                os.O_CREAT | os.O_WRONLY, 0o4755),
                (errno.EPERM,), "create of a set-user-ID root file")
            assert not os.path.exists(self.s("suid-new"))
            os.chown(self.m("perm"), 1234, 5678)
            os.chmod(self.m("perm"), 0o6711)
            st = os.stat(self.s("perm"))
            assert stat.S_IMODE(st.st_mode) == 0o6711, oct(st.st_mode)
            os.chmod(self.m("perm"), 0o644)
            os.chown(self.m("perm"), 1234, 5678)
            st = os.stat(self.s("perm"))
            assert (st.st_uid, st.st_gid) == (1234, 5678)
            st = os.stat(self.m("perm"))
            assert (st.st_uid, st.st_gid) == (1234, 5678)
            os.symlink("perm", self.m("permlink"))
            os.chown(self.m("permlink"), 42, 43, follow_symlinks=False)
            st = os.lstat(self.s("permlink"))
            assert (st.st_uid, st.st_gid) == (42, 43)
            assert os.stat(self.s("perm")).st_uid == 1234
        else:
            harness.log("not root: chown to another owner not tried")

    def utimens(self):
        open(self.m("times"), "w").close()
        os.utime(self.m("times"), ns=(1000000000123456789, 1100000000987654321))
        st = os.stat(self.s("times"))
        assert (st.st_atime_ns, st.st_mtime_ns) == \
            (1000000000123456789, 1100000000987654321), st
        st = os.stat(self.m("times"))
        assert st.st_mtime_ns == 1100000000987654321
        # UTIME_OMIT leaves one alone, UTIME_NOW takes the clock.
        before = time.time()
        syscalls.utimensat(self.m("times"), syscalls.UTIME_OMIT, syscalls.UTIME_NOW)
        st = os.stat(self.s("times"))
        assert st.st_atime_ns == 1000000000123456789
        assert st.st_mtime >= before - 2
        syscalls.utimensat(self.m("times"), (1, 2), syscalls.UTIME_OMIT)
        st = os.stat(self.s("times"))
        assert st.st_atime_ns == 1000000002 and st.st_mtime >= before - 2
        os.utime(self.m("times"))  # both now
        assert os.stat(self.s("times")).st_atime >= before - 2

    def fsync_flush(self):
        fd = os.open(self.m("sync"), os.O_CREAT | os.O_RDWR, 0o644)
        os.write(fd, b"data")
        os.fsync(fd)
        os.fdatasync(fd)
        os.close(fd)
        assert self.src_bytes("sync") == b"data"
        dfd = os.open(self.wf.mnt, os.O_RDONLY | os.O_DIRECTORY)
        os.fsync(dfd)
        os.close(dfd)

    def statfs(self):
        m, s = os.statvfs(self.wf.mnt), os.statvfs(self.wf.src)
        assert (m.f_bsize, m.f_blocks, m.f_namemax) == \
            (s.f_bsize, s.f_blocks, s.f_namemax), (m, s)

    def mkfifo(self):
        umask = os.umask(0)
        os.umask(umask)
        os.mkfifo(self.m("fifo"), 0o620)
        st = os.stat(self.s("fifo"))
        assert stat.S_ISFIFO(st.st_mode), st
        assert stat.S_IMODE(st.st_mode) == 0o620 & ~umask, st
        assert stat.S_ISFIFO(os.stat(self.m("fifo")).st_mode)
        harness.expect_errno(lambda: os.mkfifo(self.m("fifo")),
                             (errno.EEXIST,), "mkfifo over an existing name")

    def fallocate(self):
        path = self.m("falloc")
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            os.posix_fallocate(fd, 0, MiB)
            assert os.stat(self.s("falloc")).st_size == MiB
            os.pwrite(fd, b"\xff" * 8192, 0)
            syscalls.fallocate(fd, syscalls.FALLOC_FL_KEEP_SIZE |
                            syscalls.FALLOC_FL_PUNCH_HOLE, 0, 4096)
            data = self.src_bytes("falloc")
            assert data[:4096] == bytes(4096) and data[4096:8192] == \
                b"\xff" * 4096
            syscalls.fallocate(fd, syscalls.FALLOC_FL_KEEP_SIZE, MiB, MiB)
            assert os.stat(self.s("falloc")).st_size == MiB
        finally:
            os.close(fd)

    def xattrs(self):
        path = self.m("xa")
        open(path, "w").close()
        os.setxattr(path, "user.one", b"\x00\x01value", os.XATTR_CREATE)
        assert os.getxattr(self.s("xa"), "user.one") == b"\x00\x01value"
        assert os.getxattr(path, "user.one") == b"\x00\x01value"
        harness.expect_errno(
            lambda: os.setxattr(path, "user.one", b"x", os.XATTR_CREATE),
            (errno.EEXIST,), "XATTR_CREATE of an existing attribute")
        harness.expect_errno(
            lambda: os.setxattr(path, "user.two", b"x", os.XATTR_REPLACE),
            (errno.ENODATA,), "XATTR_REPLACE of a missing attribute")
        os.setxattr(path, "user.one", b"new", os.XATTR_REPLACE)
        big = os.urandom(3000)
        os.setxattr(path, "user.big", big)
        assert os.getxattr(path, "user.big") == big
        assert sorted(os.listxattr(path)) == ["user.big", "user.one"]
        os.removexattr(path, "user.one")
        assert os.listxattr(self.s("xa")) == ["user.big"]
        harness.expect_errno(lambda: os.getxattr(path, "user.one"),
                             (errno.ENODATA,), "getxattr of a removed one")
        harness.expect_errno(lambda: os.removexattr(path, "user.one"),
                             (errno.ENODATA,), "removexattr of a missing one")
        os.mkdir(self.m("xadir"))
        os.setxattr(self.m("xadir"), "user.d", b"dir")
        assert os.getxattr(self.s("xadir"), "user.d") == b"dir"

    def bulk_writes_skip_provider_cache(self):
        # 1 MiB writes at 1 MiB offsets reach the provider's disk with
        # O_DIRECT (directory.h): none of the file stays in its page cache,
        # and what lands is what was written.
        data = os.urandom(4 * MiB)
        fd = os.open(self.m("bulk"), os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                     0o644)
        try:
            for i in range(4):
                assert os.write(fd, data[i * MiB:(i + 1) * MiB]) == MiB
            os.fsync(fd)
        finally:
            os.close(fd)
        cached = syscalls.cached_pages(self.s("bulk"))
        assert cached == 0, "%d pages of 1024 in the page cache" % cached
        assert self.src_bytes("bulk") == data

    def xattr_namespaces_not_carried(self):
        # Labels, capabilities and ACLs belong to the kernel that keeps the
        # file: the mount neither shows the provider's nor takes the
        # caller's (protocol.md 6.3), and says EOPNOTSUPP, as a filesystem
        # without them does, so that ls -l stops asking after one file.
        # Made in the provider's directory, before the mount sees it.
        path = self.m("labelled")
        src = self.s("labelled")
        open(src, "w").close()
        os.setxattr(src, "user.kept", b"1")
        os.setxattr(src, "security.webfuse-test", b"label")
        # user::rw- user:4242:r-- group::r-- mask::r-- other::r--
        acl = struct.pack("<I", 2) + b"".join(
            struct.pack("<HHI", tag, perm, ident) for tag, perm, ident in
            ((0x01, 6, 0xFFFFFFFF), (0x02, 4, 4242), (0x04, 4, 0xFFFFFFFF),
             (0x10, 4, 0xFFFFFFFF), (0x20, 4, 0xFFFFFFFF)))
        os.setxattr(src, "system.posix_acl_access", acl)
        assert os.listxattr(path) == ["user.kept"]
        for name in ("security.webfuse-test", "security.selinux",
                     "system.posix_acl_access"):
            harness.expect_errno(lambda: os.getxattr(path, name),
                                 (errno.EOPNOTSUPP,), "getxattr " + name)
            harness.expect_errno(lambda: os.removexattr(path, name),
                                 (errno.EOPNOTSUPP,), "removexattr " + name)
        harness.expect_errno(
            lambda: os.setxattr(path, "security.capability",
                                b"\x01\x00\x00\x02" + bytes(16)),
            (errno.EOPNOTSUPP,), "setxattr security.capability")
        harness.expect_errno(
            lambda: os.setxattr(path, "system.posix_acl_access", acl),
            (errno.EOPNOTSUPP,), "setxattr system.posix_acl_access")
        # Nothing reached the provider's file.
        assert sorted(os.listxattr(src)) == [
            "security.webfuse-test", "system.posix_acl_access", "user.kept"]
        assert os.getxattr(src, "system.posix_acl_access") == acl
        assert os.getxattr(src, "security.webfuse-test") == b"label"
        assert os.getxattr(path, "user.kept") == b"1"

    def xattrs_known_absent(self):
        # Attributes say "no extended attributes", and the daemon answers
        # from that while they are fresh: never after a change through
        # the mount, and only for the attribute timeout after one behind it.
        path = self.m("plain")
        open(path, "w").close()
        os.listdir(self.m(""))
        os.stat(path)
        harness.expect_errno(lambda: os.getxattr(path, "user.x"),
                             (errno.ENODATA,), "getxattr of a plain file")
        assert os.listxattr(path) == []
        os.setxattr(path, "user.x", b"1")
        assert os.getxattr(path, "user.x") == b"1"
        assert os.listxattr(path) == ["user.x"]
        os.removexattr(path, "user.x")
        os.stat(path)
        harness.expect_errno(lambda: os.getxattr(path, "user.x"),
                             (errno.ENODATA,), "getxattr after removexattr")
        # Through another name of the same file (a hard link).
        os.link(path, self.m("plain-link"))
        os.stat(self.m("plain-link"))
        os.setxattr(path, "user.y", b"2")
        assert os.getxattr(self.m("plain-link"), "user.y") == b"2"
        os.removexattr(self.m("plain-link"), "user.y")
        os.unlink(self.m("plain-link"))
        # Once the kernel asks again (after the 1 s attribute timeout),
        # the single name is known to have none; a new link must end that.
        time.sleep(1.2)
        os.stat(path)
        harness.expect_errno(lambda: os.getxattr(path, "user.w"),
                             (errno.ENODATA,), "getxattr of a plain file")
        os.link(path, self.m("plain-link2"))
        os.setxattr(self.m("plain-link2"), "user.w", b"4")
        assert os.getxattr(path, "user.w") == b"4"
        os.unlink(self.m("plain-link2"))
        # Behind the mount's back: seen once the attributes are stale.
        open(self.m("behind"), "w").close()
        os.stat(self.m("behind"))
        os.setxattr(self.s("behind"), "user.z", b"3")
        harness.wait_for(
            lambda: "user.z" in os.listxattr(self.m("behind")), 10,
            "an attribute set behind the mount", 0.1)

    def stat_after_write(self):
        path = self.m("grow")
        with open(path, "wb") as f:
            for i in range(1, 6):
                f.write(b"x" * 1000)
                f.flush()
                assert os.stat(path).st_size == 1000 * i
                assert os.stat(self.s("grow")).st_size == 1000 * i
        old = os.stat(path).st_mtime_ns
        time.sleep(0.02)
        with open(path, "ab") as f:
            f.write(b"y")
        assert os.stat(path).st_mtime_ns > old

    def fstat_after_cache_expiry(self):
        """fstat and lseek of an open directory or file once the kernel's
        cached attributes expired (1 s) ask the daemon again."""
        os.mkdir(self.m("fsd"))
        with open(self.m("fsd/f"), "wb") as f:
            f.write(b"abc")
        dfd = os.open(self.m("fsd"), os.O_RDONLY | os.O_DIRECTORY)
        ffd = os.open(self.m("fsd/f"), os.O_RDONLY)
        try:
            time.sleep(1.2)
            assert stat.S_ISDIR(os.fstat(dfd).st_mode)
            assert os.fstat(ffd).st_size == 3
            with open(self.s("fsd/f"), "ab") as f:
                f.write(b"defg")  # grows behind the mount's back
            time.sleep(1.2)
            # SEEK_END asks for the size with the open file's handle.
            assert os.lseek(ffd, 0, os.SEEK_END) == 7
            os.fchmod(dfd, 0o711)
            assert stat.S_IMODE(os.stat(self.s("fsd")).st_mode) == 0o711
        finally:
            os.close(dfd)
            os.close(ffd)

    def errno_parity(self):
        """Each failing call gives the errno a local directory gives."""
        local = os.path.join(self.wf.tmp, "parity")
        mounted = self.m("parity")
        os.mkdir(local)
        os.mkdir(mounted)

        def fixture(root):
            os.makedirs(os.path.join(root, "d/sub"))
            with open(os.path.join(root, "f"), "wb") as f:
                f.write(b"12345")
            os.symlink("d", os.path.join(root, "ld"))
            open(os.path.join(root, "d/sub/x"), "w").close()

        def o(flags, mode=0o644):
            return lambda p: os.close(os.open(p, flags, mode))

        def fd_op(flags, fn):
            def run(p):
                fd = os.open(p, flags)
                try:
                    fn(fd)
                finally:
                    os.close(fd)
            return run

        def two(fn, other):
            return lambda p: fn(p, os.path.join(os.path.dirname(p), other))

        cases = [
            ("missing", o(os.O_RDONLY)),
            ("d", o(os.O_WRONLY)),
            ("d", os.mkdir),
            ("d", os.rmdir),
            ("f", os.rmdir),
            ("d", os.unlink),
            ("d", two(os.rename, "f")),
            ("f", two(os.rename, "d")),
            ("d", two(os.rename, "d/sub/in")),
            ("d", two(os.link, "dirlink")),
            ("ld", two(os.symlink, "f")),
            ("f/x", o(os.O_RDONLY)),
            ("f/x", o(os.O_CREAT | os.O_WRONLY)),
            ("f", os.readlink),
            ("d", lambda p: os.truncate(p, 0)),
            ("f", lambda p: os.getxattr(p, "user.none")),
            ("f", lambda p: os.setxattr(p, "user.none", b"1",
                                        os.XATTR_REPLACE)),
            ("nodir/x", o(os.O_CREAT | os.O_WRONLY)),
            ("n" * 256, o(os.O_CREAT | os.O_WRONLY)),
            ("f", o(os.O_CREAT | os.O_EXCL | os.O_WRONLY)),
            ("f", os.mkfifo),
            ("f", os.listdir),
            ("f", lambda p: syscalls.renameat2(
                p, os.path.join(os.path.dirname(p), "d"),
                syscalls.RENAME_NOREPLACE)),
            ("f", lambda p: syscalls.renameat2(
                p, os.path.join(os.path.dirname(p), "none"),
                syscalls.RENAME_EXCHANGE)),
            ("f", fd_op(os.O_RDONLY, lambda fd: os.ftruncate(fd, 0))),
            ("f", fd_op(os.O_RDONLY, lambda fd: os.write(fd, b"x"))),
            ("f", fd_op(os.O_WRONLY, lambda fd: os.read(fd, 1))),
            ("ld/sub/x", o(os.O_RDONLY)),
            ("ld/sub/missing", os.stat),
            ("d/sub", os.rmdir),
        ]

        def outcome(root, rel, fn):
            try:
                fn(os.path.join(root, rel))
                return "ok"
            except OSError as e:
                return errno.errorcode.get(e.errno, e.errno)

        fixture(local)
        fixture(mounted)
        differ = []
        for rel, fn in cases:
            want = outcome(local, rel, fn)
            got = outcome(mounted, rel, fn)
            if want != got:
                differ.append("%s on %r: local %s, mount %s" % (
                    getattr(fn, "__name__", "op"), rel, want, got))
        assert not differ, "\n".join(differ)
        harness.log("%d calls give the same outcome" % len(cases))


def main():
    cases = [name for name in vars(Ops) if not name.startswith("_") and
             name not in ("m", "s", "src_bytes")]

    def all_ops():
        with harness.Webfuse("ops") as wf:
            wf.start_daemon()
            open(os.path.join(wf.src, "probe"), "w").close()
            wf.start_provider(base64=BASE64, probe="probe")
            ops = Ops(wf)
            failed = []
            for name in cases:
                harness.log("--- %s" % name)
                try:
                    harness.call(getattr(ops, name), timeout=60, what=name)
                except Exception as e:
                    harness.log("FAILED %s: %r" % (name, e))
                    import traceback
                    traceback.print_exc()
                    failed.append(name)
            if failed:
                raise AssertionError("failed: " + ", ".join(failed))

    harness.run([("every operation%s" % (" (base64)" if BASE64 else ""),
                  all_ops)], watchdog=400)


main()
