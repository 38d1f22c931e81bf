#!/usr/bin/env python3
# Integration: webfused's limit options are announced and enforced: read
# size, listing length, calls in flight, connections and message size.
import errno
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeprovider  # noqa: E402
import harness  # noqa: E402
import rfc6455  # noqa: E402

LIMITS = ["--max-message", "2M", "--max-read", "64K", "--max-write", "128K",
          "--max-pending", "3", "--max-entries", "40",
          "--max-connections", "2"]
ANNOUNCED = {"max_message": 2 << 20, "max_read": 64 << 10,
             "max_write": 128 << 10, "max_pending": 3, "max_entries": 40}
READERS = 8
BIG = bytes(range(256)) * 4096  # 1 MiB


def tree():
    files = {"/big.bin": BIG}
    for i in range(READERS):
        files["/slow%d" % i] = bytes([i]) * 100000
    for i in range(40):
        files["/ok/f%02d" % i] = b"x"
    for i in range(41):
        files["/many/f%02d" % i] = b"x"
    return fakeprovider.Tree(files, {"/ok", "/many"})


class HoldingServer:
    """Serves @tree, but holds every read of a /slow file until no new
    request came for 0.5 s; records the most reads held at once. One
    thread receives and sends, so frames never interleave."""

    def __init__(self, provider, tree):
        self.provider = provider
        self.tree = tree
        self.held = []
        self.most_held = 0
        self.stop = threading.Event()
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        quiet_since = time.monotonic()
        deadline = quiet_since + 120
        try:
            while not self.stop.is_set() and time.monotonic() < deadline:
                req = self.provider.recv_request(0.05)
                now = time.monotonic()
                if req is not None:
                    quiet_since = now
                    if req.method == "read" and \
                            req.params["path"].startswith("/slow"):
                        self.held.append(req)
                        self.most_held = max(self.most_held, len(self.held))
                    else:
                        self.tree(self.provider, req)
                elif self.held and now - quiet_since > 0.5:
                    for held in self.held:
                        self.tree(self.provider, held)
                    self.held = []
        except rfc6455.Closed:
            pass
        except BaseException as e:
            self.error = e

    def close(self):
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "fake provider loop hangs"
        if self.error:
            raise AssertionError("fake provider failed: %r" % self.error)


def enforced():
    with harness.Webfuse("limits") as wf:
        wf.start_daemon(extra=LIMITS)
        provider = fakeprovider.FakeProvider(wf.port)
        server = None
        try:
            result = provider.hello()
            for key, value in ANNOUNCED.items():
                assert result["limits"][key] == value, (key, result)
            assert "result" in provider.add_filesystem()
            t = tree()
            server = HoldingServer(provider, t)

            # Reads reach the provider in pieces of at most --max-read.
            def read_big():
                with open(wf.path("big.bin"), "rb") as f:
                    return f.read()
            assert harness.call(read_big, timeout=60) == BIG
            sizes = [size for path, _, size in t.reads if path == "/big.bin"]
            assert sizes and max(sizes) <= 64 << 10, sizes

            # A listing of --max-entries is fine, one more is EIO.
            assert len(harness.call(os.listdir, wf.path("ok"),
                                    timeout=20)) == 40
            harness.expect_errno(
                lambda: harness.call(os.listdir, wf.path("many"),
                                     timeout=20),
                (errno.EIO,), "listing of 41 entries")

            # Eight readers at once: at most --max-pending calls reach the
            # provider, the others wait their turn and all finish.
            results = {}

            def reader(i):
                with open(wf.path("slow%d" % i), "rb") as f:
                    results[i] = f.read()
            threads = [threading.Thread(target=reader, args=(i,))
                       for i in range(READERS)]
            for th in threads:
                th.start()
            for th in threads:
                th.join(60)
            assert not any(th.is_alive() for th in threads), "reader hangs"
            for i in range(READERS):
                assert results.get(i) == bytes([i]) * 100000, i
            harness.log("most reads held by the provider at once: %d" %
                        server.most_held)
            assert 1 <= server.most_held <= 3, server.most_held

            # A third connection is refused while two are open.
            second = rfc6455.connect(wf.port, "/", fakeprovider.SUBPROTOCOL)
            try:
                third = rfc6455.connect(wf.port, "/",
                                        fakeprovider.SUBPROTOCOL, 5)
                try:
                    # The daemon hangs up at once: recv sees the close.
                    third.recv_message(5)
                    raise AssertionError("the third connection was served")
                except (rfc6455.Closed, OSError):
                    pass
                finally:
                    third.close()
            except (rfc6455.Closed, OSError):
                pass  # refused during the handshake: as good
            finally:
                second.close()
            harness.wait_for(
                lambda: "refusing a connection: max_connections (2)" in
                wf.daemon.output(), 5, "the refusal in the log")
            assert wf.daemon.alive()
        finally:
            if server:
                server.close()
            provider.close()


def oversized_message():
    """A message above --max-message closes that connection, is logged,
    and the next provider is served."""
    with harness.Webfuse("limits-message") as wf:
        wf.start_daemon(extra=LIMITS)
        provider = fakeprovider.FakeProvider(wf.port)
        try:
            provider.attach()
            provider.send_json({"jsonrpc": "2.0", "method": "x",
                                "params": {"pad": "p" * (2 << 20)}})
            harness.wait_for(lambda: "message exceeds max_message" in
                             wf.daemon.output(), 5, "the log line")
        finally:
            provider.close()
        assert wf.daemon.alive()
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        wf.start_provider(probe="probe.txt")


def idle_connection_closed():
    """A connection that does not attach within 10 s is closed, so that
    idle peers cannot hold the connection slots."""
    with harness.Webfuse("limits-idle") as wf:
        wf.start_daemon()
        idle = rfc6455.connect(wf.port, "/", fakeprovider.SUBPROTOCOL)
        start = time.monotonic()
        try:
            while time.monotonic() - start < 20:
                if idle.recv_message(1) is not None:
                    raise AssertionError("the daemon sent something")
        except (rfc6455.Closed, OSError):
            pass
        finally:
            idle.close()
        took = time.monotonic() - start
        assert 9 < took < 15, "closed after %.1fs" % took
        assert "not attached within 10 s, closing" in wf.daemon.output()


def idle_sockets_bounded():
    """Raw TCP connections that never speak cannot make webfused hold
    descriptors without bound: past max_connections + 32 spare ones it
    stops accepting (without spinning) until they go, then serves the
    next provider."""
    sockets = 150
    with harness.Webfuse("limits-sockets") as wf:
        wf.start_daemon(extra=["--max-connections", "2"])
        pid = wf.daemon.pid
        before = harness.open_descriptors(pid)
        held = []
        try:
            for _ in range(sockets):
                held.append(socket.create_connection(("127.0.0.1", wf.port),
                                                     5))
            # Accepting stops at the bound: the count settles below it.
            bound = before + 2 + 32
            harness.wait_for(
                lambda: harness.open_descriptors(pid) >= bound - 8, 10,
                "webfused to accept up to its bound")
            cpu = harness.cpu_seconds(pid)
            time.sleep(1)
            held_fds = harness.open_descriptors(pid)
            harness.log("descriptors: %d before, %d with %d sockets open" %
                        (before, held_fds, sockets))
            assert held_fds <= bound, held_fds
            assert harness.cpu_seconds(pid) - cpu < 0.2, \
                "webfused spins while full"
            assert wf.daemon.alive()
        finally:
            for s in held:
                s.close()
        harness.wait_for(
            lambda: harness.open_descriptors(pid) <= before + 1, 10,
            "webfused to close the sockets")
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        wf.start_provider(probe="probe.txt")
        with open(wf.path("probe.txt")) as f:
            assert f.read() == "probe\n"


if __name__ == "__main__":
    harness.run([
        ("limits are announced and enforced", enforced),
        ("an oversized message closes the connection", oversized_message),
        ("an idle connection is closed", idle_connection_closed),
        ("idle sockets hold a bounded number of descriptors",
         idle_sockets_bounded),
    ], watchdog=200)
