#!/usr/bin/env python3
# Integration: a 64 MiB random file reads back intact (binary or --base64).
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SIZE = 64 << 20

args = argparse.ArgumentParser()
args.add_argument("--base64", action="store_true",
                  help="make the provider send data as base64 text")
opts = args.parse_args()


def big_file():
    with harness.Webfuse("bigfile") as wf:
        big = os.path.join(wf.src, "big.bin")
        want = harness.write_random(big, SIZE)
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        wf.start_daemon()
        wf.start_provider(base64=opts.base64, probe="probe.txt")

        st = harness.call(os.stat, wf.path("big.bin"), timeout=10)
        assert st.st_size == SIZE, "size %d, expected %d" % (st.st_size, SIZE)

        # Whole file in 1 MiB reads, then in odd-sized reads.
        got = harness.call(harness.sha256_of, wf.path("big.bin"), 1 << 20,
                           SIZE, timeout=180, what="reading big.bin")
        assert got == want, "SHA-256 differs: %s != %s" % (got, want)
        got = harness.call(harness.sha256_of, wf.path("big.bin"), 777777,
                           SIZE, timeout=180, what="reading big.bin again")
        assert got == want, "SHA-256 differs on 2nd read"

        # Reads at the edges of the file.
        def edges():
            with open(big, "rb") as f:
                src = {off: (f.seek(off), f.read(n))[1]
                       for off, n in ((0, 1), (SIZE - 1, 1),
                                      (SIZE - 4097, 8192), (12345678, 1))}
            fd = os.open(wf.path("big.bin"), os.O_RDONLY)
            try:
                for off, data in src.items():
                    got = os.pread(fd, max(len(data), 1), off)
                    assert got == data, "pread at %d differs" % off
                assert os.pread(fd, 100, SIZE) == b"", "read at EOF"
                assert os.pread(fd, 100, SIZE + 12345) == b"", \
                    "read past EOF"
            finally:
                os.close(fd)
        harness.call(edges, timeout=30, what="edge reads")


harness.run([("64 MiB sha256 (%s)" % ("base64" if opts.base64 else "binary"),
              big_file)], watchdog=400)
