#!/usr/bin/env python3
# Integration: the real webfused against a scripted, hostile provider.
"""A fake provider (fakeprovider.py) attaches to the real daemon with a real
FUSE mount and answers the kernel's calls in fragments, not at all, wrongly
or while another provider is attached. Each call must end with the errno
the protocol names, and the daemon must stay up and keep serving."""

import base64
import contextlib
import errno
import json
import os
import random
import struct
import sys
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


@contextlib.contextmanager
def attached(wf, tree, features=(), fragment=None):
    """A fake provider attached to @wf's daemon, serving @tree in a
    thread; stopped and closed on exit."""
    provider = fakeprovider.FakeProvider(wf.port, fragment=fragment)
    serving = None
    try:
        provider.attach(features)
        serving = fakeprovider.Serving(provider, tree, SERVE_SECONDS)
        yield provider, serving
        serving.check()
    finally:
        try:
            if serving is not None:
                serving.stop()
        finally:
            provider.close()


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
DIRS = ("/slash", "/dot", "/dotdot", "/dup", "/long", "/name255")
LISTINGS = {
    "/slash": [{"name": "a/b", "attr": REG}],
    "/dot": [{"name": "ok", "attr": REG}, {"name": ".", "attr": REG}],
    "/dotdot": [{"name": "..", "attr": REG}],
    "/dup": [{"name": "twin", "attr": REG}, {"name": "other", "attr": REG},
             {"name": "twin", "attr": REG}],
    "/long": [{"name": "x" * 256, "attr": REG}],
    "/name255": [{"name": "x" * 255, "attr": REG}],  # the valid maximum
}
ATTRS = {
    "/unknown-type": {"type": "door", "mode": 0o644},
    "/negative-size": {"type": "reg", "mode": 0o644, "size": -1},
    "/fraction-size": {"type": "reg", "mode": 0o644, "size": 1.5},
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
    for path in ATTRS:
        files[path] = b"12345"
    tree = fakeprovider.Tree(files, DIRS)
    for path, entries in LISTINGS.items():
        tree.special[("readdir", path)] = listing(entries)
    for path, attr in ATTRS.items():
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
    tree.special[("read", "/attachment.bin")] = invalid_attachment

    with harness.Webfuse("hostile-invalid") as wf:
        wf.start_daemon(["--log-level", "debug"])
        with attached(wf, tree, ["binary"]) as (p, s):
            def good(what):
                check_alive(wf, what)
                assert fs_call(read_file, wf.path("good.txt")) == b"good\n", \
                    "the mount does not work after %s" % what

            good("attaching")
            names = fs_call(os.listdir, wf.path("name255"))
            assert names == ["x" * 255], names
            for path in LISTINGS:
                if path == "/name255":
                    continue
                expect(lambda: os.listdir(wf.path(path[1:])), errno.EIO,
                       "listdir %s (invalid listing)" % path)
                assert tree.count("readdir", path) >= 1, path
                check_alive(wf, "the listing of " + path)
            for path in ATTRS:
                expect(lambda: os.stat(wf.path(path[1:])), errno.EIO,
                       "stat %s (invalid attr)" % path)
                assert tree.count("getattr", path) >= 1, path
                check_alive(wf, "the attr of " + path)
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
            # The EIOs above are the daemon's verdicts, not the kernel's.
            for what in ("readdir", "attributes", "read"):
                log_has(wf, "invalid result for " + what)

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


# --- 4. one provider at a time ----------------------------------------------

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
             ("a second provider gets EBUSY", busy)], watchdog=100)
