#!/usr/bin/env python3
# Integration: webfuse-provider --file lends one file, alone in the root;
# --read-only refuses every change.
import errno
import os
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


harness.run([("--file", lambda: single_file(False)),
             ("--file --read-only", lambda: single_file(True))],
            watchdog=200)
