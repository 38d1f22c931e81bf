#!/usr/bin/env python3
# Integration: the real webfused against a scripted, hostile provider.
"""A fake provider (fakeprovider.py) attaches to the real daemon with a real
FUSE mount and answers the kernel's calls in fragments, not at all, wrongly
(listings with "/", ".", "..", duplicate, over-long or mistyped names;
attributes of wrong types, out of range or huge; handles, targets, statfs
counts and xattrs out of range), twice, early (ids never asked, ids queued
but not sent), with messages no receiver can read (broken attachment form,
JSON that is not, nested 10^6 deep, NULs, surrogates, invalid ids), near
max_message, or while another provider is attached. Each call must end
with the errno the protocol names, and the daemon must stay up and keep
serving."""

import base64
import errno
import json
import os
import random
import re
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeprovider  # noqa: E402
import harness  # noqa: E402
import rfc6455  # noqa: E402

# Seconds any single filesystem call through the mount may take at most.
CALL_TIMEOUT = 15
# Seconds a fake provider loop runs at most.
SERVE_SECONDS = 50


def read_file(path, chunk=1 << 20):
    """The whole content of @path, read with fresh opens (the daemon drops
    the page cache on open)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        parts = []
        for _ in range(64):  # files here are far below 64 chunks
            data = os.read(fd, chunk)
            if not data:
                return b"".join(parts)
            parts.append(data)
        raise AssertionError("%s: no end of file after 64 reads" % path)
    finally:
        os.close(fd)


def fs_call(fn, *args, what=None):
    """@fn(*args) through the mount, bounded in time."""
    return harness.call(fn, *args, timeout=CALL_TIMEOUT,
                        what=what or "%s%r" % (fn.__name__, args))


def expect(fn, err, what):
    """@fn (bounded in time) fails with errno @err; returns its seconds."""
    t0 = time.monotonic()
    harness.expect_errno(lambda: harness.call(fn, timeout=CALL_TIMEOUT,
                                              what=what),
                         (err,), what)
    return time.monotonic() - t0


def check_alive(wf, what):
    assert wf.daemon.alive(), "webfused died after %s (rc %s):\n%s" % (
        what, wf.daemon.popen.returncode, wf.daemon.output())


def log_has(wf, text):
    """The daemon logged a line with @text (soon)."""
    harness.wait_for(lambda: text in wf.daemon.output(), 5,
                     "%r in the daemon log" % text)


def attached(wf, tree, features=(), fragment=None):
    """A fake provider attached to @wf's daemon, serving @tree in a
    thread; stopped and closed on exit."""
    return fakeprovider.attached(wf.port, tree, features, fragment,
                                 SERVE_SECONDS)


# --- 1. fragmented messages ------------------------------------------------

TEXT = ("Grüße, naïve café: €uro ✓ 日本\n" * 150).encode("utf-8")
BINARY = random.Random(6455).randbytes(200000)


def fragment_everything(payload, binary):
    """Every message in frames: a 1-byte first fragment, a cut inside a
    UTF-8 sequence, a 1-byte last fragment; binary messages also cut inside
    the length prefix, at the header's end and with a fragment above 64 KiB
    (64-bit frame length)."""
    cuts = fakeprovider.utf8_cuts(payload)
    if binary:
        end = 4 + struct.unpack(">I", payload[:4])[0]
        cuts += [3, end - 1, end, end + 1, end + 70000]
    return cuts, ()


def send_frames(provider, frames):
    """Sends (opcode, payload, fin) frames as they are, masked."""
    provider.ws.send_raw(b"".join(
        rfc6455.encode_frame(op, payload, fin, mask=True)
        for op, payload, fin in frames))


def answer_pinged(provider, req):
    """A read answer with a ping after its first and its third fragment.
    The second part goes 0.3 s later, so that the daemon has answered the
    first ping (lws answers only the first of two pings it reads at once)
    while it holds half a message."""
    data = TEXT[req.params["offset"]:][:req.params["size"]]
    payload = json.dumps(
        {"jsonrpc": "2.0", "id": req.id,
         "result": {"note": "ping between fragments ✓",
                    "data": base64.b64encode(data).decode()}},
        ensure_ascii=False).encode("utf-8")
    pieces = rfc6455.split(payload, fakeprovider.utf8_cuts(payload))
    assert len(pieces) >= 4, len(pieces)
    last = len(pieces) - 1
    frames = [(rfc6455.OP_CONT if i else rfc6455.OP_TEXT, piece, i == last)
              for i, piece in enumerate(pieces)]
    send_frames(provider, frames[:1] + [(rfc6455.OP_PING, b"ping0", True)])
    time.sleep(0.3)
    send_frames(provider, frames[1:3] + [(rfc6455.OP_PING, b"ping2", True)] +
                frames[3:])


def answer_empty_fragment(provider, req):
    """A read answer whose fragments include an empty continuation."""
    data = TEXT[req.params["offset"]:][:req.params["size"]]
    payload = json.dumps(
        {"jsonrpc": "2.0", "id": req.id,
         "result": {"data": base64.b64encode(data).decode()}}
    ).encode("utf-8")
    send_frames(provider, [(rfc6455.OP_TEXT, payload[:10], False),
                           (rfc6455.OP_CONT, b"", False),
                           (rfc6455.OP_CONT, payload[10:], True)])


def fragments():
    files = {"/naïve-€.txt": TEXT[:100], "/text.txt": TEXT,
             "/pinged.txt": TEXT[:3000], "/empty-fragment.txt": TEXT[:500],
             "/attached.bin": BINARY}
    tree = fakeprovider.Tree(files)
    tree.special[("read", "/pinged.txt")] = answer_pinged
    tree.special[("read", "/empty-fragment.txt")] = answer_empty_fragment
    with harness.Webfuse("hostile-fragments") as wf:
        wf.start_daemon()
        with attached(wf, tree, ["binary"], fragment_everything) as (p, s):
            assert p.features == ["binary"], \
                "binary not agreed: %r" % p.features
            # hello and add_filesystem went in fragments as well.
            assert p.fragmented == 2, p.fragmented

            names = fs_call(os.listdir, wf.mnt)
            want = sorted(n[1:] for n in files)
            assert sorted(names) == want, "listing %r, expected %r" % (
                names, want)
            for path, content in sorted(files.items()):
                got = fs_call(read_file, wf.path(path[1:]))
                assert got == content, "%s: %d bytes read, %d expected%s" % (
                    path, len(got), len(content),
                    "" if len(got) != len(content) else " (differ)")
                harness.log("%s: %d bytes in fragments" % (path, len(got)))
            st = fs_call(os.stat, wf.path("naïve-€.txt"))
            assert st.st_size == 100, st

            # The reads that matter really went to the provider.
            for path in files:
                assert tree.count("read", path) >= 1, "no read of " + path
            assert tree.count("readdir", "/") >= 1
            sizes = [size for path, _, size in tree.reads
                     if path == "/attached.bin"]
            harness.log("reads of /attached.bin: %r" % sizes)
            # One answer had a fragment above 64 KiB (64-bit length).
            assert max(sizes) > 70000, sizes
            harness.log("%d messages sent in fragments" % p.fragmented)
            # Each ping between fragments was answered with its payload.
            try:
                harness.wait_for(lambda: b"ping0" in p.ws.pongs and
                                 b"ping2" in p.ws.pongs, 5,
                                 "pongs to the pings between fragments")
            except TimeoutError:
                raise AssertionError("pongs received: %r, serving: %r %r" % (
                    p.ws.pongs, s.outcome, s.error))
            check_alive(wf, "fragmented messages")


# --- 2. a call never answered -----------------------------------------------

TIMEOUT = 1  # the daemon's --timeout in this case
TIMEOUT_SLACK = 0.6


def timeout():
    files = {"/slow.txt": b"never read\n", "/ok.txt": b"fine\n",
             "/later.txt": b"later\n"}
    tree = fakeprovider.Tree(files)
    unanswered = []  # ids of the requests left unanswered

    def ignore(provider, req):
        unanswered.append(req.id)

    tree.special[("read", "/slow.txt")] = ignore
    tree.special[("getattr", "/slow-stat")] = ignore
    with harness.Webfuse("hostile-timeout", timeout=TIMEOUT) as wf:
        wf.start_daemon(["--log-level", "debug"])
        with attached(wf, tree) as (p, s):
            assert fs_call(read_file, wf.path("ok.txt")) == b"fine\n"

            took = expect(lambda: read_file(wf.path("slow.txt")),
                          errno.ETIMEDOUT, "read of an unanswered file")
            harness.log("read: ETIMEDOUT after %.2fs" % took)
            assert TIMEOUT * 0.9 <= took <= TIMEOUT + TIMEOUT_SLACK, \
                "ETIMEDOUT after %.2fs with --timeout %d" % (took, TIMEOUT)
            harness.log("%d reads of /slow.txt left unanswered" %
                        tree.count("read", "/slow.txt"))
            assert tree.count("read", "/slow.txt") >= 1
            check_alive(wf, "a read timed out")

            took = expect(lambda: os.stat(wf.path("slow-stat")),
                          errno.ETIMEDOUT, "stat of an unanswered name")
            harness.log("stat: ETIMEDOUT after %.2fs" % took)
            assert TIMEOUT * 0.9 <= took <= TIMEOUT + TIMEOUT_SLACK, \
                "ETIMEDOUT after %.2fs with --timeout %d" % (took, TIMEOUT)
            check_alive(wf, "a getattr timed out")

            # The next calls are answered normally and work.
            assert fs_call(read_file, wf.path("later.txt")) == b"later\n"
            # Late answers to the calls that timed out are ignored.
            assert len(unanswered) == tree.count("read", "/slow.txt") + \
                tree.count("getattr", "/slow-stat"), unanswered
            for rid in unanswered:
                p.answer_data(rid, b"late")
                log_has(wf, "answer to unknown call %d" % rid)
            assert fs_call(read_file, wf.path("ok.txt")) == b"fine\n"
            check_alive(wf, "calls after the timeouts")


# --- 3. invalid answers ------------------------------------------------------

REG = {"type": "reg", "mode": 0o644, "size": 5}
WF_INT_MAX = 2 ** 53 - 1
LISTINGS = {
    "/slash": [{"name": "a/b", "attr": REG}],
    "/dot": [{"name": "ok", "attr": REG}, {"name": ".", "attr": REG}],
    "/dotdot": [{"name": "..", "attr": REG}],
    "/dup": [{"name": "twin", "attr": REG}, {"name": "other", "attr": REG},
             {"name": "twin", "attr": REG}],
    "/long": [{"name": "x" * 256, "attr": REG}],
    # 128 characters, 256 bytes: names are measured in bytes.
    "/long-utf8": [{"name": "é" * 128, "attr": REG}],
    "/empty-name": [{"name": "", "attr": REG}],
    "/number-name": [{"name": 5, "attr": REG}],
    "/no-name": [{"attr": REG}],
    "/string-entry": ["ok"],
    "/no-attr": [{"name": "ok"}],
    "/null-attr": [{"name": "ok", "attr": None}],
    "/huge-attr": [{"name": "ok", "attr": REG},
                   {"name": "huge", "attr": dict(REG, size=2 ** 53)}],
    "/typeless-attr": [{"name": "ok", "attr": {"mode": 0o644}}],
    "/dir-mode-attr": [{"name": "d", "attr": {"type": "dir",
                                              "mode": 0o40755}}],
}
# Listings that are valid at the limits: the names they must show.
VALID_LISTINGS = {
    "/name255": [{"name": "x" * 255, "attr": REG}],
    "/name255-utf8": [{"name": "€" * 85, "attr": REG}],  # 255 bytes
}
# Results of readdir without a valid "entries" array.
LISTING_RESULTS = {
    "/no-entries": {},
    "/entries-object": {"entries": {"name": "ok", "attr": REG}},
    "/entries-null": {"entries": None},
    "/entries-string": {"entries": "ok"},
}
DIRS = tuple(LISTINGS) + tuple(VALID_LISTINGS) + tuple(LISTING_RESULTS)
ATTRS = {
    "/unknown-type": {"type": "door", "mode": 0o644},
    "/negative-size": {"type": "reg", "mode": 0o644, "size": -1},
    "/fraction-size": {"type": "reg", "mode": 0o644, "size": 1.5},
    "/size-2p53": dict(REG, size=2 ** 53),
    "/size-1e300": dict(REG, size=1e300),
    "/size-string": dict(REG, size="5"),
    "/size-null": dict(REG, size=None),
    "/ino-2p53": dict(REG, ino=2 ** 53),
    "/ino-negative": dict(REG, ino=-1),
    "/nlink-2p32": dict(REG, nlink=2 ** 32),
    "/nlink-negative": dict(REG, nlink=-1),
    "/mode-above-7777": dict(REG, mode=0o10000),
    "/mode-with-type": dict(REG, mode=0o100644),
    "/mode-negative": dict(REG, mode=-1),
    "/mode-missing": {"type": "reg", "size": 5},
    "/type-missing": {"mode": 0o644, "size": 5},
    "/type-number": dict(REG, type=8),
    "/uid-2p32-1": dict(REG, uid=2 ** 32 - 1),
    "/gid-negative": dict(REG, gid=-1),
    "/blocks-negative": dict(REG, blocks=-1),
    "/blocks-2p53": dict(REG, blocks=2 ** 53),
    "/rdev-2p32": {"type": "chr", "mode": 0o600, "rdev": 2 ** 32},
    "/mtime-2p53": dict(REG, mtime=2 ** 53),
    "/mtime-minus-2p53": dict(REG, mtime=-(2 ** 53)),
    "/mtime-fraction": dict(REG, mtime=1.5),
    "/mtime-now": dict(REG, mtime="now"),
    "/mtime-ns-1e9": dict(REG, mtime=1, mtime_ns=10 ** 9),
    "/ctime-ns-negative": dict(REG, ctime=1, ctime_ns=-1),
    "/atime-ns-fraction": dict(REG, atime=1, atime_ns=0.5),
}
# Answers to open without a valid handle.
HANDLES = {
    "/handle-2p53": {"handle": 2 ** 53},
    "/handle-negative": {"handle": -1},
    "/handle-fraction": {"handle": 1.5},
    "/handle-string": {"handle": "1"},
    "/handle-missing": {},
}
# Attributes valid at their limits: stat succeeds and shows them.
VALID_ATTRS = {
    "/ino-max": (dict(REG, ino=WF_INT_MAX), "st_ino", WF_INT_MAX),
    "/size-max": (dict(REG, size=WF_INT_MAX), "st_size", WF_INT_MAX),
    "/nlink-0": (dict(REG, nlink=0), "st_nlink", 0),
    "/nlink-max": (dict(REG, nlink=2 ** 32 - 1), "st_nlink", 2 ** 32 - 1),
    "/uid-max": (dict(REG, uid=2 ** 32 - 2), "st_uid", 2 ** 32 - 2),
    "/blocks-max": (dict(REG, blocks=WF_INT_MAX), "st_blocks", WF_INT_MAX),
    "/mtime-max": (dict(REG, mtime=WF_INT_MAX, mtime_ns=999999999),
                   None, None),
    "/mtime-min": (dict(REG, mtime=-WF_INT_MAX), None, None),
    "/unknown-members": (dict(REG, future={"x": [1, 2]}, size_hint=2 ** 62,
                               note=1e300),
                         "st_size", 5),
}
ERRORS = {  # path: (errno name sent, code, errno the caller gets)
    "/err-unknown": ("EWHATEVER", -32000, errno.EIO),
    "/err-number": (13, -32000, errno.EIO),
    "/err-missing": (None, -32000, errno.EIO),
    "/err-eacces": ("EACCES", -32000, errno.EACCES),
    "/err-method": ("EACCES", -32601, errno.ENOSYS),
    "/err-params": ("EACCES", -32602, errno.EIO),
}


def listing(entries):
    return lambda p, r: p.answer(r.id, {"entries": entries})


def attr_answer(attr):
    return lambda p, r: p.answer(r.id, attr)


def error_answer(name, code=fakeprovider.FS_ERROR):
    return lambda p, r: p.answer_error(r.id, name, code)


def read_answer(fn):
    """Answers a read with fn(size asked) as base64."""
    return lambda p, r: p.answer_data(r.id, fn(r.params["size"]))


def answer_twice(p, r):
    p.answer(r.id, dict(REG, size=5))
    p.answer(r.id, dict(REG, size=7))


def read_twice(p, r):
    """The right bytes, then other bytes for the same call."""
    p.answer_data(r.id, b"twice"[r.params["offset"]:][:r.params["size"]])
    p.answer_data(r.id, b"EVIL!", attachment=True)
    p.answer_error(r.id, "EACCES")


def invalid_attachment(p, r):
    """Header data says 10 bytes, the attachment has 5."""
    p.send_attachment({"jsonrpc": "2.0", "id": r.id,
                       "result": {"data": 10}}, b"12345")


def oversized(p, r):
    """A read answer in 1 MiB fragments, above max_message in all."""
    chunk = b"A" * (1 << 20)
    count = p.limits["max_message"] // len(chunk) + 1
    head = b'{"jsonrpc":"2.0","id":%d,"result":{"data":"' % r.id
    try:
        p.ws.send_frame(rfc6455.OP_TEXT, head, fin=False)
        for _ in range(count):
            p.ws.send_frame(rfc6455.OP_CONT, chunk, fin=False)
        p.ws.send_frame(rfc6455.OP_CONT, b'"}}', fin=True)
    except OSError:
        pass  # the daemon closed the connection midway, as it must


def invalid():
    files = {"/good.txt": b"good\n", "/twice.txt": b"twice",
             "/too-much.txt": b"12345", "/too-much.bin": b"12345",
             "/bad-base64.txt": b"12345", "/unpadded.txt": b"12345",
             "/attachment.bin": b"12345", "/err-read.txt": b"12345"}
    for path in list(ATTRS) + list(HANDLES):
        files[path] = b"12345"
    tree = fakeprovider.Tree(files, DIRS)
    for path, entries in list(LISTINGS.items()) + list(
            VALID_LISTINGS.items()):
        tree.special[("readdir", path)] = listing(entries)
    for path, result in LISTING_RESULTS.items():
        tree.special[("readdir", path)] = attr_answer(result)
    for path, attr in ATTRS.items():
        tree.special[("getattr", path)] = attr_answer(attr)
    for path, result in HANDLES.items():
        tree.special[("open", path)] = attr_answer(result)
    for path, (attr, _, _) in VALID_ATTRS.items():
        tree.special[("getattr", path)] = attr_answer(attr)
    for path, (name, code, _) in ERRORS.items():
        tree.special[("getattr", path)] = error_answer(name, code)
    tree.special[("read", "/err-read.txt")] = error_answer("EACCES")
    tree.special[("read", "/too-much.txt")] = read_answer(
        lambda size: b"y" * (size + 1))
    tree.special[("read", "/too-much.bin")] = lambda p, r: p.answer_data(
        r.id, b"y" * (r.params["size"] + 1), attachment=True)
    tree.special[("read", "/bad-base64.txt")] = lambda p, r: p.answer(
        r.id, {"data": "MTIz*DU="})
    tree.special[("read", "/unpadded.txt")] = lambda p, r: p.answer(
        r.id, {"data": "MTIzNDU"})
    tree.special[("getattr", "/twice.txt")] = answer_twice
    tree.special[("read", "/twice.txt")] = read_twice
    tree.special[("read", "/attachment.bin")] = invalid_attachment

    with harness.Webfuse("hostile-invalid") as wf:
        wf.start_daemon(["--log-level", "debug"])
        with attached(wf, tree, ["binary"]) as (p, s):
            def good(what):
                check_alive(wf, what)
                assert fs_call(read_file, wf.path("good.txt")) == b"good\n", \
                    "the mount does not work after %s" % what

            good("attaching")
            for path, entries in VALID_LISTINGS.items():
                names = fs_call(os.listdir, wf.path(path[1:]))
                assert names == [e["name"] for e in entries], names
            for path in list(LISTINGS) + list(LISTING_RESULTS):
                expect(lambda: os.listdir(wf.path(path[1:])), errno.EIO,
                       "listdir %s (invalid listing)" % path)
                assert tree.count("readdir", path) >= 1, path
                check_alive(wf, "the listing of " + path)
            for path in ATTRS:
                expect(lambda: os.stat(wf.path(path[1:])), errno.EIO,
                       "stat %s (invalid attr)" % path)
                assert tree.count("getattr", path) >= 1, path
                check_alive(wf, "the attr of " + path)
            for path, (attr, field, value) in VALID_ATTRS.items():
                st = fs_call(os.stat, wf.path(path[1:]))
                assert field is None or getattr(st, field) == value, \
                    "stat %s: %s %r, expected %r" % (
                        path, field, getattr(st, field), value)
                check_alive(wf, "the attr of " + path)
            good("attributes at their limits")
            for path in HANDLES:
                expect(lambda: read_file(wf.path(path[1:])), errno.EIO,
                       "open %s (invalid handle)" % path)
                assert tree.count("open", path) >= 1, path
                check_alive(wf, "the handle of " + path)
            for path in ("/too-much.txt", "/too-much.bin",
                         "/bad-base64.txt", "/unpadded.txt"):
                expect(lambda: read_file(wf.path(path[1:])), errno.EIO,
                       "read %s (invalid data)" % path)
                assert tree.count("read", path) >= 1, path
                check_alive(wf, "the read of " + path)
            for path, (name, code, err) in ERRORS.items():
                expect(lambda: os.stat(wf.path(path[1:])), err,
                       "stat %s (error %d, errno %r)" % (path, code, name))
                check_alive(wf, "the error of " + path)
            expect(lambda: read_file(wf.path("err-read.txt")),
                   errno.EACCES, "read with error EACCES")
            good("error answers")

            # Answers to ids never asked are ignored.
            for rid in (2 ** 53 - 1, 1000000007):
                p.answer(rid, {"data": "MTIzNDU="})
                p.answer_error(rid, "ENOENT")
            good("answers to ids never asked")
            log_has(wf, "answer to unknown call %d" % (2 ** 53 - 1))
            log_has(wf, "answer to unknown call 1000000007")

            # A second answer to one call is ignored.
            st = fs_call(os.stat, wf.path("twice.txt"))
            assert st.st_size == 5, "size %d: not the first answer" % \
                st.st_size
            good("an answer sent twice")
            st = fs_call(os.stat, wf.path("twice.txt"))
            assert st.st_size == 5, st
            assert tree.count("getattr", "/twice.txt") >= 1
            for _ in range(2):
                got = fs_call(read_file, wf.path("twice.txt"))
                assert got == b"twice", "read answered twice: %r" % got
            good("a read answered twice")
            # The EIOs above are the daemon's verdicts, not the kernel's:
            # the first is logged, the others only counted (no flood).
            log_has(wf, "invalid answer (")
            assert wf.daemon.output().count("invalid answer (") == 1, \
                wf.daemon.output()

            # An attachment its header disagrees with makes the message
            # invalid: the daemon closes the connection, the call fails
            # with EIO at once (not after the timeout).
            took = expect(lambda: read_file(wf.path("attachment.bin")),
                          errno.EIO, "read answered with a wrong attachment")
            harness.log("wrong attachment: EIO after %.2fs" % took)
            assert took < 2, "EIO only after %.2fs (the timeout?)" % took
            harness.wait_for(s.ended, 10, "the daemon to close the "
                             "connection")
            assert s.outcome == "closed", s.outcome
            log_has(wf, "invalid message")
            check_alive(wf, "an invalid attachment")
            # Detaching sums up what was not logged one by one.
            log_has(wf, " invalid answers)")
            counted = re.search(r"calls timed out, (\d+) invalid answers\)",
                                wf.daemon.output())
            assert counted and int(counted.group(1)) >= 10, \
                wf.daemon.output()

        # A new provider attaches at once, and the mount works.
        tree.special.clear()
        tree.files["/huge.txt"] = b"12345"
        tree.special[("read", "/huge.txt")] = oversized
        with attached(wf, tree, ["binary"]) as (p, s):
            good("a new provider")
            names = fs_call(os.listdir, wf.mnt)
            assert "good.txt" in names, names

            # A message above max_message, in small fragments: the daemon
            # closes the connection and the call fails with EIO.
            took = expect(lambda: read_file(wf.path("huge.txt")), errno.EIO,
                          "read answered above max_message")
            harness.log("above max_message: EIO after %.2fs" % took)
            assert took < 4, "EIO only after %.2fs (the timeout?)" % took
            harness.wait_for(s.ended, 10, "the daemon to close the "
                             "connection")
            assert s.outcome == "closed", s.outcome
            log_has(wf, "message exceeds max_message")
            check_alive(wf, "a message above max_message")

        tree.special.clear()
        with attached(wf, tree) as (p, s):
            good("a third provider")


# --- 4. answers to ids never asked ------------------------------------------

BOGUS = {"type": "reg", "mode": 0o600, "size": 666}
# Seconds past the daemon's attribute and entry cache time (1 s).
ATTR_TIMEOUT = 1.1


def stray_answers():
    """Answers to ids the daemon never asked, sent before hello, before
    add_filesystem, after attaching before the first request (the very
    ids the daemon will number its next calls with) and while a call is
    pending (its neighbours' ids, and an id already answered): each is
    ignored and logged; every call gets its own answer, not a stray one,
    and the daemon stays up."""
    files = {"/good.txt": b"good\n", "/held.txt": b"held\n"}
    tree = fakeprovider.Tree(files)
    held_ids = []

    def strays(p, ids):
        for rid in ids:
            p.answer(rid, BOGUS)
            p.answer_data(rid, b"EVIL")
            p.answer_error(rid, "EACCES")

    def held(p, r):
        """Before the real answer: the ids next to it and one already
        answered (the call before)."""
        held_ids.append(r.id)
        strays(p, (r.id + 1, r.id + 2, r.id + 1000, r.id - 1))
        p.answer(r.id, tree.attr("/held.txt"))

    tree.special[("getattr", "/held.txt")] = held
    with harness.Webfuse("hostile-stray") as wf:
        wf.start_daemon(["--log-level", "debug"])
        provider = fakeprovider.FakeProvider(wf.port)
        serving = None
        try:
            strays(provider, (1, 2, 3, WF_INT_MAX))
            provider.hello()
            strays(provider, (1, 2))
            msg = provider.add_filesystem()
            assert "result" in msg, msg
            # The daemon numbers its calls from 1: answered before asked.
            # (Read before the first call is made: a provider cannot
            # tell an answer sent too early from one to a call made
            # meanwhile.)
            strays(provider, range(1, 21))
            log_has(wf, "answer to unknown call 20")
            serving = fakeprovider.Serving(provider, tree, SERVE_SECONDS)
            for _ in range(3):
                st = fs_call(os.stat, wf.path("good.txt"))
                assert st.st_size == 5, "a stray answer taken: %r" % st
                assert fs_call(read_file, wf.path("good.txt")) == b"good\n"
                st = fs_call(os.stat, wf.path("held.txt"))
                assert st.st_size == 5, "a stray answer taken: %r" % st
                assert fs_call(read_file, wf.path("held.txt")) == b"held\n"
                assert sorted(fs_call(os.listdir, wf.mnt)) == [
                    "good.txt", "held.txt"]
                check_alive(wf, "stray answers")
                time.sleep(ATTR_TIMEOUT)  # the kernel asks again after
            assert len(held_ids) >= 2, held_ids
            for rid in (WF_INT_MAX, held_ids[-1] + 1, held_ids[-1] + 1000):
                log_has(wf, "answer to unknown call %d" % rid)
            serving.check()
        finally:
            if serving is not None:
                serving.stop()
            provider.close()


def queued_answers():
    """With --max-pending 1 the daemon queues calls unsent; a provider
    answering the ids of those queued calls early (before the daemon sent
    them) is answering calls never asked: ignored, each call then gets its
    own answer once sent."""
    files = {"/q%d" % i: b"q" * (i + 1) for i in range(8)}
    tree = fakeprovider.Tree(files)
    lock = threading.Lock()
    asked, early = set(), set()

    def slow(p, r):
        time.sleep(0.05)  # lets the kernel's other lookups queue up
        with lock:
            asked.add(r.id)
            early.update((r.id + 1, r.id + 2, r.id + 3))
        for rid in (r.id + 1, r.id + 2, r.id + 3):
            p.answer(rid, BOGUS)
        p.answer(r.id, tree.attr(r.params["path"]))

    for path in files:
        tree.special[("getattr", path)] = slow
    with harness.Webfuse("hostile-queued") as wf:
        wf.start_daemon(["--log-level", "debug", "--max-pending", "1"])
        with attached(wf, tree) as (p, s):
            results = {}

            def stat(path):
                try:
                    results[path] = os.stat(wf.path(path[1:])).st_size
                except OSError as e:
                    results[path] = e

            threads = [threading.Thread(target=stat, args=(path,),
                                        daemon=True) for path in files]
            for t in threads:
                t.start()
            for t in threads:
                t.join(CALL_TIMEOUT)
                assert not t.is_alive(), "a stat hangs"
            for path, content in files.items():
                assert results[path] == len(content), \
                    "stat %s: %r, expected size %d" % (
                        path, results[path], len(content))
            with lock:
                answered_early = sorted(asked & early)
            harness.log("calls asked after an early answer to their id: "
                        "%r" % answered_early)
            assert answered_early, (sorted(asked), sorted(early))
            check_alive(wf, "answers to queued calls")


TYPES = ("reg", "dir", "lnk", "fifo", "sock", "chr", "blk")


def shifting_types():
    """The provider tells a different type for one name in each answer:
    a listing says one type, the lookup another, the next connection yet
    another. The kernel and the daemon keep apart what they must; every
    call ends (success or an errno), the daemon stays up and serves."""
    files = {"/good.txt": b"good\n"}
    outcomes = []
    with harness.Webfuse("hostile-types") as wf:
        wf.start_daemon()
        for i, kind in enumerate(TYPES):
            other = TYPES[(i + 1) % len(TYPES)]
            tree = fakeprovider.Tree(files)
            listed = {"type": kind, "mode": 0o755, "size": 5, "rdev": 259}
            looked = dict(listed, type=other)
            tree.special[("readdir", "/")] = listing(
                [{"name": "good.txt", "attr": tree.attr("/good.txt")},
                 {"name": "shifty", "attr": listed}])
            tree.special[("getattr", "/shifty")] = attr_answer(looked)
            tree.special[("readdir", "/shifty")] = listing(
                [{"name": "inner", "attr": looked}])
            tree.special[("readlink", "/shifty")] = attr_answer(
                {"target": "good.txt"})
            tree.special[("open", "/shifty")] = attr_answer({"handle": 1})
            tree.special[("read", "/shifty")] = read_answer(
                lambda size: b"shift"[:size])
            with attached(wf, tree) as (p, s):
                assert "shifty" in fs_call(os.listdir, wf.mnt)
                for what, fn in (
                        ("lstat", lambda: os.lstat(wf.path("shifty"))),
                        ("listdir", lambda: os.listdir(wf.path("shifty"))),
                        ("readlink", lambda: os.readlink(wf.path("shifty"))),
                        ("open", lambda: os.close(os.open(
                            wf.path("shifty"), os.O_RDONLY | os.O_NONBLOCK |
                            os.O_NOCTTY))),
                        ("lstat inner", lambda: os.lstat(
                            wf.path("shifty/inner")))):
                    try:
                        fs_call(fn, what="%s (%s, then %s)" % (
                            what, kind, other))
                        outcomes.append("%s/%s %s: ok" % (kind, other, what))
                    except OSError as e:
                        outcomes.append("%s/%s %s: %s" % (
                            kind, other, what, errno.errorcode[e.errno]))
                    check_alive(wf, "%s of a name typed %s, then %s" % (
                        what, kind, other))
                assert fs_call(read_file, wf.path("good.txt")) == b"good\n"
        harness.log("; ".join(outcomes))


# --- 5. messages that end the connection ------------------------------------

def nested(depth):
    return b"[" * depth + b"]" * depth


def text_answer(fn):
    """A handler sending the bytes fn(request) as a text message."""
    return lambda p, r: p.send_raw(fn(r))


def binary_answer(fn):
    return lambda p, r: p.send_raw(fn(r), binary=True)


def head(r, result=b'{"type":"reg","mode":420,"size":5}'):
    return b'{"jsonrpc":"2.0","id":%d,"result":%s}' % (r.id, result)


def attachment_form(header, attachment, length=None):
    return struct.pack(">I", len(header) if length is None else length) + \
        header + attachment


# (what, handler for the getattr of the file, features): each makes the
# message invalid, so the daemon closes the connection.
CLOSING = [
    ("a header length beyond the message", binary_answer(
        lambda r: attachment_form(head(r), b"", len(head(r)) + 1)),
     ["binary"]),
    ("a header length of 2^32-1", binary_answer(
        lambda r: attachment_form(head(r), b"12345", 0xFFFFFFFF)),
     ["binary"]),
    ("a binary message of 3 bytes", binary_answer(lambda r: b"\0\0\0"),
     ["binary"]),
    ("a header that is no JSON", binary_answer(
        lambda r: attachment_form(b"hello", b"12345")), ["binary"]),
    ("a header that is a JSON array", binary_answer(
        lambda r: attachment_form(b"[%d]" % r.id, b"12345")), ["binary"]),
    ("an attachment on an error answer", binary_answer(
        lambda r: attachment_form(
            b'{"jsonrpc":"2.0","id":%d,"error":{"code":-32000,'
            b'"message":"x","data":3}}' % r.id, b"abc")), ["binary"]),
    ("an attachment its header does not count", binary_answer(
        lambda r: attachment_form(head(r), b"abc")), ["binary"]),
    ("an attachment its header counts wrong", binary_answer(
        lambda r: attachment_form(head(
            r, b'{"type":"reg","mode":420,"size":5,"data":4}'), b"abc")),
     ["binary"]),
    ("an attachment without the feature", binary_answer(
        lambda r: attachment_form(head(
            r, b'{"type":"reg","mode":420,"size":5,"data":3}'), b"abc")),
     []),
    ("JSON nested 10000 deep", text_answer(
        lambda r: head(r, b'{"type":"reg","mode":420,"x":' +
                       nested(10000) + b"}")), []),
    ("JSON nested 1000000 deep", text_answer(
        lambda r: head(r, b'{"type":"reg","mode":420,"x":' +
                       nested(1000000) + b"}")), []),
    ("a size of 2^64", text_answer(
        lambda r: head(r, b'{"type":"reg","mode":420,"size":%d}' %
                       2 ** 64)), []),
    ("a size of 1e400", text_answer(
        lambda r: head(r, b'{"type":"reg","mode":420,"size":1e400}')), []),
    ("a NUL in a string", text_answer(
        lambda r: head(r, b'{"type":"reg\\u0000","mode":420}')), []),
    ("a lone surrogate", text_answer(
        lambda r: head(r, b'{"type":"reg","mode":420,"x":"\\udc80"}')),
     []),
    ("bytes that are not UTF-8", text_answer(
        lambda r: head(r, b'{"type":"reg","mode":420,"x":"\xc0\xae"}')),
     []),
    ("a duplicate id", text_answer(
        lambda r: b'{"jsonrpc":"2.0","id":%d,"id":%d,"result":{}}' % (
            r.id, r.id + 1)), []),
    ("a duplicate member", text_answer(
        lambda r: head(r, b'{"type":"reg","mode":420,"mode":493}')), []),
    ("an empty message", text_answer(lambda r: b""), []),
    ("a batch", text_answer(lambda r: b"[" + head(r) + b"]"), []),
    ("no JSON-RPC version", text_answer(
        lambda r: b'{"id":%d,"result":{}}' % r.id), []),
    ("JSON-RPC 1.0", text_answer(
        lambda r: b'{"jsonrpc":"1.0","id":%d,"result":{}}' % r.id), []),
    ("id 0", text_answer(lambda r: b'{"jsonrpc":"2.0","id":0,'
                         b'"result":{}}'), []),
    ("id -1", text_answer(lambda r: b'{"jsonrpc":"2.0","id":-1,'
                          b'"result":{}}'), []),
    ("id 2^53", text_answer(lambda r: b'{"jsonrpc":"2.0","id":%d,'
                            b'"result":{}}' % 2 ** 53), []),
    ("id as a string", text_answer(
        lambda r: b'{"jsonrpc":"2.0","id":"%d","result":{}}' % r.id), []),
    ("id as a fraction", text_answer(
        lambda r: b'{"jsonrpc":"2.0","id":%d.5,"result":{}}' % r.id), []),
    ("a null id with a result", text_answer(
        lambda r: b'{"jsonrpc":"2.0","id":null,"result":{}}'), []),
    ("a result that is an array", text_answer(
        lambda r: head(r, b"[]")), []),
    ("a result that is null", text_answer(lambda r: head(r, b"null")), []),
    ("a result that is a string", text_answer(
        lambda r: head(r, b'"reg"')), []),
    ("a result and an error", text_answer(
        lambda r: b'{"jsonrpc":"2.0","id":%d,"result":{},"error":'
                  b'{"code":-32000}}' % r.id), []),
    ("neither result nor error", text_answer(
        lambda r: b'{"jsonrpc":"2.0","id":%d}' % r.id), []),
    ("an error that is a string", text_answer(
        lambda r: b'{"jsonrpc":"2.0","id":%d,"error":"EIO"}' % r.id), []),
]


def closing():
    """Messages no receiver can read (broken attachment form, JSON that
    is not, nested 10^6 deep, numbers beyond int64, NULs, surrogates and
    bytes that are not UTF-8, duplicate members, invalid ids, results and
    errors): each ends the connection, the call waiting for it fails with
    EIO at once (not after the timeout), the daemon stays up, and the next
    provider serves the mount."""
    files = {"/good.txt": b"good\n", "/attack": b"12345"}
    with harness.Webfuse("hostile-closing") as wf:
        wf.start_daemon(["--log-level", "debug"])
        for what, handler, features in CLOSING:
            tree = fakeprovider.Tree(files)
            tree.special[("getattr", "/attack")] = handler
            with attached(wf, tree, features) as (p, s):
                assert p.features == features, p.features
                took = expect(lambda: os.stat(wf.path("attack")), errno.EIO,
                              what)
                assert took < 4, "%s: EIO only after %.2fs" % (what, took)
                harness.wait_for(s.ended, 10, "the daemon to close the "
                                 "connection after " + what)
                assert s.outcome == "closed", (what, s.outcome)
                check_alive(wf, what)
            harness.log("%s: closed, EIO after %.2fs" % (what, took))
        tree = fakeprovider.Tree(files)
        with attached(wf, tree) as (p, s):
            assert fs_call(read_file, wf.path("good.txt")) == b"good\n"
            check_alive(wf, "%d closed connections" % len(CLOSING))
        attachment_without_data(wf, files)


def attachment_without_data(wf, files):
    """protocol.md 4: an attachment on a message type without "data"
    (here the answers to getattr and open, their header counting it
    right) makes the message invalid: the call fails with EIO, the bytes
    go nowhere, and the daemon stays up and serves the next call."""
    def attr_with_attachment(p, r):
        p.send_attachment({"jsonrpc": "2.0", "id": r.id, "result": dict(
            REG, data=3)}, b"abc")

    def open_with_attachment(p, r):
        p.send_attachment({"jsonrpc": "2.0", "id": r.id, "result": {
            "handle": 7, "data": 3}}, b"abc")

    for method, path, call in (
            ("getattr", "/attack", lambda: os.stat(wf.path("attack"))),
            ("open", "/attack", lambda: read_file(wf.path("attack")))):
        tree = fakeprovider.Tree(files)
        tree.special[(method, path)] = attr_with_attachment \
            if method == "getattr" else open_with_attachment
        with attached(wf, tree, ["binary"]) as (p, s):
            expect(lambda: fs_call(call, what="%s answered with an "
                                   "attachment" % method),
                   errno.EIO, "%s answered with an attachment" % method)
            assert fs_call(read_file, wf.path("good.txt")) == b"good\n"
        log_has(wf, "invalid answer (an attachment on a result without "
                "data)")
        check_alive(wf, "an attachment on a %s answer" % method)


# --- 6. large answers ---------------------------------------------------------

BIG = 15 << 20  # bytes: below max_message, far above every other limit


def many(count):
    return [{"name": "n%06d" % i, "attr": REG} for i in range(count)]


def big_answers():
    """Answers near max_message: a 15 MiB name in a listing and a 15 MiB
    symlink target fail the call with EIO; a 15 MiB member the protocol
    does not define is ignored; a listing of max_entries + 1 entries fails
    with EIO, one of max_entries is listed; statfs counts above 2^53-1
    fail with EIO. The connection stays, the daemon too."""
    files = {"/good.txt": b"good\n"}
    dirs = ("/big-name", "/too-many", "/max-entries")
    tree = fakeprovider.Tree(files, dirs)
    lnk = {"type": "lnk", "mode": 0o777, "size": 10}
    targets = {"/big-target": "x" * BIG, "/target-4096": "t" * 4096,
               "/target-4095": "t" * 4095, "/target-empty": ""}
    for path, target in targets.items():
        tree.special[("getattr", path)] = attr_answer(lnk)
        tree.special[("readlink", path)] = attr_answer({"target": target})
    tree.special[("readdir", "/big-name")] = listing(
        [{"name": "ok", "attr": REG}, {"name": "x" * BIG, "attr": REG}])
    tree.special[("getattr", "/big-member")] = attr_answer(
        dict(REG, note="y" * BIG))
    xattrs = {"/xattr-big": ("getxattr", {"data": base64.b64encode(
        b"v" * 65537).decode()}),
              "/xattr-nodata": ("getxattr", {}),
              "/names-big": ("listxattr", {"names": ["user.%06d" % i
                                                     for i in range(6554)]}),
              "/names-number": ("listxattr", {"names": ["user.a", 5]}),
              "/names-empty-name": ("listxattr", {"names": [""]}),
              "/names-string": ("listxattr", {"names": "user.a"})}
    for path, (method, result) in xattrs.items():
        tree.special[("getattr", path)] = attr_answer(REG)
        tree.special[(method, path)] = attr_answer(result)
    # Names of namespaces the protocol does not carry (protocol.md 6.3).
    tree.special[("getattr", "/labelled")] = attr_answer(REG)
    tree.special[("listxattr", "/labelled")] = attr_answer(
        {"names": ["security.selinux", "user.a", "system.posix_acl_access"]})
    statfs = {"/statfs-2p53": {"bsize": 4096, "blocks": 2 ** 53},
              "/statfs-negative": {"bsize": -1},
              "/statfs-fraction": {"bfree": 0.5}}
    for path, result in statfs.items():
        tree.special[("getattr", path)] = attr_answer(REG)
        tree.special[("statfs", path)] = attr_answer(result)
    with harness.Webfuse("hostile-big") as wf:
        wf.start_daemon(["--log-level", "debug"])
        with attached(wf, tree, ["binary"]) as (p, s):
            limit = p.limits["max_entries"]
            tree.special[("readdir", "/too-many")] = listing(
                many(limit + 1))
            tree.special[("readdir", "/max-entries")] = listing(many(limit))

            def good(what):
                check_alive(wf, what)
                assert fs_call(read_file, wf.path("good.txt")) == \
                    b"good\n", "the mount does not work after " + what

            expect(lambda: os.listdir(wf.path("big-name")), errno.EIO,
                   "a listing with a 15 MiB name")
            good("a 15 MiB name")
            st = fs_call(os.stat, wf.path("big-member"))
            assert st.st_size == 5, st
            good("a 15 MiB member")
            expect(lambda: os.readlink(wf.path("big-target")), errno.EIO,
                   "a 15 MiB symlink target")
            expect(lambda: os.readlink(wf.path("target-4096")), errno.EIO,
                   "a symlink target of 4096 bytes")
            expect(lambda: os.readlink(wf.path("target-empty")), errno.EIO,
                   "an empty symlink target")
            got = fs_call(os.readlink, wf.path("target-4095"))
            assert got == targets["/target-4095"], len(got)
            good("symlink targets")
            for path in statfs:
                expect(lambda: os.statvfs(wf.path(path[1:])), errno.EIO,
                       "statfs answered with " + json.dumps(statfs[path]))
            good("statfs counts")
            for path, (method, result) in xattrs.items():
                fn = (lambda: os.getxattr(wf.path(path[1:]), "user.a")) \
                    if method == "getxattr" else \
                    (lambda: os.listxattr(wf.path(path[1:])))
                expect(fn, errno.EIO, "%s %s" % (method, path))
            good("xattr answers")
            got = fs_call(os.listxattr, wf.path("labelled"))
            assert got == ["user.a"], got
            for name in ("security.selinux", "system.posix_acl_access"):
                expect(lambda: os.getxattr(wf.path("labelled"), name),
                       errno.EOPNOTSUPP, "getxattr " + name)
            # Answered by the daemon: ls -l may ask for each file.
            assert tree.count("getxattr", "/labelled") == 0
            good("names out of the protocol")
            t0 = time.monotonic()
            expect(lambda: os.listdir(wf.path("too-many")), errno.EIO,
                   "a listing of max_entries + 1 = %d entries" % (limit + 1))
            good("a listing above max_entries")
            names = fs_call(os.listdir, wf.path("max-entries"))
            assert len(names) == limit, len(names)
            harness.log("listings of %d and %d entries: %.1fs" % (
                limit + 1, limit, time.monotonic() - t0))
            good("a listing of max_entries")
            assert s.outcome is None, s.outcome  # still connected


# --- 7. one provider at a time ----------------------------------------------

def busy():
    one = fakeprovider.Tree({"/one.txt": b"one\n"})
    two = fakeprovider.Tree({"/two.txt": b"two\n"})
    with harness.Webfuse("hostile-busy") as wf:
        wf.start_daemon()
        second = fakeprovider.FakeProvider(wf.port)
        third = s2 = None
        try:
            with attached(wf, one):
                assert fs_call(os.listdir, wf.mnt) == ["one.txt"]
                second.hello()
                msg = second.add_filesystem()
                assert "error" in msg, "second provider attached: %r" % msg
                assert msg["error"].get("code") == -32000, msg
                assert msg["error"].get("data", {}).get("errno") == \
                    "EBUSY", msg
                assert fs_call(read_file, wf.path("one.txt")) == b"one\n"
            wf.wait_detached()
            # The second one, still greeted, now attaches.
            msg = second.add_filesystem()
            assert "result" in msg, "no attach after the first left: %r" % \
                msg
            # Attaching twice on one connection is a protocol error.
            msg = second.add_filesystem()
            assert msg.get("error", {}).get("data", {}).get(
                "errno") == "EPROTO", msg
            s2 = fakeprovider.Serving(second, two, SERVE_SECONDS)
            assert fs_call(read_file, wf.path("two.txt")) == b"two\n"
            assert fs_call(os.listdir, wf.mnt) == ["two.txt"]
            third = fakeprovider.FakeProvider(wf.port)
            third.hello()
            msg = third.add_filesystem()
            assert msg.get("error", {}).get("data", {}).get(
                "errno") == "EBUSY", msg
            check_alive(wf, "a busy filesystem")
        finally:
            if s2 is not None:
                s2.stop()
            second.close()
            if third is not None:
                third.close()


harness.run([("fragmented messages are reassembled", fragments),
             ("an unanswered call fails with ETIMEDOUT", timeout),
             ("invalid answers fail the call with EIO", invalid),
             ("answers to ids never asked are ignored", stray_answers),
             ("early answers to queued calls are ignored", queued_answers),
             ("types that change between answers", shifting_types),
             ("unreadable messages end the connection", closing),
             ("answers near max_message", big_answers),
             ("a second provider gets EBUSY", busy)], watchdog=100)
