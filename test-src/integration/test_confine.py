#!/usr/bin/env python3
# Integration: the provider serves nothing outside its directory.
import errno
import json
import os
import stat
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeservice  # noqa: E402
import harness  # noqa: E402


def walk_regular_files(top):
    """Every regular file under @top, not following symlinks."""
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if stat.S_ISREG(os.lstat(path).st_mode):
                yield path


def make_layout(wf):
    """Layout: tmp/src/d is lent; secrets sit beside it in tmp/src; the
    mountpoint is tmp/mnt/m, so a relative escape followed on the mount side
    (tmp/mnt/...) cannot reach the secrets. Returns (secret, links)."""
    secret = "SECRET-%s" % uuid.uuid4()
    outer = os.path.dirname(wf.src)
    with open(os.path.join(outer, "outside"), "w") as f:
        f.write(secret)
    os.mkdir(os.path.join(outer, "outsidedir"))
    with open(os.path.join(outer, "outsidedir", "secret.txt"), "w") as f:
        f.write(secret)
    os.mkdir(os.path.join(wf.src, "deep"))
    with open(os.path.join(wf.src, "file.txt"), "w") as f:
        f.write("inside\n")
    links = {
        "rel_escape": "../outside",
        "abs_escape": os.path.join(outer, "outside"),
        "dir_escape": "../outsidedir",
        "abs_dir_escape": os.path.join(outer, "outsidedir"),
        "deep/up": "../../outside",
        "deep/updir": "../../outsidedir",
        "dotdot_loop": "../d/../outside",
        "inside": "file.txt",
    }
    for name, target in links.items():
        os.symlink(target, os.path.join(wf.src, name))
    return secret, links


def confine_protocol():
    """Requests the kernel would never send, straight to the provider."""
    with harness.Webfuse("confine-proto") as wf:
        secret, links = make_layout(wf)
        svc = fakeservice.FakeService()
        try:
            wf.port = svc.port
            wf.start_provider(extra=["--no-reconnect"])
            svc.accept()
            svc.handshake()

            def answer(method, **params):
                result, error, data = svc.call(method, **params)
                text = json.dumps([result, error])
                assert secret not in text and \
                    (data is None or secret.encode() not in data), \
                    "%s %r served the secret" % (method, params)
                return result, error, data

            # Sanity: the lent file itself is served.
            result, error, _ = answer("open", path="/file.txt",
                                      access="read")
            assert error is None, "open /file.txt failed: %r" % error
            result, error, data = answer("read", path="/file.txt",
                                         handle=result["handle"], offset=0,
                                         size=100)
            assert error is None and data == b"inside\n", (error, data)

            # Symlinks are symlinks, never followed.
            for name, target in links.items():
                result, error, _ = answer("getattr", path="/" + name)
                assert error is None and result["type"] == "lnk", \
                    "getattr /%s: %r %r" % (name, result, error)
                result, error, _ = answer("readlink", path="/" + name)
                assert error is None and result["target"] == target, \
                    "readlink /%s: %r %r" % (name, result, error)

            # Through symlinked directories or symlinks: refused.
            through = ["/dir_escape/secret.txt", "/abs_dir_escape/secret.txt",
                       "/deep/updir/secret.txt"]
            for path in through:
                for method, params in (("getattr", {}), ("readdir", {}),
                                       ("access", {"mode": "r"}),
                                       ("open", {"access": "read"})):
                    result, error, _ = answer(method, path=path, **params)
                    assert error is not None, "%s %s succeeded: %r" % (
                        method, path, result)
            for path in ("/dir_escape", "/abs_dir_escape", "/deep/updir"):
                result, error, _ = answer("readdir", path=path)
                assert error is not None, "readdir %s listed %r" % (
                    path, result)
            for path in ("/rel_escape", "/abs_escape", "/deep/up",
                         "/dotdot_loop"):
                result, error, _ = answer("open", path=path, access="read")
                if error is None:
                    # A stateless open may succeed; the read must not.
                    result, error, data = answer(
                        "read", path=path, handle=result["handle"],
                        offset=0, size=100)
                    assert error is not None, "read %s gave %r" % (path, data)
                # Stateless handle 0 straight away, without an open.
                result, error, data = answer("read", path=path, handle=0,
                                             offset=0, size=100)
                assert error is not None, "read %s (handle 0) gave %r" % (
                    path, data)

            # Invalid paths are refused as such, not resolved.
            for path in ("/../outside", "/deep/../../outside", "../outside",
                         "/./file.txt", "//file.txt", "/file.txt/",
                         "/deep/..", ""):
                result, error, _ = answer("getattr", path=path)
                assert error is not None, "getattr %r succeeded: %r" % (
                    path, result)
                result, error, _ = answer("open", path=path, access="read")
                assert error is not None, "open %r succeeded: %r" % (
                    path, result)
            harness.log("%d requests answered without the secret" %
                        (svc.next_id - 1))
        finally:
            svc.close()


def confine():
    with harness.Webfuse("confine") as wf:
        secret, links = make_layout(wf)
        for p in ("outside", "outsidedir"):
            assert not os.path.exists(os.path.join(os.path.dirname(wf.mnt),
                                                   p))
        wf.start_daemon()
        wf.start_provider(probe="file.txt")

        def check():
            # Every link is a symlink with its target verbatim.
            for name, target in links.items():
                path = wf.path(name)
                st = os.lstat(path)
                assert stat.S_ISLNK(st.st_mode), \
                    "%s is not a symlink through the mount (mode %o)" % (
                        name, st.st_mode)
                got = os.readlink(path)
                assert got == target, "%s -> %r, expected %r" % (
                    name, got, target)
                # Not opened as a file by the provider.
                harness.expect_errno(
                    lambda: os.open(path, os.O_RDONLY | os.O_NOFOLLOW),
                    (errno.ELOOP,), "open(%s, O_NOFOLLOW)" % name)
            # The legit link inside works.
            with open(wf.path("inside")) as f:
                assert f.read() == "inside\n"
            # Relative escapes, followed on the mount side, lead nowhere.
            for name in ("rel_escape", "deep/up", "dotdot_loop"):
                try:
                    with open(wf.path(name)) as f:
                        text = f.read()
                    assert secret not in text, \
                        "%s served the secret" % name
                    raise AssertionError("%s opened: %r" % (name, text))
                except FileNotFoundError:
                    pass
            for name in ("dir_escape", "deep/updir"):
                harness.expect_errno(lambda: os.listdir(wf.path(name)),
                                     (errno.ENOENT,), "listdir " + name)
            # Nothing reachable without following symlinks holds the secret.
            count = 0
            for path in walk_regular_files(wf.mnt):
                with open(path) as f:
                    assert secret not in f.read(), "%s holds the secret" % \
                        path
                count += 1
            assert count == 1, "%d regular files through the mount" % count
            names = sorted(os.listdir(wf.mnt))
            assert names == sorted(["abs_dir_escape", "abs_escape", "deep",
                                    "dir_escape", "dotdot_loop", "file.txt",
                                    "inside", "rel_escape"]), names
        harness.call(check, timeout=60, what="confinement checks")


harness.run([("no escape through the mount", confine),
             ("no escape by direct protocol requests", confine_protocol)])
