#!/usr/bin/env python3
# Integration: a provider killed mid-read fails the reader with EIO, quickly.
import errno
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SIZE = 64 << 20
CHUNK = 1 << 20
TIMEOUT = 5  # the daemon's --timeout
# The error must come well within the daemon's timeout plus slack.
EIO_WITHIN = TIMEOUT + 5


class Reader(threading.Thread):
    """Reads a file sequentially in CHUNK reads and checks every byte
    against the lent original; records how the reading ended."""

    def __init__(self, fd, original, pause_at=None, delay=0.0):
        super().__init__(daemon=True)
        self.fd = fd
        self.original = original
        self.pause_at = pause_at
        self.delay = delay
        self.paused = threading.Event()
        self.resume = threading.Event()
        self.pos = 0
        self.error = None   # the OSError that ended the reading
        self.problem = None  # wrong data or silent EOF
        self.ended_at = None

    def run(self):
        try:
            for _ in range(SIZE // CHUNK * 4):
                if self.pause_at is not None and self.pos >= self.pause_at \
                        and not self.paused.is_set():
                    self.paused.set()
                    self.resume.wait(60)
                data = os.pread(self.fd, CHUNK, self.pos)
                want = self.original[self.pos:self.pos + len(data)]
                if data != want:
                    self.problem = "wrong bytes at offset %d" % self.pos
                    return
                if not data:
                    if self.pos < SIZE:
                        self.problem = "silent EOF at offset %d of %d" % (
                            self.pos, SIZE)
                    return
                self.pos += len(data)
                if self.delay:
                    time.sleep(self.delay)
        except OSError as e:
            self.error = e
        finally:
            self.ended_at = time.monotonic()


def check_failed_with_eio(reader, killed_at, what):
    reader.join(EIO_WITHIN + 30)
    assert not reader.is_alive(), "%s: reader hangs after the kill" % what
    assert reader.problem is None, "%s: %s" % (what, reader.problem)
    assert reader.error is not None, \
        "%s: read the whole file although the provider was killed" % what
    assert reader.error.errno == errno.EIO, "%s: failed with %s, not EIO" % (
        what, errno.errorcode.get(reader.error.errno, reader.error.errno))
    took = reader.ended_at - killed_at
    assert took < EIO_WITHIN, "%s: EIO came %.1fs after the kill" % (
        what, took)
    assert reader.pos < SIZE, "%s: read past the whole file" % what
    harness.log("%s: EIO at offset %d, %.2fs after the kill" % (
        what, reader.pos, took))


def disconnect():
    with harness.Webfuse("disconnect", timeout=TIMEOUT) as wf:
        big = os.path.join(wf.src, "big.bin")
        harness.write_random(big, SIZE)
        with open(big, "rb") as f:
            original = f.read()
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        wf.start_daemon()
        provider = wf.start_provider(probe="probe.txt")

        # 1. Reader paused at 16 MiB; the provider dies; reading resumes.
        fd = harness.call(os.open, wf.path("big.bin"), os.O_RDONLY,
                          timeout=10)
        reader = Reader(fd, original, pause_at=16 << 20)
        reader.start()
        assert reader.paused.wait(60), "reader never got to 16 MiB"
        provider.send_signal(signal.SIGKILL)
        assert provider.wait(10) is not None, "provider did not die"
        killed_at = time.monotonic()
        reader.resume.set()
        check_failed_with_eio(reader, killed_at, "paused reader")

        # 2. A new provider: the files are back, and the descriptor opened
        # before the kill reads again (the daemon re-opens by path).
        provider = wf.start_provider(probe="probe.txt")
        names = harness.call(os.listdir, wf.mnt, timeout=10)
        assert sorted(names) == ["big.bin", "probe.txt"], names

        def reread():
            for off in (0, 40 << 20, reader.pos, SIZE - CHUNK, SIZE - 1):
                data = os.pread(fd, CHUNK, off)
                assert data == original[off:off + CHUNK], \
                    "old descriptor: wrong data at %d after reattach" % off
        harness.call(reread, timeout=60, what="reading the old descriptor")
        got = harness.call(harness.sha256_of, wf.path("big.bin"), CHUNK,
                           SIZE, timeout=120, what="reading big.bin anew")
        assert got == harness.hashlib.sha256(original).hexdigest(), \
            "wrong data after reattach"

        # 3. Killed while reads are streaming (no pause): same outcome.
        harness.call(os.posix_fadvise, fd, 0, 0, os.POSIX_FADV_DONTNEED,
                     timeout=10)
        reader = Reader(fd, original, delay=0.02)
        reader.start()
        harness.wait_for(lambda: reader.pos >= (8 << 20) or
                         not reader.is_alive(), 60, "reader at 8 MiB")
        provider.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        assert provider.wait(10) is not None, "provider did not die"
        check_failed_with_eio(reader, killed_at, "streaming reader")

        # 4. Without a provider, a read of the old descriptor fails too
        # (no data, no EOF, no hang), and the root is empty.
        harness.call(os.posix_fadvise, fd, 0, 0, os.POSIX_FADV_DONTNEED,
                     timeout=10)
        err = harness.expect_errno(
            lambda: harness.call(os.pread, fd, CHUNK, 50 << 20,
                                 timeout=EIO_WITHIN + 5),
            (errno.EIO,), "read of an open file with no provider")
        harness.log("read with no provider: %s" % errno.errorcode[err.errno])
        wf.wait_detached()

        # 5. Once more a provider, and the same descriptor works again.
        wf.start_provider(probe="probe.txt")
        data = harness.call(os.pread, fd, CHUNK, 30 << 20, timeout=30)
        assert data == original[30 << 20:(30 << 20) + CHUNK], \
            "old descriptor: wrong data after the second reattach"
        os.close(fd)


def writer_survives_reconnect():
    """A file open for writing goes on after the provider came back, from
    where it was and without being truncated again; a file unlinked while
    open cannot be found again and fails with ESTALE, not some other
    file's data."""
    with harness.Webfuse("reconnect-write") as wf:
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        wf.start_daemon()
        provider = wf.start_provider(probe="probe.txt")

        def before():
            fd = os.open(wf.path("log"), os.O_CREAT | os.O_TRUNC |
                         os.O_WRONLY, 0o644)
            os.write(fd, b"first ")
            gone = os.open(wf.path("gone"), os.O_CREAT | os.O_RDWR, 0o644)
            os.write(gone, b"old")
            os.unlink(wf.path("gone"))
            return fd, gone
        fd, gone = harness.call(before, timeout=30, what="writes before")
        provider.send_signal(signal.SIGKILL)
        assert provider.wait(10) is not None, "provider did not die"
        wf.wait_detached()
        harness.expect_errno(
            lambda: harness.call(os.write, fd, b"lost", timeout=15),
            (errno.EIO,), "write with no provider")
        with open(os.path.join(wf.src, "gone"), "w") as f:
            f.write("another file of the same name\n")
        wf.start_provider(probe="probe.txt")

        def after():
            assert os.write(fd, b"second") == 6
            os.close(fd)
            with open(os.path.join(wf.src, "log"), "rb") as f:
                assert f.read() == b"first second", "writer lost its data"
            harness.expect_errno(lambda: os.pwrite(gone, b"x", 0),
                                 (errno.ESTALE,),
                                 "write to an unlinked file after reconnect")
            os.close(gone)
            with open(os.path.join(wf.src, "gone")) as f:
                assert f.read() == "another file of the same name\n"
        harness.call(after, timeout=30, what="writes after")


harness.run([("provider killed mid-read", disconnect),
             ("writer survives a reconnect", writer_survives_reconnect)],
            watchdog=400)
