#!/usr/bin/env python3
# Integration: writes answered before the provider confirms them.
"""The real webfused with a real mount and a scripted provider
(fakeprovider.py) that holds back its answers to writes. A write returns
before the provider answered it, within --max-write-behind; everything
else through the mount waits until the writes are confirmed (a stat sees
their size), as does a write on the same bytes, on another file or in
append mode. A write the provider fails, writes short or loses with the
connection fails the next write, fsync or close of that open file, once."""

import base64
import contextlib
import errno
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeprovider  # noqa: E402
import harness  # noqa: E402

# Seconds any single filesystem call through the mount may take at most.
CALL_TIMEOUT = 15
# Seconds a fake provider loop runs at most.
SERVE_SECONDS = 60
# How long a call that must wait is watched to still wait.
STILL = 0.5
CHUNK = bytes(range(256)) * 256  # 64 KiB


class WriteTree(fakeprovider.Tree):
    """A tree whose files take writes. With hold set, write requests wait
    in self.waiting until answer_held(); with fail set to an errno name,
    writes fail with it; with short set, one byte fewer is written."""

    def __init__(self, files):
        super().__init__(files)
        self.hold = False
        self.fail = None
        self.short = False
        self.waiting = []  # write requests not answered yet
        self.answered = 0  # writes answered

    def _apply(self, provider, req):
        if self.fail:
            provider.answer_error(req.id, self.fail)
        else:
            path, off = req.params["path"], req.params["offset"]
            data = base64.b64decode(req.params["data"])
            if self.short:
                data = data[:-1]
            with self.lock:
                old = self.files[path]
                old += bytes(max(0, off - len(old)))
                self.files[path] = old[:off] + data + old[off + len(data):]
            provider.answer(req.id, {"size": len(data)})
        with self.lock:
            self.answered += 1

    def answer_held(self, provider, count=None):
        """Answers the first @count writes held back (all if None)."""
        with self.lock:
            n = len(self.waiting) if count is None else count
            todo, self.waiting = self.waiting[:n], self.waiting[n:]
        for req in todo:
            self._apply(provider, req)

    def __call__(self, provider, req):
        if req.method in ("write", "flush", "fsync"):
            with self.lock:
                self.seen.append((req.method, req.params.get("path")))
                if req.method == "write" and self.hold:
                    self.waiting.append(req)
                    return
            if req.method == "write":
                self._apply(provider, req)
            else:
                provider.answer(req.id, {})
            return
        super().__call__(provider, req)


def fs_call(fn, *args):
    return harness.call(fn, *args, timeout=CALL_TIMEOUT,
                        what="%s%r" % (fn.__name__, args))


class Background:
    """@fn(*args) through the mount in a thread, to watch it wait."""

    def __init__(self, fn, *args):
        self.box = {}
        self.thread = threading.Thread(target=self._run, args=(fn, args),
                                       daemon=True)
        self.thread.start()

    def _run(self, fn, args):
        try:
            self.box["result"] = fn(*args)
        except OSError as e:
            self.box["error"] = e

    def waiting(self):
        return self.thread.is_alive()

    def result(self):
        self.thread.join(CALL_TIMEOUT)
        assert not self.thread.is_alive(), "the call hangs"
        if "error" in self.box:
            raise self.box["error"]
        return self.box["result"]


@contextlib.contextmanager
def mounted(name, tree, extra=()):
    """The daemon with @tree attached; yields (webfuse, provider)."""
    with harness.Webfuse(name) as wf:
        wf.start_daemon(list(extra))
        provider = fakeprovider.FakeProvider(wf.port)
        serving = None
        try:
            provider.attach()
            serving = fakeprovider.Serving(provider, tree, SERVE_SECONDS)
            yield wf, provider
            serving.check()
        finally:
            tree.answer_held(provider)
            if serving is not None:
                serving.stop()
            provider.close()


@contextlib.contextmanager
def opened(path, flags):
    fd = fs_call(os.open, path, flags)
    try:
        yield fd
    finally:
        with contextlib.suppress(OSError):
            fs_call(os.close, fd)


def held_writes(tree, n):
    harness.wait_for(lambda: len(tree.waiting) == n, 5,
                     "%d writes held at the provider" % n)


def early_answers():
    """Three writes return while the provider holds all three; an fstat
    waits until they are answered and then sees their size."""
    tree = WriteTree({"/w.txt": b""})
    with mounted("behind-early", tree) as (wf, p):
        with opened(wf.path("w.txt"), os.O_WRONLY) as fd:
            tree.hold = True
            for i in range(3):
                assert fs_call(os.pwrite, fd, CHUNK, i * len(CHUNK)) == \
                    len(CHUNK)
            held_writes(tree, 3)
            getattrs = tree.count("getattr", "/w.txt")
            st = Background(os.fstat, fd)
            time.sleep(STILL)
            assert st.waiting(), "fstat did not wait for the writes"
            assert tree.count("getattr", "/w.txt") == getattrs, \
                "getattr reached the provider before the writes' answers"
            tree.answer_held(p)
            assert st.result().st_size == 3 * len(CHUNK)
            with tree.lock:
                order = [m for m, path in tree.seen if path == "/w.txt"]
            last_write = len(order) - 1 - order[::-1].index("write")
            assert "getattr" in order[last_write:], order
        assert tree.files["/w.txt"] == CHUNK * 3


def window():
    """With --max-write-behind 128K two 64 KiB writes go behind; the
    third waits until one of them is answered."""
    tree = WriteTree({"/w.txt": b""})
    with mounted("behind-window", tree, ["--max-write-behind", "128K"]) \
            as (wf, p):
        with opened(wf.path("w.txt"), os.O_WRONLY) as fd:
            tree.hold = True
            fs_call(os.pwrite, fd, CHUNK, 0)
            fs_call(os.pwrite, fd, CHUNK, len(CHUNK))
            third = Background(os.pwrite, fd, CHUNK, 2 * len(CHUNK))
            held_writes(tree, 2)
            time.sleep(STILL)
            assert third.waiting(), "a write beyond the window returned"
            assert tree.count("write", "/w.txt") == 2
            tree.answer_held(p, 1)
            assert third.result() == len(CHUNK)
            held_writes(tree, 2)
            tree.answer_held(p)
        assert tree.files["/w.txt"] == CHUNK * 3


def none_behind():
    """With --max-write-behind 0 each write waits for its answer."""
    tree = WriteTree({"/w.txt": b""})
    with mounted("behind-none", tree, ["--max-write-behind", "0"]) \
            as (wf, p):
        with opened(wf.path("w.txt"), os.O_WRONLY) as fd:
            tree.hold = True
            bg = Background(os.pwrite, fd, CHUNK, 0)
            held_writes(tree, 1)
            time.sleep(STILL)
            assert bg.waiting(), "a write returned before its answer"
            tree.answer_held(p)
            assert bg.result() == len(CHUNK)


def waits_for_order():
    """A write on bytes a held write covers, a write to another file and
    an append each wait until the held write is answered."""
    tree = WriteTree({"/w.txt": b"", "/other.txt": b"", "/log.txt": b""})
    with mounted("behind-order", tree) as (wf, p):
        with opened(wf.path("w.txt"), os.O_WRONLY) as fd, \
                opened(wf.path("other.txt"), os.O_WRONLY) as other, \
                opened(wf.path("log.txt"), os.O_WRONLY | os.O_APPEND) as log:
            tree.hold = True

            def waits(what, fn, args, path):
                """@fn(*args) waits while a write to /w.txt is held."""
                fs_call(os.pwrite, fd, b"first", 0)
                held_writes(tree, 1)
                before = tree.count("write", path)
                bg = Background(fn, *args)
                time.sleep(STILL)
                assert bg.waiting(), "a write to %s did not wait" % what
                assert tree.count("write", path) == before, what
                tree.answer_held(p)
                harness.wait_for(lambda: tree.count("write", path) > before,
                                 5, "the write to %s sent" % what)
                tree.answer_held(p)
                return bg.result()

            assert waits("the same bytes", os.pwrite, (fd, b"second", 0),
                         "/w.txt") == 6
            assert waits("another file", os.pwrite, (other, b"x", 0),
                         "/other.txt") == 1
            tree.answer_held(p)
            # An append is answered only by the provider.
            bg = Background(os.write, log, b"line\n")
            held_writes(tree, 1)
            time.sleep(STILL)
            assert bg.waiting(), "an append returned before its answer"
            tree.answer_held(p)
            assert bg.result() == 5
        assert tree.files["/w.txt"] == b"firstd", tree.files["/w.txt"]
        assert tree.files["/other.txt"] == b"x"
        assert tree.files["/log.txt"] == b"line\n"


def expect(fn, err, what):
    harness.expect_errno(lambda: fs_call(fn), (err,), what)


def errors_later():
    """A write the provider fails returns, then fails the next write,
    fsync or close of that file, once; so does a short write (EIO)."""
    tree = WriteTree({"/w.txt": b""})
    with mounted("behind-errors", tree) as (wf, p):
        path = wf.path("w.txt")
        tree.fail = "ENOSPC"
        fd = fs_call(os.open, path, os.O_WRONLY)
        assert fs_call(os.pwrite, fd, CHUNK, 0) == len(CHUNK)
        expect(lambda: os.close(fd), errno.ENOSPC, "close after ENOSPC")
        with opened(path, os.O_WRONLY) as fd:
            assert fs_call(os.pwrite, fd, CHUNK, 0) == len(CHUNK)
            expect(lambda: os.fsync(fd), errno.ENOSPC, "fsync after ENOSPC")
            fs_call(os.fsync, fd)  # told once
        with opened(path, os.O_WRONLY) as fd:
            assert fs_call(os.pwrite, fd, CHUNK, 0) == len(CHUNK)
            fs_call(os.fstat, fd)  # waits for the answer
            tree.fail = None
            expect(lambda: os.pwrite(fd, CHUNK, 0), errno.ENOSPC,
                   "the write after ENOSPC")
            assert fs_call(os.pwrite, fd, CHUNK, 0) == len(CHUNK)
        tree.short = True
        fd = fs_call(os.open, path, os.O_WRONLY)
        assert fs_call(os.pwrite, fd, CHUNK, 0) == len(CHUNK)
        expect(lambda: os.close(fd), errno.EIO, "close after a short write")


def connection_lost():
    """The provider goes away while it holds a write: close fails with
    EIO, and the daemon stays up."""
    tree = WriteTree({"/w.txt": b""})
    with harness.Webfuse("behind-lost") as wf:
        wf.start_daemon()
        provider = fakeprovider.FakeProvider(wf.port)
        serving = None
        try:
            provider.attach()
            serving = fakeprovider.Serving(provider, tree, SERVE_SECONDS)
            fd = fs_call(os.open, wf.path("w.txt"), os.O_WRONLY)
            tree.hold = True
            assert fs_call(os.pwrite, fd, CHUNK, 0) == len(CHUNK)
            held_writes(tree, 1)
            serving.stop()
            serving = None
            provider.close()
            expect(lambda: os.close(fd), errno.EIO, "close, provider gone")
            assert wf.daemon.alive(), wf.daemon.output()
        finally:
            if serving is not None:
                serving.stop()
            provider.close()


harness.run([("writes return before the provider answers", early_answers),
             ("--max-write-behind bounds them", window),
             ("--max-write-behind 0 turns them off", none_behind),
             ("overlaps, other files and appends wait", waits_for_order),
             ("a failed write fails the next call", errors_later),
             ("a lost connection fails close", connection_lost)],
            watchdog=150)
