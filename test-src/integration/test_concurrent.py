#!/usr/bin/env python3
# Integration: concurrent readers (threads and processes) get correct data.
import os
import random
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FILES = {"a.bin": 8 << 20, "b.bin": 8 << 20, "c.bin": (5 << 20) + 3,
         "d.bin": 1234567}
THREADS = 12
OPS = 150
PROCS = 3

# A reader process: hashes a file in odd-sized reads, from the daemon.
CHILD = r"""
import hashlib, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
h = hashlib.sha256()
total = 0
for _ in range(1 << 20):
    data = os.read(fd, int(sys.argv[2]))
    if not data:
        break
    h.update(data)
    total += len(data)
print(total, h.hexdigest())
"""


def concurrent():
    with harness.Webfuse("concurrent") as wf:
        content = {}
        for i, (name, size) in enumerate(FILES.items()):
            content[name] = random.Random(i).randbytes(size)
            with open(os.path.join(wf.src, name), "wb") as f:
                f.write(content[name])
        wf.start_daemon()
        wf.start_provider(probe="a.bin")

        errors = []
        done = []
        lock = threading.Lock()
        # One descriptor shared by several threads, others private.
        shared_fd = harness.call(os.open, wf.path("a.bin"), os.O_RDONLY,
                                 timeout=10)

        def reader(idx):
            rng = random.Random(1000 + idx)
            # Threads 0-3: the shared fd of a.bin; others: own fd, and
            # several threads on the same file at different offsets.
            name = "a.bin" if idx < 4 else list(FILES)[idx % len(FILES)]
            data = content[name]
            fd = shared_fd if idx < 4 else os.open(wf.path(name),
                                                   os.O_RDONLY)
            try:
                for op in range(OPS):
                    size = rng.choice([1, 4096, 65536, 131072, 1 << 20,
                                       rng.randrange(1, 300000)])
                    off = rng.randrange(0, len(data) + 10)
                    got = os.pread(fd, size, off)
                    want = data[off:off + size]
                    if got != want:
                        raise AssertionError(
                            "thread %d op %d: %s pread(%d, %d) gave %d "
                            "bytes, wrong data" % (idx, op, name, size, off,
                                                   len(got)))
                    if rng.random() < 0.1:  # back to the daemon
                        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            except Exception as e:
                with lock:
                    errors.append(e)
            finally:
                if fd != shared_fd:
                    os.close(fd)
                with lock:
                    done.append(idx)

        # Processes start from the main thread, before the threads run.
        procs = []
        for i in range(PROCS):
            name = list(FILES)[i % len(FILES)]
            procs.append((name, subprocess.Popen(
                [sys.executable, "-c", CHILD, wf.path(name),
                 str([65536, 1 << 20, 99999][i])],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, preexec_fn=harness._die_with_parent)))
        threads = [threading.Thread(target=reader, args=(i,), daemon=True)
                   for i in range(THREADS)]
        for t in threads:
            t.start()
        end = time.monotonic() + 150
        for t in threads:
            t.join(max(0, end - time.monotonic()))
        try:
            for name, p in procs:
                out, err = p.communicate(timeout=max(1, end -
                                                     time.monotonic()))
                assert p.returncode == 0, "reader process of %s failed: %s" \
                    % (name, err.decode())
                total, digest = out.decode().split()
                want = __import__("hashlib").sha256(content[name]).hexdigest()
                assert int(total) == len(content[name]), \
                    "reader process of %s: %s bytes" % (name, total)
                assert digest == want, "reader process of %s: wrong data" \
                    % name
        finally:
            for _, p in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait(10)
        assert len(done) == THREADS, "%d reader threads hung" % (
            THREADS - len(done))
        os.close(shared_fd)
        if errors:
            raise errors[0]


harness.run([("concurrent readers", concurrent)], watchdog=300)
