#!/usr/bin/env python3
# Integration: the example provider, built on the public API only, serves.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

CONTENT = b"Hello from a webfuse provider!\n"


def hello_provider():
    with harness.Webfuse("example") as wf:
        wf.start_daemon()
        argv = [harness.binary("WEBFUSE_EXAMPLE"),
                "ws://127.0.0.1:%d/" % wf.port]
        p = harness.Proc("webfuse-provider", argv,
                         wf.log_path("example-provider"))
        wf.providers.append(p)
        wf.wait_attached("hello.txt", p)
        names = harness.call(os.listdir, wf.mnt, timeout=10)
        assert names == ["hello.txt"], names
        st = harness.call(os.stat, wf.path("hello.txt"), timeout=10)
        assert st.st_size == len(CONTENT), st

        def read_all():
            with open(wf.path("hello.txt"), "rb") as f:
                return f.read()

        data = harness.call(read_all, timeout=10)
        assert data == CONTENT, data
        rc, killed = p.stop()
        assert rc == 0 and not killed, "example exited %s" % rc


harness.run([("example hello-provider", hello_provider)], watchdog=100)
