#!/usr/bin/env python3
# Integration: webfuse-provider --file lends one file, alone in the root;
# --read-only refuses every change, of a lent file or a lent directory.
import errno
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def single_file(read_only):
    with harness.Webfuse("single") as wf:
        image = os.path.join(wf.src, "firmware.img")
        digest = harness.write_random(image, 5 << 20, seed=7)
        with open(os.path.join(wf.src, "other"), "w") as f:
            f.write("not lent\n")
        wf.start_daemon()
        extra = ["--file", image] + (["--read-only"] if read_only else [])
        # The provider is started without -p: only the file is lent.
        exe = harness.binary("WEBFUSE_PROVIDER")
        p = harness.Proc("webfuse-provider",
                         [exe, "-u", "ws://127.0.0.1:%d/" % wf.port] + extra,
                         wf.log_path("provider"))
        wf.providers.append(p)
        wf.wait_attached("firmware.img", p)

        def check():
            assert os.listdir(wf.mnt) == ["firmware.img"]
            assert os.stat(wf.path("firmware.img")).st_size == 5 << 20
            assert harness.sha256_of(wf.path("firmware.img")) == digest
            harness.expect_errno(lambda: os.stat(wf.path("other")),
                                 (errno.ENOENT,), "a sibling of the file")
            if read_only:
                bad = (errno.EROFS,)
                harness.expect_errno(
                    lambda: open(wf.path("firmware.img"), "r+b"), bad,
                    "open for writing")
                harness.expect_errno(
                    lambda: os.truncate(wf.path("firmware.img"), 0), bad,
                    "truncate")
                harness.expect_errno(lambda: open(wf.path("new"), "w"), bad,
                                     "create")
                return
            with open(wf.path("firmware.img"), "r+b") as f:
                f.write(b"patched")
            with open(image, "rb") as f:
                assert f.read(7) == b"patched"
            bad = (errno.EPERM,)
            harness.expect_errno(lambda: open(wf.path("new"), "w"), bad,
                                 "create beside the file")
            harness.expect_errno(lambda: os.mkdir(wf.path("dir")), bad,
                                 "mkdir beside the file")
            harness.expect_errno(lambda: os.unlink(wf.path("firmware.img")),
                                 bad, "unlink of the file")
            harness.expect_errno(
                lambda: os.rename(wf.path("firmware.img"), wf.path("x")),
                bad, "rename of the file")
            assert os.path.exists(image)
            assert sorted(os.listdir(wf.src)) == ["firmware.img", "other"]
        harness.call(check, timeout=60, what="single-file checks")


def read_only_directory():
    with harness.Webfuse("rodir") as wf:
        os.mkdir(os.path.join(wf.src, "sub"))
        os.mkdir(os.path.join(wf.src, "empty"))
        with open(os.path.join(wf.src, "sub", "file"), "w") as f:
            f.write("lent, not given\n")
        os.setxattr(os.path.join(wf.src, "sub", "file"), "user.kept", b"1")
        before = snapshot(wf.src)
        wf.start_daemon()
        wf.start_provider(probe="sub/file", extra=["--read-only"])

        def check():
            f = wf.path("sub/file")
            with open(f) as r:
                assert r.read() == "lent, not given\n"
            assert os.getxattr(f, "user.kept") == b"1"
            assert sorted(os.listdir(wf.mnt)) == ["empty", "sub"]
            calls = [
                ("create", lambda: open(wf.path("new"), "w")),
                ("open for writing", lambda: open(f, "r+")),
                ("open O_TRUNC", lambda: os.open(f, os.O_RDONLY | os.O_TRUNC)),
                ("truncate", lambda: os.truncate(f, 0)),
                ("mkdir", lambda: os.mkdir(wf.path("d"))),
                ("rmdir", lambda: os.rmdir(wf.path("empty"))),
                ("unlink", lambda: os.unlink(f)),
                ("rename", lambda: os.rename(f, wf.path("sub/moved"))),
                ("symlink", lambda: os.symlink("file", wf.path("sub/s"))),
                ("link", lambda: os.link(f, wf.path("sub/h"))),
                ("chmod", lambda: os.chmod(f, 0o600)),
                ("chown", lambda: os.chown(f, 1, 1)),
                ("utimens", lambda: os.utime(f, (1, 1))),
                ("mkfifo", lambda: os.mkfifo(wf.path("fifo"))),
                ("setxattr", lambda: os.setxattr(f, "user.x", b"1")),
                ("removexattr", lambda: os.removexattr(f, "user.kept")),
            ]
            for what, call in calls:
                harness.expect_errno(call, (errno.EROFS,), what)
            assert snapshot(wf.src) == before, "the lent directory changed"
        harness.call(check, timeout=60, what="read-only directory checks")


def snapshot(root):
    """Each path under @root with its mode, size, mtime and content."""
    out = subprocess.run(["find", root, "-printf", "%P %m %s %T@\\n"],
                         check=True, capture_output=True, text=True).stdout
    return sorted(out.splitlines()), open(
        os.path.join(root, "sub", "file"), "rb").read()


harness.run([("--file", lambda: single_file(False)),
             ("--file --read-only", lambda: single_file(True)),
             ("-p DIR --read-only", read_only_directory)],
            watchdog=200)
