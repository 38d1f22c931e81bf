#!/usr/bin/env python3
# Integration: the provider serves nothing outside its directory.
"""The real webfuse-provider lends a directory; the mount (through the real
webfused) and a scripted malicious service (fakeservice.py) try to reach
beyond it: through "..", symlinks (relative, absolute, swapped in during
the calls), NUL bytes, over-long and non-UTF-8 names, integers out of
range, handles never issued, and every write method. Proven: no answer
holds the secret kept beside the lent directory, names a file only found
outside or an inode outside; nothing outside is created, changed or
removed (a snapshot of names, types, modes, owners, sizes, link counts,
mtimes, ctimes, contents, targets and xattrs is compared); the provider
stays up and still answers sane requests."""
import base64
import errno
import hashlib
import json
import os
import stat
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeservice  # noqa: E402
import harness  # noqa: E402
import rfc6455  # noqa: E402
import syscalls  # noqa: E402

# JSON-RPC codes of the answers to requests the provider cannot read.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
# An answer kind that means success (see Attacker.expect).
OK = "ok"
WF_INT_MAX = 2 ** 53 - 1
MAX_READ = 1 << 20  # what fakeservice announces
MAX_OPEN = 1024  # files webfuse-provider keeps open at once


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

            # Frames as any service may send them: a request in three
            # fragments with pings between them. Each ping gets its pong,
            # the request its answer.
            rid = svc.next_id
            svc.next_id += 1
            request = json.dumps({"jsonrpc": "2.0", "id": rid,
                                  "method": "getattr",
                                  "params": {"path": "/file.txt"}})
            svc.conn.send_message(rfc6455.OP_TEXT, request.encode(),
                                  cuts=(5, 30), pings=(0, 1))
            result, error, _ = svc.answer_of(rid, "getattr")
            assert error is None and result["type"] == "reg", (result, error)
            assert svc.conn.pongs == [b"ping0", b"ping1"], svc.conn.pongs

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


# --- the malicious service's tools ------------------------------------------

def b64(data):
    return base64.b64encode(data).decode("ascii")


def snapshot(top, skip, names_only=()):
    """What a change outside the lent directory would alter: for every
    entry under @top except the lent directory @skip (not followed into,
    nor through symlinks; also a collection of such paths), its type,
    mode, owner, size, link count, inode, mtime and ctime (a directory's
    catch an entry added or removed), and its content (SHA-256), target
    or extended attributes; of the directories @names_only just that they
    are there (their entries count). The logs of the programs under test
    (*.log in @top) grow and are left out."""
    skip = {skip} if isinstance(skip, str) else set(skip)
    state = {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames
                             if os.path.join(dirpath, d) not in skip)
        names = [""] + dirnames + sorted(filenames)
        for name in names:
            path = os.path.join(dirpath, name) if name else dirpath
            if path in skip or (dirpath == top and name.endswith(".log")):
                continue
            if path in names_only:
                state[os.path.relpath(path, top)] = "there"
                continue
            st = os.lstat(path)
            what = [stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                    st.st_uid, st.st_gid, st.st_size, st.st_nlink,
                    st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    what.append(hashlib.sha256(f.read()).hexdigest())
            elif stat.S_ISLNK(st.st_mode):
                what.append(os.readlink(path))
            try:
                what.append(sorted(
                    (a, os.getxattr(path, a, follow_symlinks=False))
                    for a in os.listxattr(path, follow_symlinks=False)))
            except OSError:
                pass
            state[os.path.relpath(path, top)] = what
    return state


def compare_snapshots(before, after):
    """Raises naming every entry outside created, changed or removed."""
    problems = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            problems.append("%s was removed" % name)
        elif name not in before:
            problems.append("%s was created" % name)
        elif before[name] != after[name]:
            problems.append("%s changed: %r -> %r" % (
                name, before[name], after[name]))
    assert not problems, "outside the lent directory: " + "; ".join(
        problems[:20])


def make_outside(wf):
    """Beside make_layout(): a file whose name (a token) exists only
    outside, in tmp/src/outsidedir, holding the secret. Returns the
    token."""
    token = "only-outside-%s" % uuid.uuid4().hex
    outer = os.path.dirname(wf.src)
    with open(os.path.join(outer, "outside")) as f:
        secret = f.read()
    with open(os.path.join(outer, "outsidedir", token), "w") as f:
        f.write(secret)
    return token


def kind(error):
    """What an error answer says: the errno name of a filesystem error,
    else its JSON-RPC code."""
    if error is None:
        return OK
    if error.get("code") == -32000:
        return error.get("data", {}).get("errno")
    return error.get("code")


def inodes_in(obj):
    """Every "ino" member anywhere in the JSON value @obj."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "ino":
                yield v
            else:
                yield from inodes_in(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from inodes_in(v)


class Attacker:
    """The malicious service: sends requests to the real provider through
    a FakeService (already attached) and checks every answer: it must not
    hold the secret or the token (a name only found outside), nor the
    inode of anything outside the lent directory."""

    def __init__(self, wf, svc, secret, token, lent=None):
        """@lent: the paths of the objects lent (default: the tree of
        wf.src); every other object under wf.tmp is outside."""
        self.wf = wf
        self.svc = svc
        self.secret = secret
        self.token = token
        self.count = 0
        self.outside_inos = set()
        for dirpath, dirnames, filenames in os.walk(wf.tmp):
            for name in [""] + dirnames + filenames:
                path = os.path.join(dirpath, name) if name else dirpath
                if lent is None:
                    inside = path == wf.src or path.startswith(
                        wf.src + "/")
                else:
                    inside = path in lent
                if not inside:
                    self.outside_inos.add(os.lstat(path).st_ino & WF_INT_MAX)

    def check(self, what, answer):
        result, error, data = answer
        self.count += 1
        text = json.dumps([result, error])
        assert self.secret not in text, "%s: answer holds the secret: %s" % (
            what, text[:300])
        assert self.token not in text, "%s: answer names %s: %s" % (
            what, self.token, text[:300])
        assert data is None or self.secret.encode() not in data, \
            "%s: data holds the secret" % what
        for ino in inodes_in(result):
            assert ino not in self.outside_inos, \
                "%s: answer has the inode %s of an outside file: %s" % (
                    what, ino, text[:300])
        return answer

    def call(self, method, **params):
        """Sends @method; returns its answer (result, error, data). An
        error answer with a null id (a request it could not read) counts
        as the answer."""
        rid = self.svc.send_request(method, params)
        what = ("%s %r" % (method, params))[:300]
        return self.check(what, self.svc.answer_of(rid, what, null_id=True))

    def expect(self, method, kinds, **params):
        """Sends @method: its answer must be one of @kinds (errno names,
        JSON-RPC codes, OK for success). Returns the answer."""
        answer = self.call(method, **params)
        got = kind(answer[1])
        assert got in kinds, "%s %s: answered %r (%r), expected one of %r" % (
            method, json.dumps(params)[:200], got, answer[0], kinds)
        return answer

    def raw(self, what, payload, rid, kinds, binary=False):
        """Sends the bytes @payload as they are; the answer (with the id
        @rid, or a null id) must be one of @kinds."""
        self.svc.send_raw(payload, binary)
        answer = self.check(what, self.svc.answer_of(rid, what,
                                                     null_id=True))
        got = kind(answer[1])
        assert got in kinds, "%s: answered %r, expected one of %r" % (
            what, got, kinds)
        return answer

    def sane(self, provider, what):
        """The provider is up and serves the lent file."""
        assert provider.alive(), "provider died after %s (rc %s):\n%s" % (
            what, provider.popen.returncode, provider.output())
        result, error, _ = self.call("getattr", path="/file.txt")
        assert error is None and result["type"] == "reg" and \
            result["size"] == len("inside\n"), \
            "getattr /file.txt after %s: %r %r" % (what, result, error)


def attacked(name, features=(), extra=()):
    """Decorator: runs the test with a real provider lending make_layout()
    attached to a FakeService, as fn(wf, attacker, provider), and checks
    afterwards that nothing outside the lent directory changed."""
    def wrap(fn):
        def run():
            with harness.Webfuse(name) as wf:
                secret, _ = make_layout(wf)
                token = make_outside(wf)
                svc = fakeservice.FakeService()
                try:
                    wf.port = svc.port
                    provider = wf.start_provider(extra=list(extra))
                    svc.accept()
                    svc.handshake(features)
                    before = snapshot(wf.tmp, wf.src)
                    attacker = Attacker(wf, svc, secret, token)
                    fn(wf, attacker, provider)
                    attacker.sane(provider, name)
                    compare_snapshots(before, snapshot(wf.tmp, wf.src))
                    harness.log("%d answers without the secret, nothing "
                                "outside changed" % attacker.count)
                finally:
                    svc.close()
        run.__name__ = fn.__name__
        return run
    return wrap


# --- every write method, aimed outside --------------------------------------

def write_attacks(outer):
    """(method, params, kinds): requests that change something, aimed
    beyond the lent directory through symlinks and invalid paths, and the
    answers allowed (success only where the change stays inside: a
    symlink itself changed, moved or linked)."""
    reg = {"mode": 0o644, "access": "write"}
    return [
        # Entries made through a symlinked directory.
        ("create", dict(reg, path="/dir_escape/new.txt",
                        flags=["exclusive"]), ("ELOOP",)),
        ("create", dict(reg, path="/abs_dir_escape/new.txt"), ("ELOOP",)),
        ("create", dict(reg, path="/deep/updir/new.txt"), ("ELOOP",)),
        ("mkdir", {"path": "/dir_escape/newdir", "mode": 0o755}, ("ELOOP",)),
        ("mknod", {"path": "/abs_dir_escape/fifo", "type": "fifo",
                   "mode": 0o644}, ("ELOOP",)),
        ("symlink", {"path": "/deep/updir/lnk", "target": "/"}, ("ELOOP",)),
        # An existing symlink is never opened, truncated or appended to.
        ("create", dict(reg, path="/abs_escape", flags=["truncate"]),
         ("ELOOP",)),
        ("create", dict(reg, path="/rel_escape", flags=["exclusive"]),
         ("EEXIST",)),
        ("open", {"path": "/abs_escape", "access": "read-write",
                  "flags": ["truncate"]}, ("ELOOP",)),
        ("open", {"path": "/deep/up", "access": "write",
                  "flags": ["append"]}, ("ELOOP",)),
        # No device nodes, wherever.
        ("mknod", {"path": "/null", "type": "chr", "mode": 0o666,
                   "rdev": 0x0103}, ("EPERM",)),
        ("mknod", {"path": "/disk", "type": "blk", "mode": 0o666,
                   "rdev": 0x0800}, ("EPERM",)),
        # Hard links from or to outside.
        ("link", {"path": "/file.txt", "newpath": "/dir_escape/stolen"},
         ("ELOOP",)),
        ("link", {"path": "/dir_escape/secret.txt", "newpath": "/stolen"},
         ("ELOOP",)),
        ("link", {"path": "/deep/updir/secret.txt", "newpath": "/stolen"},
         ("ELOOP",)),
        ("link", {"path": "/file.txt", "newpath": "/../stolen"},
         (INVALID_PARAMS,)),
        ("link", {"path": "/../outside", "newpath": "/stolen"},
         (INVALID_PARAMS,)),
        ("link", {"path": "/", "newpath": "/rootlink"}, ("EPERM",)),
        ("link", {"path": "/file.txt", "newpath": "/"}, ("EEXIST",)),
        # Removals outside, and of the root.
        ("unlink", {"path": "/dir_escape/secret.txt"}, ("ELOOP",)),
        ("unlink", {"path": "/abs_dir_escape/secret.txt"}, ("ELOOP",)),
        ("unlink", {"path": "/../outside"}, (INVALID_PARAMS,)),
        ("unlink", {"path": "/"}, ("EISDIR",)),
        ("rmdir", {"path": "/dir_escape"}, ("ENOTDIR",)),
        ("rmdir", {"path": "/abs_dir_escape"}, ("ENOTDIR",)),
        ("rmdir", {"path": "/deep/updir"}, ("ENOTDIR",)),
        ("rmdir", {"path": "/"}, ("EBUSY",)),
        ("rmdir", {"path": "/deep/.."}, (INVALID_PARAMS,)),
        # Renames of the root, onto "..", from or to outside.
        ("rename", {"path": "/", "newpath": "/moved-root"}, ("EBUSY",)),
        ("rename", {"path": "/deep", "newpath": "/"}, ("EBUSY",)),
        ("rename", {"path": "/file.txt", "newpath": "/.."},
         (INVALID_PARAMS,)),
        ("rename", {"path": "/file.txt", "newpath": "/../file.txt"},
         (INVALID_PARAMS,)),
        ("rename", {"path": "/deep", "newpath": "/deep/.."},
         (INVALID_PARAMS,)),
        ("rename", {"path": "/..", "newpath": "/up"}, (INVALID_PARAMS,)),
        ("rename", {"path": "/file.txt", "newpath": "/dir_escape/file.txt"},
         ("ELOOP",)),
        ("rename", {"path": "/dir_escape/secret.txt", "newpath": "/got"},
         ("ELOOP",)),
        ("rename", {"path": "/abs_dir_escape/secret.txt", "newpath": "/got",
                    "flags": ["exchange"]}, ("ELOOP",)),
        ("rename", {"path": "/deep", "newpath": "/deep/inside"},
         ("EINVAL",)),
        ("rename", {"path": "/file.txt", "newpath": "/x",
                    "flags": ["escape"]}, ("EINVAL",)),
        # Attributes and xattrs through symlinks, or of a symlink.
        ("setattr", {"path": "/dir_escape/secret.txt", "size": 0},
         ("ELOOP",)),
        ("setattr", {"path": "/abs_dir_escape/secret.txt", "mode": 0o777,
                     "mtime": 0}, ("ELOOP",)),
        ("setattr", {"path": "/abs_escape", "size": 0}, ("EINVAL",)),
        ("setattr", {"path": "/deep/up", "size": 1}, ("EINVAL",)),
        ("setattr", {"path": "/abs_escape", "mode": 0o777},
         ("EOPNOTSUPP",)),
        ("setattr", {"path": "/abs_dir_escape", "mode": 0o700},
         ("EOPNOTSUPP",)),
        ("setxattr", {"path": "/dir_escape/secret.txt", "name": "user.x",
                      "data": b64(b"x"), "flags": []}, ("ELOOP",)),
        ("setxattr", {"path": "/abs_escape", "name": "user.x",
                      "data": b64(b"x"), "flags": []}, ("EPERM",)),
        ("removexattr", {"path": "/abs_dir_escape/secret.txt",
                         "name": "user.x"}, ("ELOOP",)),
        ("getxattr", {"path": "/dir_escape/secret.txt", "name": "user.x"},
         ("ELOOP",)),
        ("listxattr", {"path": "/abs_dir_escape/secret.txt"}, ("ELOOP",)),
        ("fsync", {"path": "/abs_dir_escape", "datasync": False},
         ("ELOOP",)),
        ("fsync", {"path": "/dir_escape/secret.txt", "datasync": True},
         ("ELOOP",)),
        # A symlink itself may change: its times, its owner (root may),
        # trusted xattrs (root may); the target does not.
        ("setattr", {"path": "/abs_escape", "mtime": 0, "atime": 0},
         (OK,)),
        ("setattr", {"path": "/rel_escape", "mtime": "now"}, (OK,)),
        ("setattr", {"path": "/abs_dir_escape", "uid": os.getuid(),
                     "gid": os.getgid()}, (OK, "EPERM")),
        ("setxattr", {"path": "/abs_dir_escape", "name": "trusted.wf",
                      "data": b64(b"x"), "flags": []}, (OK, "EPERM")),
        ("removexattr", {"path": "/abs_dir_escape", "name": "trusted.wf"},
         (OK, "EPERM", "ENODATA")),
        # A symlink planted pointing outside is stored, never followed.
        ("symlink", {"path": "/planted",
                     "target": os.path.join(outer, "outside")}, (OK,)),
        ("symlink", {"path": "/planted-dir",
                     "target": os.path.join(outer, "outsidedir")}, (OK,)),
        ("open", {"path": "/planted", "access": "read-write",
                  "flags": ["truncate"]}, ("ELOOP",)),
        ("create", dict(reg, path="/planted-dir/new.txt"), ("ELOOP",)),
        ("setattr", {"path": "/planted", "size": 0}, ("EINVAL",)),
        ("getattr", {"path": "/planted-dir/secret.txt"}, ("ELOOP",)),
        ("readdir", {"path": "/planted-dir"}, ("ENOTDIR", "ELOOP")),
        ("link", {"path": "/planted-dir/secret.txt", "newpath": "/stolen"},
         ("ELOOP",)),
        ("link", {"path": "/planted", "newpath": "/planted-twin"}, (OK,)),
        ("rename", {"path": "/planted", "newpath": "/deep/planted"}, (OK,)),
        ("rename", {"path": "/planted-dir", "newpath": "/deep/updir",
                    "flags": ["exchange"]}, (OK,)),
        ("rename", {"path": "/deep/updir", "newpath": "/planted-dir",
                    "flags": ["exchange"]}, (OK,)),
        ("unlink", {"path": "/deep/planted"}, (OK,)),
        ("unlink", {"path": "/planted-twin"}, (OK,)),
        ("unlink", {"path": "/planted-dir"}, (OK,)),
        ("rmdir", {"path": "/planted-dir"}, ("ENOENT",)),
    ]


@attacked("confine-writes")
def confine_writes(wf, attacker, provider):
    """Every write method aimed outside (create, mkdir, mknod, symlink,
    link, unlink, rmdir, rename with its flags, setattr, setxattr,
    removexattr, fsync; escaping paths and newpaths, the root, ".."):
    each is refused, or changes only a symlink inside; nothing outside
    changes. Writes on a handle act on the open file whatever the path
    says, so an escaping path beside a handle changes only that file."""
    outer = os.path.dirname(wf.src)
    for method, params, kinds in write_attacks(outer):
        attacker.expect(method, kinds, **params)

    # A handle names the open file; the path beside it is only a name.
    with open(os.path.join(wf.src, "scratch.txt"), "w") as f:
        f.write("scratch\n")
    result, _, _ = attacker.expect("open", (OK,), path="/scratch.txt",
                                   access="read-write")
    h = result["handle"]
    for path in ("/abs_escape", "/dir_escape/secret.txt", "/deep/up"):
        attacker.expect("write", (OK,), path=path, handle=h, offset=0,
                        data=b64(b"SCRATCH"))
        attacker.expect("fallocate", (OK,), path=path, handle=h,
                        offset=0, length=100, flags=["keep_size"])
        result, _, _ = attacker.expect("setattr", (OK,), path=path,
                                       handle=h, size=7, mtime=0)
        assert result["type"] == "reg" and result["size"] == 7, result
        attacker.expect("flush", (OK,), path=path, handle=h)
        attacker.expect("fsync", (OK,), path=path, handle=h,
                        datasync=False)
        result, _, data = attacker.expect("read", (OK,), path=path,
                                          handle=h, offset=0, size=100)
        assert data == b"SCRATCH", data
    attacker.expect("release", (OK,), path="/abs_escape", handle=h)
    with open(os.path.join(wf.src, "scratch.txt"), "rb") as f:
        assert f.read() == b"SCRATCH"
    # The symlinks are still there, unchanged in target.
    for name, target in (("abs_escape", os.path.join(outer, "outside")),
                         ("rel_escape", "../outside"),
                         ("dir_escape", "../outsidedir")):
        assert os.readlink(os.path.join(wf.src, name)) == target, name


# --- malformed requests ------------------------------------------------------

def long_path(total, component=255):
    """A valid-looking path of @total bytes, of components up to
    @component bytes."""
    parts = []
    length = 0
    while length < total:
        n = min(component, total - length - 1)
        parts.append("x" * max(n, 1))
        length += 1 + len(parts[-1])
    return "/" + "/".join(parts)


def request_bytes(rid, method, params_json):
    """A request as bytes, its params written out by hand."""
    return (b'{"jsonrpc":"2.0","id":%d,"method":"%s","params":' %
            (rid, method.encode()) + params_json + b'}')


@attacked("confine-malformed", features=["binary"])
def confine_malformed(wf, attacker, provider):
    """Requests no kernel could make: NUL bytes in paths (JSON "\\u0000"),
    lone surrogates ("\\udc80") and raw bytes that are not UTF-8, paths and
    names over 4095/255 bytes, negative, fractional, huge (above 2^53-1,
    1e300, 2^64) and mistyped integers, reads above max_read, writes,
    fallocates and truncations at 2^53-1, handles never issued, released
    or of another open, invalid ids, methods and params, JSON nested deep,
    15 MiB strings, broken attachments. Each is refused (a parse error or
    invalid request with a null id, invalid params, or the errno of the
    local call), none reveals anything, the provider stays up."""
    svc = attacker.svc
    escape = "/deep/../../outside"
    invalid = (INVALID_PARAMS,)
    # 2^64 and beyond are no JSON integers the provider reads at all.
    unreadable = (INVALID_PARAMS, PARSE_ERROR)
    assert svc.features == ["binary"], svc.features

    # NUL bytes and text that is not UTF-8: the JSON cannot be read.
    for path in ("/file.txt\x00/../../outside", "/\x00", "/rel_escape\x00",
                 "/\udc80", "/file\udc80.txt", "/\udc80\ud800" + escape,
                 escape + "\x00"):
        for method, extra in (("getattr", {}), ("open", {"access": "read"}),
                              ("readdir", {}), ("unlink", {}),
                              ("create", {"mode": 0o644, "access": "write"})):
            attacker.expect(method, (PARSE_ERROR, INVALID_PARAMS),
                            path=path, **extra)
        attacker.expect("rename", (PARSE_ERROR, INVALID_PARAMS),
                        path="/file.txt", newpath=path)
        attacker.expect("link", (PARSE_ERROR, INVALID_PARAMS),
                        path="/file.txt", newpath=path)
        attacker.expect("symlink", (PARSE_ERROR, INVALID_PARAMS),
                        path="/new-link", target=path)
        attacker.expect("setxattr", (PARSE_ERROR, INVALID_PARAMS),
                        path="/file.txt", name="user." + path,
                        data=b64(b"x"), flags=[])
    for raw in (b"/\xff", b"/file.txt\xc0\xae\xc0\xae/outside",
                b"/\xed\xb2\x80", b"/\xc0\xaf..\xc0\xafoutside"):
        rid = svc.next_id
        svc.next_id += 1
        attacker.raw("getattr %r" % raw, request_bytes(
            rid, "getattr", b'{"path":"' + raw + b'"}'), rid,
            (PARSE_ERROR, INVALID_PARAMS))
    attacker.sane(provider, "NUL bytes and text that is not UTF-8")

    # Over-long paths and names; the longest valid ones are looked up.
    too_long = [long_path(4096), "/" + "x" * 256,
                "/deep/" + "y" * 256, long_path(4096, 1),
                "/" + "x" * (15 << 20)]  # 15 MiB, below max_message
    for path in too_long:
        for method, extra in (("getattr", {}), ("readdir", {}),
                              ("mkdir", {"mode": 0o755}),
                              ("create", {"mode": 0o644, "access": "write"})):
            attacker.expect(method, invalid, path=path, **extra)
        attacker.expect("rename", invalid, path="/file.txt", newpath=path)
        attacker.expect("link", invalid, path="/file.txt", newpath=path)
    attacker.expect("symlink", invalid, path="/l", target="x" * 4096)
    attacker.expect("symlink", invalid, path="/l", target="")
    attacker.expect("setxattr", invalid, path="/file.txt",
                    name="user." + "x" * 251, data=b64(b"x"), flags=[])
    attacker.expect("getxattr", invalid, path="/file.txt", name="")
    attacker.expect("getattr", ("ENOENT",), path=long_path(4095))
    attacker.expect("getattr", ("ENOENT",), path="/" + "x" * 255)
    attacker.expect("mkdir", ("ENAMETOOLONG", "ENOENT"),
                    path=long_path(4095), mode=0o755)
    attacker.sane(provider, "over-long paths")

    # Integers: negative, fractional, huge, mistyped.
    result, _, _ = attacker.expect("open", (OK,), path="/file.txt",
                                   access="read")
    h = result["handle"]
    bad_ints = [-1, -(2 ** 63), 2 ** 53, 2 ** 63, 2 ** 64, 2 ** 70, 1e300,
                1.5, -0.5, "0", None, True, [0], {"n": 0}]
    for v in bad_ints:
        attacker.expect("read", unreadable, path="/file.txt", handle=h,
                        offset=v, size=10)
        attacker.expect("read", unreadable, path="/file.txt", handle=h,
                        offset=0, size=v)
        attacker.expect("read", unreadable, path="/file.txt", handle=v,
                        offset=0, size=10)
        attacker.expect("write", unreadable, path="/file.txt", handle=h,
                        offset=v, data=b64(b"x"))
        attacker.expect("fallocate", unreadable, path="/file.txt",
                        handle=h, offset=0, length=v, flags=[])
        attacker.expect("fallocate", unreadable, path="/file.txt",
                        handle=h, offset=v, length=1, flags=[])
        attacker.expect("setattr", unreadable, path="/file.txt", size=v)
        attacker.expect("setattr", unreadable, path="/file.txt", mode=v)
        attacker.expect("setattr", unreadable, path="/file.txt", uid=v)
        attacker.expect("create", unreadable, path="/new.txt", mode=v,
                        access="write")
        attacker.expect("mknod", unreadable, path="/fifo", type="fifo",
                        mode=0o644, rdev=v)
    # A time is signed: -1 is valid, beyond +-(2^53-1) is not.
    for v in (2 ** 53, -(2 ** 53), 2 ** 63, 2 ** 64, 1e300, 1.5, "0",
              "later", None, True):
        attacker.expect("setattr", unreadable, path="/file.txt", mtime=v)
        attacker.expect("setattr", unreadable, path="/file.txt", atime=v)
    for size in (MAX_READ + 1, WF_INT_MAX):
        attacker.expect("read", invalid, path="/file.txt", handle=h,
                        offset=0, size=size)
    for v in (2 ** 53, 1e300, 1.5, -1):
        attacker.expect("setattr", invalid, path="/file.txt", mtime=0,
                        mtime_ns=v)
    attacker.expect("setattr", invalid, path="/file.txt", mtime=0,
                    mtime_ns=10 ** 9)
    attacker.expect("setattr", invalid, path="/file.txt", mode=0o10000)
    attacker.expect("setattr", invalid, path="/file.txt",
                    uid=2 ** 32 - 1)
    attacker.expect("create", invalid, path="/new.txt", mode=0o10000,
                    access="write")
    # The largest valid offsets: nothing read, nothing written.
    result, _, data = attacker.expect("read", (OK,), path="/file.txt",
                                      handle=h, offset=WF_INT_MAX,
                                      size=MAX_READ)
    assert data == b"", data
    result, _, data = attacker.expect("read", (OK,), path="/file.txt",
                                      handle=h, offset=0, size=0)
    assert data == b"", data
    attacker.expect("release", (OK,), path="/file.txt", handle=h)
    result, _, _ = attacker.expect("create", (OK,), path="/big.txt",
                                   mode=0o644, access="read-write")
    h = result["handle"]
    attacker.expect("write", ("EFBIG", "EINVAL"), path="/big.txt",
                    handle=h, offset=WF_INT_MAX, data=b64(b"x"))
    attacker.expect("write", invalid, path="/big.txt", handle=h, offset=0,
                    data=b64(b"x" * (MAX_READ + 1)))
    attacker.expect("write", invalid, path="/big.txt", handle=h, offset=0,
                    data="not base64!")
    attacker.expect("fallocate", ("EFBIG", "EINVAL", "ENOSPC"),
                    path="/big.txt", handle=h, offset=0, length=WF_INT_MAX,
                    flags=[])
    attacker.expect("fallocate", ("EFBIG", "EINVAL", "ENOSPC"),
                    path="/big.txt", handle=h, offset=WF_INT_MAX, length=1,
                    flags=[])
    attacker.expect("fallocate", ("EINVAL",), path="/big.txt", handle=h,
                    offset=0, length=1, flags=["everything"])
    attacker.expect("setattr", ("EFBIG", "EINVAL"), path="/big.txt",
                    handle=h, size=WF_INT_MAX)
    attacker.expect("setattr", ("EFBIG", "EINVAL"), path="/big.txt",
                    size=WF_INT_MAX)
    result, _, _ = attacker.expect("getattr", (OK,), path="/big.txt")
    assert result["size"] == 0, result

    # Handles never issued, released, or of another open.
    for v in (0, 1, 12345, h + 1, h ^ 1, h + (1 << 20), WF_INT_MAX):
        attacker.expect("read", ("EBADF",), path="/file.txt", handle=v,
                        offset=0, size=10)
        attacker.expect("write", ("EBADF",), path="/file.txt", handle=v,
                        offset=0, data=b64(b"x"))
        attacker.expect("getattr", ("EBADF",), path="/file.txt", handle=v)
        attacker.expect("setattr", ("EBADF",), path="/file.txt", handle=v,
                        size=0)
        attacker.expect("release", ("EBADF",), path="/file.txt", handle=v)
    attacker.expect("release", (OK,), path="/big.txt", handle=h)
    for method, extra in (("read", {"offset": 0, "size": 10}),
                          ("write", {"offset": 0, "data": b64(b"x")}),
                          ("getattr", {}), ("flush", {}),
                          ("fsync", {"datasync": False}),
                          ("fallocate", {"offset": 0, "length": 1,
                                         "flags": []}),
                          ("setattr", {"size": 0}), ("release", {})):
        attacker.expect(method, ("EBADF",), path="/big.txt", handle=h,
                        **extra)
    with open(os.path.join(wf.src, "other.txt"), "w") as f:
        f.write("other\n")
    ha = attacker.expect("open", (OK,), path="/file.txt",
                         access="read")[0]["handle"]
    hb = attacker.expect("open", (OK,), path="/other.txt",
                         access="read")[0]["handle"]
    _, _, data = attacker.expect("read", (OK,), path="/other.txt",
                                 handle=ha, offset=0, size=100)
    assert data == b"inside\n", data
    attacker.expect("release", (OK,), path="/other.txt", handle=ha)
    attacker.expect("read", ("EBADF",), path="/file.txt", handle=ha,
                    offset=0, size=100)
    _, _, data = attacker.expect("read", (OK,), path="/abs_escape",
                                 handle=hb, offset=0, size=100)
    assert data == b"other\n", data
    attacker.expect("release", (OK,), path="/other.txt", handle=hb)
    attacker.sane(provider, "integers and handles")

    # Requests that are no valid JSON-RPC.
    for rid in (0, -1, 2 ** 53, 2 ** 64, 1.5, "7", None, [1], {"id": 1},
                True):
        attacker.raw("id %r" % (rid,), json.dumps(
            {"jsonrpc": "2.0", "id": rid, "method": "getattr",
             "params": {"path": "/file.txt"}}).encode(), None,
            (INVALID_REQUEST, PARSE_ERROR))
    for msg in ({"jsonrpc": "1.0", "method": "getattr"},
                {"id": 5, "method": "getattr"},
                {"jsonrpc": "2.0", "id": 5, "method": 7},
                {"jsonrpc": "2.0", "id": 5, "method": "getattr",
                 "params": ["/file.txt"]},
                {"jsonrpc": "2.0", "id": 5, "result": {}, "error": {}},
                [{"jsonrpc": "2.0", "id": 5, "method": "getattr"}], 5):
        attacker.raw("message %r" % (msg,), json.dumps(msg).encode(), 5,
                     (INVALID_REQUEST, PARSE_ERROR))
    for text in (b"", b"{", b'{"jsonrpc":"2.0"', b"\xff\xfe",
                 b'{"jsonrpc":"2.0","id":5,"id":6,"method":"getattr"}',
                 b'{"jsonrpc":"2.0","id":5,"method":"getattr","params":'
                 b'{"path":"/file.txt","path":"/../outside"}}'):
        attacker.raw("text %r" % text, text, None, (PARSE_ERROR,))
    for method in ("exec", "hello", "add_filesystem", "", "getattr\x00"):
        attacker.expect(method, (METHOD_NOT_FOUND, PARSE_ERROR),
                        path="/file.txt")
    for depth in (10000, 1000000):
        rid = svc.next_id
        svc.next_id += 1
        attacker.raw("nested %d deep" % depth, request_bytes(
            rid, "getattr", b'{"path":"/file.txt","x":' + b"[" * depth +
            b"]" * depth + b"}"), rid, (PARSE_ERROR,))
    # A notification (no id) is not answered, nor carried out; the next
    # request is.
    svc.send_json({"jsonrpc": "2.0", "method": "unlink",
                   "params": {"path": "/file.txt"}})
    # Responses to requests the provider never made, or made and had
    # answered (hello 1, add_filesystem 2): ignored, limits unchanged.
    for rid in (1, 2, 3, WF_INT_MAX):
        svc.send_json({"jsonrpc": "2.0", "id": rid, "result": {
            "protocol": 1, "name": "x", "limits": {"max_read": 1}}})
        svc.send_json({"jsonrpc": "2.0", "id": rid, "error": {
            "code": -32000, "data": {"errno": "EACCES"}}})
    svc.send_json({"jsonrpc": "2.0", "id": None, "error": {
        "code": -32700, "message": "parse error"}})
    attacker.sane(provider, "invalid JSON-RPC")
    h = attacker.expect("open", (OK,), path="/file.txt",
                        access="read")[0]["handle"]
    _, _, data = attacker.expect("read", (OK,), path="/file.txt", handle=h,
                                 offset=0, size=4096)
    assert data == b"inside\n", data
    attacker.expect("release", (OK,), path="/file.txt", handle=h)

    # Opens never released: the table of open files fills (EMFILE), the
    # provider stays up, and releasing makes room again.
    handles = []
    for _ in range(MAX_OPEN // 64 + 2):
        for result, error, _ in svc.calls(
                [("open", {"path": "/file.txt", "access": "read"})] * 64):
            attacker.check("open", (result, error, None))
            assert kind(error) in (OK, "EMFILE"), error
            if error is None:
                handles.append(result["handle"])
    assert len(handles) == MAX_OPEN, len(handles)
    assert len(set(handles)) == MAX_OPEN, "a handle issued twice"
    attacker.expect("open", ("EMFILE",), path="/file.txt", access="read")
    attacker.expect("create", ("EMFILE",), path="/more.txt", mode=0o644,
                    access="write")
    for result, error, _ in svc.calls([
            ("release", {"path": "/file.txt", "handle": h})
            for h in handles]):
        assert error is None, error
    attacker.sane(provider, "%d opens" % len(handles))

    # The attachment form, broken.
    attacker.expect("write", invalid, path="/file.txt", handle=1,
                    offset=0, data=12)  # a count, in a text message
    for header_length, attachment, what in (
            (None, b"12345", "a write whose data says 6, with 5"),
            (1 << 20, b"12345", "a header length beyond the message"),
            (0xFFFFFFFF, b"", "a header length of 2^32-1")):
        rid = svc.next_id
        svc.next_id += 1
        header = {"jsonrpc": "2.0", "id": rid, "method": "write",
                  "params": {"path": "/file.txt", "handle": 1, "offset": 0,
                             "data": 6}}
        svc.send_attachment(header, attachment, header_length)
        answer = attacker.check(what, svc.answer_of(rid, what, True))
        assert kind(answer[1]) in (INVALID_REQUEST, PARSE_ERROR), \
            "%s: answered %r" % (what, answer)
    attacker.raw("a binary message of 3 bytes", b"\x00\x00\x00", None,
                 (INVALID_REQUEST, PARSE_ERROR), binary=True)
    attacker.raw("a header that is no JSON", b"\x00\x00\x00\x05hello12",
                 None, (PARSE_ERROR, INVALID_REQUEST), binary=True)
    for method, params in (("getattr", {"path": "/file.txt"}),
                           ("readdir", {"path": "/"}),
                           ("unlink", {"path": "/abs_escape"})):
        rid = svc.send_request(method, params, attachment=b"abc")
        answer = attacker.check(method, svc.answer_of(rid, method, True))
        assert kind(answer[1]) in (INVALID_PARAMS, INVALID_REQUEST), \
            "%s with an attachment: answered %r" % (method, answer)
    rid = svc.send_request("setxattr", {"path": "/file.txt",
                                        "name": "user.big", "flags": []},
                           attachment=b"x" * 65537)
    answer = attacker.check("setxattr", svc.answer_of(rid, "setxattr"))
    assert kind(answer[1]) == INVALID_PARAMS, answer
    assert os.path.lexists(os.path.join(wf.src, "abs_escape"))
    attacker.sane(provider, "broken attachments")

    # Above max_message: the provider hangs up, dials in again, serves.
    payload = request_bytes(svc.next_id, "getattr", b'{"path":"/' +
                            b"x" * (fakeservice.MAX_MESSAGE) + b'"}')
    try:
        svc.send_raw(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass  # it hung up before the end, as it may
    try:
        for _ in range(100):  # up to the close
            svc.recv_message()
        raise AssertionError("the provider kept the connection")
    except fakeservice.Closed:
        pass
    svc.accept()
    svc.handshake(["binary"])
    harness.log("above max_message: the provider dialed in again")


# --- symlinks swapped in during the calls -----------------------------------

INSIDE = b"inside victim, a harmless file\n"
RACE_SECONDS = 4
RACE_ROUNDS = 3000
SWAPS_MAX = 2000000
VICTIM_RW = {"path": "/flip/victim.txt", "access": "read-write"}


class Swapper:
    """A thread that swaps each pair of entries (renameat2 with
    RENAME_EXCHANGE: atomic, no moment without either) in turn, as fast as
    it can, until stopped, for at most @seconds and SWAPS_MAX swaps."""

    def __init__(self, pairs, seconds):
        self.pairs = pairs
        self.seconds = seconds
        self.swaps = 0
        self.error = None
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        deadline = time.monotonic() + self.seconds
        try:
            for i in range(SWAPS_MAX):
                if self.stop_event.is_set() or time.monotonic() > deadline:
                    break
                a, b = self.pairs[i % len(self.pairs)]
                syscalls.renameat2(a, b, syscalls.RENAME_EXCHANGE)
                self.swaps += 1
        except BaseException as e:  # re-raised by stop()
            self.error = e

    def stop(self):
        self.stop_event.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "swapper hangs"
        if self.error is not None:
            raise AssertionError("swapper failed: %r" % self.error)
        return self.swaps


def race_round(i, token):
    """One batch of requests through the swapped entries: (method,
    params) each. /swap is a directory swapped with the symlink
    /swap-link (to tmp/src/outsidedir, absolute); /flip/victim.txt a file
    swapped with the symlink /flip/victim-link (to the secret
    outsidedir/victim.txt). Every name reaches either the inside object or
    the outside one, depending on the moment."""
    victims = ("/swap/victim.txt", "/swap-link/victim.txt",
               "/flip/victim.txt", "/flip/victim-link")
    dirs = ("/swap", "/swap-link")
    d = dirs[i % 2]
    v = victims[i % 4]
    return [
        ("getattr", {"path": victims[0]}),
        ("getattr", {"path": victims[1]}),
        ("getattr", {"path": v}),
        ("getattr", {"path": d}),
        ("readdir", {"path": dirs[0]}),
        ("readdir", {"path": dirs[1]}),
        ("access", {"path": v, "mode": "rw"}),
        ("readlink", {"path": v}),
        ("open", {"path": victims[0], "access": "read"}),
        ("open", VICTIM_RW),
        ("open", {"path": v, "access": "write", "flags": ["append"]}),
        ("create", {"path": "%s/new-%d" % (d, i), "mode": 0o600,
                    "access": "write", "flags": ["exclusive"]}),
        ("create", {"path": v, "mode": 0o600, "access": "read-write"}),
        ("mkdir", {"path": "%s/dir-%d" % (d, i), "mode": 0o700}),
        ("mknod", {"path": "%s/fifo-%d" % (d, i), "type": "fifo",
                   "mode": 0o600}),
        ("symlink", {"path": "%s/lnk-%d" % (d, i), "target": "victim.txt"}),
        ("link", {"path": v, "newpath": "/stolen-%d" % i}),
        ("link", {"path": "%s/%s" % (d, token), "newpath": "/loot-%d" % i}),
        ("rename", {"path": "%s/%s" % (d, token),
                    "newpath": "/loot-%d" % i}),
        ("rename", {"path": "%s/new-%d" % (d, i),
                    "newpath": "%s/renamed-%d" % (d, i)}),
        ("unlink", {"path": "%s/%s" % (d, token)}),
        ("setattr", {"path": v, "mtime": 1, "atime": 1}),
        ("setattr", {"path": v, "size": len(INSIDE)}),
        ("setattr", {"path": v, "mode": 0o600}),
        ("setxattr", {"path": v, "name": "user.race", "data": b64(b"x"),
                      "flags": []}),
        ("getxattr", {"path": v, "name": "user.race"}),
        ("listxattr", {"path": v}),
        ("removexattr", {"path": v, "name": "user.race"}),
        ("fsync", {"path": d, "datasync": False}),
        ("statfs", {"path": d}),
    ]


def race_cleanup(i, handles, writable):
    """The requests that undo what a round made, wherever it landed:
    reads and releases of the @handles it opened, a write of the same
    bytes through @writable (the inside victim, if it opened)."""
    out = [("read", {"path": "/x", "handle": h, "offset": 0, "size": 4096})
           for h in handles]
    if writable is not None:
        out.append(("write", {"path": "/flip/victim-link",
                              "handle": writable, "offset": 0,
                              "data": b64(INSIDE)}))
    out += [("release", {"path": "/x", "handle": h}) for h in handles]
    for d in ("/swap", "/swap-link"):
        for name in ("new-%d", "renamed-%d", "fifo-%d", "lnk-%d"):
            out.append(("unlink", {"path": d + "/" + name % i}))
        out.append(("rmdir", {"path": "%s/dir-%d" % (d, i)}))
    out.append(("unlink", {"path": "/stolen-%d" % i}))
    return out


def confine_race():
    """A thread swaps a directory of the lent tree with a symlink to the
    outside (and a file with a symlink to the secret file) over and over
    while the malicious service hammers every method on paths through
    them. Every answer comes from the inside objects or is an error: no
    secret, no outside name or inode; a request on the name only found
    outside never succeeds; nothing outside is created, changed or
    removed; the race really happened (both outcomes seen); the provider
    stays up."""
    with harness.Webfuse("confine-race") as wf:
        secret, _ = make_layout(wf)
        token = make_outside(wf)
        outer = os.path.dirname(wf.src)
        outside = os.path.join(outer, "outsidedir")
        with open(os.path.join(outside, "victim.txt"), "w") as f:
            f.write(secret + "\n" + secret)
        for d in ("swap", "flip"):
            os.mkdir(os.path.join(wf.src, d))
            with open(os.path.join(wf.src, d, "victim.txt"), "wb") as f:
                f.write(INSIDE)
        os.symlink(outside, os.path.join(wf.src, "swap-link"))
        os.symlink(os.path.join(outside, "victim.txt"),
                   os.path.join(wf.src, "flip", "victim-link"))
        pairs = [(os.path.join(wf.src, "swap"),
                  os.path.join(wf.src, "swap-link")),
                 (os.path.join(wf.src, "flip", "victim.txt"),
                  os.path.join(wf.src, "flip", "victim-link"))]
        svc = fakeservice.FakeService()
        swapper = None
        try:
            wf.port = svc.port
            provider = wf.start_provider(extra=["--no-reconnect"])
            svc.accept()
            svc.handshake()
            before = snapshot(wf.tmp, wf.src)
            attacker = Attacker(wf, svc, secret, token)
            outcomes = {}  # method: set of answer kinds
            swapper = Swapper(pairs, RACE_SECONDS + 5)
            deadline = time.monotonic() + RACE_SECONDS
            rounds = 0
            for i in range(RACE_ROUNDS):
                if time.monotonic() > deadline:
                    break
                rounds += 1
                batch = race_round(i, token)
                answers = svc.calls(batch)
                handles = []
                writable = None  # of the open of /flip/victim.txt
                for (method, params), answer in zip(batch, answers):
                    attacker.check("%s %r" % (method, params), answer)
                    result, error, data = answer
                    outcomes.setdefault(method, set()).add(kind(error))
                    if token in json.dumps(params):
                        assert error is not None, \
                            "%s %r succeeded: reached outside" % (
                                method, params)
                    if error is None and method in ("open", "create"):
                        handles.append(result["handle"])
                        if params == VICTIM_RW:
                            writable = result["handle"]
                    if error is None and method == "getattr" and \
                            result["type"] == "reg":
                        assert result["size"] == len(INSIDE), \
                            "getattr %s: %r" % (params["path"], result)
                for answer in svc.calls(race_cleanup(i, handles,
                                                     writable)):
                    attacker.check("cleanup", answer)
                    result, error, data = answer
                    if data:
                        assert INSIDE.startswith(data), data
            swaps = swapper.stop()
            swapper = None
            harness.log("%d rounds, %d requests, %d swaps; outcomes: %s" % (
                rounds, attacker.count, swaps, "; ".join(
                    "%s %s" % (m, sorted(map(str, k)))
                    for m, k in sorted(outcomes.items()))))
            assert rounds >= 10 and swaps >= 100, (rounds, swaps)
            # The race happened: the same request met both objects.
            for method in ("getattr", "readdir", "open", "create"):
                assert OK in outcomes[method] and \
                    len(outcomes[method]) > 1, \
                    "%s never raced: %r" % (method, outcomes[method])
            # Put the swapped entries back, if they are not.
            if os.path.islink(pairs[0][0]):
                syscalls.renameat2(*pairs[0], syscalls.RENAME_EXCHANGE)
            attacker.sane(provider, "the race")
            result, error, _ = attacker.call("readdir", path="/swap")
            assert error is None, error
            compare_snapshots(before, snapshot(wf.tmp, wf.src))
        finally:
            if swapper is not None:
                swapper.stop()
            svc.close()



# --- a hostile greeting ------------------------------------------------------

def limits(**values):
    """A hello answer with the limits @values changed."""
    def answer(result):
        return {"result": dict(result, limits=dict(result["limits"],
                                                   **values))}
    return answer


def replaced(**members):
    """A hello answer with @members replaced (None: removed)."""
    def answer(result):
        result = dict(result, **members)
        return {"result": {k: v for k, v in result.items()
                           if v is not None}}
    return answer


# (what, answer to hello): answers the provider must hang up on.
HELLO_REFUSED = [
    ("max_message 0", limits(max_message=0)),
    ("max_read -1", limits(max_read=-1)),
    ("max_write 1.5", limits(max_write=1.5)),
    ("max_entries as a string", limits(max_entries="100000")),
    ("max_message 2^53", limits(max_message=2 ** 53)),
    ("limits as an array", replaced(limits=[1, 2])),
    ("protocol 2", replaced(protocol=2)),
    ("no protocol", replaced(protocol=None)),
    ("protocol as a string", replaced(protocol="1")),
    ("an error", lambda result: {"error": {
        "code": -32000, "message": "no", "data": {"errno": "EACCES"}}}),
]
# (what, answer to hello, check(attacker)): limits at their edges, with
# which the provider works, within them.
HELLO_EDGES = [
    ("max_read, max_write and max_entries 1",
     limits(max_read=1, max_write=1, max_entries=1), "small"),
    # Requests of ~100 bytes fit, attribute objects and listings not.
    ("max_message 128", limits(max_message=128), "tiny"),
    ("every limit 2^53-1", limits(**{k: WF_INT_MAX for k in (
        "max_message", "max_read", "max_write", "max_pending",
        "max_entries")}), "huge"),
]


def confine_hello():
    """A service answering hello with invalid limits (0, negative,
    fractional, mistyped, above 2^53-1), another protocol version or an
    error: the provider hangs up at once (exit status 1 with
    --no-reconnect), no crash. With limits at their edges it works within
    them: reads, writes and listings above them are refused, answers
    above max_message become an error, none crashes it."""
    with harness.Webfuse("confine-hello") as wf:
        secret, _ = make_layout(wf)
        token = make_outside(wf)
        # Each provider started adds its log to wf.tmp: its mtime moves.
        before = snapshot(wf.tmp, wf.src, names_only={wf.tmp})
        for what, hello in HELLO_REFUSED:
            svc = fakeservice.FakeService()
            try:
                wf.port = svc.port
                provider = wf.start_provider(extra=["--no-reconnect"])
                svc.accept()
                try:
                    svc.handshake(hello=hello)
                    raise AssertionError("attached after hello with " + what)
                except fakeservice.Closed:
                    pass
                rc = provider.wait(10)
                assert rc == 1, "provider after hello with %s: rc %r\n%s" % (
                    what, rc, provider.output())
                harness.log("hello with %s: provider hung up" % what)
            finally:
                svc.close()
        for what, hello, check in HELLO_EDGES:
            svc = fakeservice.FakeService()
            try:
                wf.port = svc.port
                provider = wf.start_provider(extra=["--no-reconnect"])
                svc.accept()
                svc.handshake(hello=hello)
                attacker = Attacker(wf, svc, secret, token)
                h = attacker.expect("open", (OK,), path="/file.txt",
                                    access="read")[0]["handle"]
                if check == "small":
                    attacker.expect("read", (INVALID_PARAMS,),
                                    path="/file.txt", handle=h, offset=0,
                                    size=2)
                    _, _, data = attacker.expect("read", (OK,),
                                                 path="/file.txt", handle=h,
                                                 offset=1, size=1)
                    assert data == b"n", data
                    attacker.expect("write", (INVALID_PARAMS,),
                                    path="/file.txt", handle=h, offset=0,
                                    data=b64(b"xy"))
                    # The root has 9 entries, /deep 2, /deep/updir none.
                    attacker.expect("readdir", ("E2BIG", "EMSGSIZE",
                                                "ENOMEM", "EIO"), path="/")
                    attacker.expect("readdir", ("E2BIG", "EMSGSIZE",
                                                "ENOMEM", "EIO"),
                                    path="/deep")
                elif check == "tiny":
                    # EMSGSIZE is no protocol errno (section 7): EIO.
                    attacker.expect("getattr", ("EIO", "EMSGSIZE"),
                                    path="/file.txt")
                    attacker.expect("readdir", ("EIO", "EMSGSIZE"),
                                    path="/")
                else:
                    _, _, data = attacker.expect("read", (OK,),
                                                 path="/file.txt", handle=h,
                                                 offset=0, size=1 << 20)
                    assert data == b"inside\n", data
                attacker.expect("release", (OK,), path="/file.txt",
                                handle=h)
                assert provider.alive(), provider.output()
                harness.log("hello with %s: %d answers within them" % (
                    what, attacker.count))
            finally:
                svc.close()
            provider.stop()
        compare_snapshots(before, snapshot(wf.tmp, wf.src,
                                           names_only={wf.tmp}))


# --- single-file mode --------------------------------------------------------

LENT = b"the one lent file\n" * 100


def single_attacks(token):
    """(method, params, kinds) against --file d/lent.img: the siblings of
    the file in d are outside, so is every name but /lent.img, and no
    entry of the root may be added, removed or renamed."""
    reg = {"mode": 0o644, "access": "read-write"}
    return [
        ("getattr", {"path": "/sibling.txt"}, ("ENOENT",)),
        ("getattr", {"path": "/" + token}, ("ENOENT",)),
        ("getattr", {"path": "/sibdir/secret.txt"}, ("ENOENT",)),
        ("getattr", {"path": "/lent-link"}, ("ENOENT",)),
        ("getattr", {"path": "/lent.img/x"}, ("ENOENT",)),
        ("readdir", {"path": "/sibdir"}, ("ENOENT",)),
        ("open", {"path": "/sibling.txt", "access": "read"}, ("ENOENT",)),
        ("readlink", {"path": "/lent-link"}, ("ENOENT",)),
        ("getxattr", {"path": "/sibling.txt", "name": "user.x"},
         ("ENOENT",)),
        ("listxattr", {"path": "/sibdir"}, ("ENOENT",)),
        ("access", {"path": "/sibling.txt", "mode": ""}, ("ENOENT",)),
        ("statfs", {"path": "/sibdir"}, ("ENOENT",)),
        ("fsync", {"path": "/sibdir", "datasync": False}, ("ENOENT",)),
        ("create", dict(reg, path="/sibling.txt", flags=["truncate"]),
         ("EPERM",)),
        ("create", dict(reg, path="/new.txt", flags=["exclusive"]),
         ("EPERM",)),
        ("create", dict(reg, path="/sibdir/new.txt"), ("ENOENT",)),
        ("mkdir", {"path": "/newdir", "mode": 0o755}, ("EPERM",)),
        ("mknod", {"path": "/fifo", "type": "fifo", "mode": 0o644},
         ("EPERM",)),
        ("symlink", {"path": "/lnk", "target": "sibling.txt"}, ("EPERM",)),
        ("link", {"path": "/lent.img", "newpath": "/copy"}, ("EPERM",)),
        ("link", {"path": "/sibling.txt", "newpath": "/copy"},
         ("ENOENT",)),
        ("unlink", {"path": "/sibling.txt"}, ("ENOENT",)),
        ("unlink", {"path": "/lent.img"}, ("EPERM",)),
        ("rmdir", {"path": "/sibdir"}, ("ENOENT",)),
        ("rename", {"path": "/sibling.txt", "newpath": "/lent.img"},
         ("ENOENT",)),
        ("rename", {"path": "/lent.img", "newpath": "/sibling.txt"},
         ("EPERM",)),
        ("rename", {"path": "/lent.img", "newpath": "/sibling.txt",
                    "flags": ["exchange"]}, ("EPERM",)),
        ("setattr", {"path": "/", "mode": 0o777}, ("EPERM",)),
        ("setattr", {"path": "/", "mtime": 0}, ("EPERM",)),
        ("setattr", {"path": "/sibling.txt", "size": 0}, ("ENOENT",)),
        ("setxattr", {"path": "/", "name": "user.x", "data": b64(b"x"),
                      "flags": []}, ("EPERM",)),
        ("removexattr", {"path": "/", "name": "user.x"}, ("EPERM",)),
        ("setxattr", {"path": "/sibling.txt", "name": "user.x",
                      "data": b64(b"x"), "flags": []}, ("ENOENT",)),
        ("access", {"path": "/", "mode": "w"}, ("EACCES",)),
    ]


def confine_single_file():
    """webfuse-provider --file d/lent.img: its siblings in d (the secret,
    a file named by the token, a directory) are outside. Every request
    naming them is ENOENT, adding, removing or renaming an entry of the
    root is EPERM, the root lists the file alone. Then the file is swapped
    with a symlink to its secret sibling (renameat2 RENAME_EXCHANGE, in a
    loop) while the malicious service hammers the one lent name: no answer
    reveals the sibling, nothing outside the file changes, the provider
    stays up."""
    with harness.Webfuse("confine-single") as wf:
        secret = "SECRET-%s" % uuid.uuid4()
        token = "only-outside-%s" % uuid.uuid4().hex
        lent = os.path.join(wf.src, "lent.img")
        link = os.path.join(wf.src, "lent-link")
        with open(lent, "wb") as f:
            f.write(LENT)
        for name in ("sibling.txt", token):
            with open(os.path.join(wf.src, name), "w") as f:
                f.write(secret)
        os.mkdir(os.path.join(wf.src, "sibdir"))
        with open(os.path.join(wf.src, "sibdir", "secret.txt"), "w") as f:
            f.write(secret)
        os.symlink(os.path.join(wf.src, "sibling.txt"), link)
        svc = fakeservice.FakeService()
        swapper = None
        try:
            wf.port = svc.port
            exe = harness.binary("WEBFUSE_PROVIDER")
            provider = harness.Proc(
                "webfuse-provider", [exe, "-u", "ws://127.0.0.1:%d/" %
                                     svc.port, "--file", lent,
                                     "--no-reconnect"],
                wf.log_path("provider"))
            wf.providers.append(provider)
            svc.accept()
            svc.handshake()
            skip = {lent, link}
            before = snapshot(wf.tmp, skip, names_only={wf.src})
            attacker = Attacker(wf, svc, secret, token,
                                lent={wf.src, lent, link})
            for method, params, kinds in single_attacks(token):
                attacker.expect(method, kinds, **params)
            result, _, _ = attacker.expect("readdir", (OK,), path="/")
            assert [e["name"] for e in result["entries"]] == ["lent.img"], \
                result

            # The lent name swapped with a symlink to the secret sibling.
            swapper = Swapper([(lent, link)], RACE_SECONDS + 5)
            outcomes = {}
            deadline = time.monotonic() + RACE_SECONDS / 2
            rounds = 0
            rw = {"path": "/lent.img", "access": "read-write"}
            batch = [
                ("getattr", {"path": "/lent.img"}),
                ("open", {"path": "/lent.img", "access": "read"}),
                ("open", rw),
                ("create", {"path": "/lent.img", "mode": 0o600,
                            "access": "read-write", "flags": []}),
                ("setattr", {"path": "/lent.img", "size": len(LENT)}),
                ("setattr", {"path": "/lent.img", "mtime": 1}),
                ("setattr", {"path": "/lent.img", "mode": 0o600}),
                ("setxattr", {"path": "/lent.img", "name": "user.race",
                              "data": b64(b"x"), "flags": []}),
                ("getxattr", {"path": "/lent.img", "name": "user.race"}),
                ("readlink", {"path": "/lent.img"}),
                ("readdir", {"path": "/"}),
                ("access", {"path": "/lent.img", "mode": "rw"}),
                ("link", {"path": "/lent.img", "newpath": "/copy"}),
            ]
            for i in range(RACE_ROUNDS):
                if time.monotonic() > deadline:
                    break
                rounds += 1
                handles, writable = [], None
                for (method, params), answer in zip(batch,
                                                    svc.calls(batch)):
                    attacker.check("%s %r" % (method, params), answer)
                    result, error, _ = answer
                    # getattr of the name itself never fails: its type
                    # tells which object it met.
                    outcomes.setdefault(method, set()).add(
                        result["type"] if method == "getattr" and
                        error is None else kind(error))
                    if error is None and method in ("open", "create"):
                        handles.append(result["handle"])
                        if params is rw:
                            writable = result["handle"]
                    if error is None and method == "getattr" and \
                            result["type"] == "reg":
                        assert result["size"] == len(LENT), result
                    if error is None and method == "readdir":
                        assert len(result["entries"]) == 1, result
                cleanup = [("read", {"path": "/lent.img", "handle": h,
                                     "offset": 0, "size": 4096})
                           for h in handles]
                if writable is not None:
                    cleanup.append(("write", {"path": "/lent.img",
                                              "handle": writable,
                                              "offset": 0,
                                              "data": b64(LENT)}))
                cleanup += [("release", {"path": "/lent.img", "handle": h})
                            for h in handles]
                for answer in svc.calls(cleanup):
                    attacker.check("cleanup", answer)
                    if answer[2]:
                        assert LENT.startswith(answer[2]), answer[2][:40]
            swaps = swapper.stop()
            swapper = None
            harness.log("single file: %d rounds, %d swaps; outcomes: %s" % (
                rounds, swaps, "; ".join(
                    "%s %s" % (m, sorted(map(str, k)))
                    for m, k in sorted(outcomes.items()))))
            for method, both in (("getattr", {"reg", "lnk"}),
                                 ("open", {OK, "ELOOP"}),
                                 ("create", {OK, "ELOOP"})):
                assert both <= outcomes[method], \
                    "%s never raced: %r" % (method, outcomes[method])
            if os.path.islink(lent):
                syscalls.renameat2(lent, link, syscalls.RENAME_EXCHANGE)
            assert provider.alive(), provider.output()
            result, error, _ = attacker.call("getattr", path="/lent.img")
            assert error is None and result["size"] == len(LENT), (
                result, error)
            with open(lent, "rb") as f:
                assert f.read() == LENT
            compare_snapshots(before, snapshot(wf.tmp, skip,
                                               names_only={wf.src}))
            harness.log("%d answers without the secret, nothing outside "
                        "changed" % attacker.count)
        finally:
            if swapper is not None:
                swapper.stop()
            svc.close()


def handles_end_with_their_connection():
    """Files a connection opened and never released are released when it
    ends: a daemon that drops connections cannot fill the provider's table
    of open files (protocol.md 6.2)."""
    with harness.Webfuse("confine-handles") as wf:
        with open(os.path.join(wf.src, "file.txt"), "w") as f:
            f.write("inside\n")
        svc = fakeservice.FakeService()
        try:
            wf.port = svc.port
            p = wf.start_provider()
            for round_ in range(2):
                svc.accept()
                svc.handshake()
                for i in range(MAX_OPEN):
                    result, error, _ = svc.call("open", path="/file.txt",
                                                access="read")
                    assert error is None, "round %d open %d: %r" % (
                        round_, i, error)
                result, error, _ = svc.call("open", path="/file.txt",
                                            access="read")
                assert error and error["data"]["errno"] == "EMFILE", error
                # The connection drops; the provider dials in again.
                svc.conn.sock.close()
                svc.conn = None
            # Once the provider has seen the drop, the files are closed.
            harness.wait_for(
                lambda: harness.open_descriptors(p.pid) < 64, 10,
                "the provider to close the files of the dropped connection")
        finally:
            svc.close()


harness.run([("no escape through the mount", confine),
             ("no escape by direct protocol requests", confine_protocol),
             ("no escape by write requests", confine_writes),
             ("malformed requests are refused", confine_malformed),
             ("no escape while symlinks are swapped in", confine_race),
             ("single-file mode lends the file alone", confine_single_file),
             ("a hostile greeting", confine_hello),
             ("handles end with their connection",
              handles_end_with_their_connection)])
