#!/usr/bin/env python3
# Integration: a real headless Chromium lends a firmware image through the
# example page that webfused serves (--docroot example/browser); the device
# side reads it from the mount, checks it and installs from it; closing the
# tab makes reads fail at once and leaves the mount usable.
import errno
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

TOP = harness.TOP
PAGE = os.path.join(TOP, "example", "browser")
DRIVER = os.path.join(TOP, "test-src", "browser", "drive.mjs")
FIRMWARE = os.path.join(TOP, "example", "firmware")
CHROMIUM = "/usr/bin/chromium"
IMAGE_MIB = 72
# A sparse file beyond 4 GiB: offsets past 2^32 must reach the right bytes,
# and the tab must never hold a whole file in memory.
BIG_SIZE = (4 << 30) + (512 << 20)
MARKS = {0: b"first", (4 << 30) + 12345: b"past-4-GiB", BIG_SIZE - 4: b"last"}


def make_sparse(path):
    with open(path, "wb") as f:
        f.truncate(BIG_SIZE)
        for offset, mark in MARKS.items():
            f.seek(offset)
            f.write(mark)


class Browser:
    """drive.mjs: one command a line in, one JSON answer a line out."""

    def __init__(self, log_path):
        self._log = open(log_path, "ab")
        self.popen = subprocess.Popen(
            ["node", DRIVER], cwd=os.path.dirname(DRIVER),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            preexec_fn=harness._die_with_parent)
        self.log_path = log_path
        self._answers = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._expect("ready", 60)

    def _read(self):
        for line in self.popen.stdout:
            self._answers.put(line)
        self._answers.put(None)

    def _expect(self, what, timeout):
        try:
            line = self._answers.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("browser: no answer to %s within %ss\n%s" %
                                 (what, timeout, self.output()))
        if line is None:
            raise AssertionError("browser: driver exited during %s\n%s" %
                                 (what, self.output()))
        msg = json.loads(line)
        if not msg["ok"]:
            raise AssertionError("browser: %s: %s\n%s" % (
                what, msg["error"], self.output()))
        return msg["value"]

    def do(self, *words, timeout=60):
        command = " ".join(str(w) for w in words)
        harness.log("browser: %s" % command)
        self.popen.stdin.write(command.encode() + b"\n")
        self.popen.stdin.flush()
        return self._expect(command, timeout)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-4000:]

    def stop(self):
        if self.popen.poll() is None:
            try:
                self.popen.stdin.write(b"quit\n")
                self.popen.stdin.close()
            except OSError:
                pass
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self._log.close()
        return self.popen.returncode


def lends_an_image():
    with harness.Webfuse("browser") as wf:
        laptop = os.path.join(wf.tmp, "laptop")
        subprocess.run([os.path.join(FIRMWARE, "make-image.sh"), laptop,
                        str(IMAGE_MIB), "9.9.9"], check=True, timeout=120,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        image = os.path.join(laptop, "firmware.img")
        checksum = image + ".sha256"
        size = os.path.getsize(image)
        assert size >= 64 << 20, size
        want = harness.sha256_of(image, uncached=False)
        big = os.path.join(laptop, "big.bin")
        make_sparse(big)

        wf.start_daemon(extra=["--docroot", PAGE])
        browser = Browser(wf.log_path("browser"))
        try:
            # The page as a person gets it from the device.
            status = browser.do("open", "http://127.0.0.1:%d/" % wf.port)
            assert status == 200, "page status %s" % status
            assert browser.do("count", "input[type=file]") == 1
            browser.do("files", image, checksum, big)
            browser.do("click", "Connect")
            browser.do("wait", '#state[data-state="connected"]', 30000)

            # The device sees the files as lent, byte for byte.
            names = sorted(harness.call(os.listdir, wf.mnt, timeout=10))
            assert names == ["big.bin", "firmware.img",
                             "firmware.img.sha256"], names
            st = harness.call(os.stat, wf.path("firmware.img"), timeout=10)
            assert st.st_size == size, (st.st_size, size)
            st = harness.call(os.stat, wf.path("big.bin"), timeout=10)
            assert st.st_size == BIG_SIZE, st.st_size
            with open(wf.path("big.bin"), "rb", buffering=0) as f:
                for offset, mark in MARKS.items():
                    data = harness.call(os.pread, f.fileno(), 4096, offset,
                                        timeout=30)
                    assert data[:len(mark)] == mark, (offset, data[:16])
                    assert len(data) == min(4096, BIG_SIZE - offset)
            start = time.monotonic()
            got = harness.call(harness.sha256_of, wf.path("firmware.img"),
                               limit=size, timeout=120)
            harness.log("read %d MiB from the browser at %.0f MB/s" % (
                size >> 20, size / 1e6 / (time.monotonic() - start)))
            assert got == want, "sha256 through the mount differs"

            # The firmware demo installs from the image in place.
            p = subprocess.run(
                [os.path.join(FIRMWARE, "update.sh"), "--timeout", "20",
                 wf.mnt], env=dict(os.environ, TMPDIR=wf.tmp),
                stdin=subprocess.DEVNULL, capture_output=True, timeout=180,
                preexec_fn=harness._die_with_parent)
            out = p.stdout.decode() + p.stderr.decode()
            harness.log("update.sh exited %d:\n%s" % (p.returncode, out))
            assert p.returncode == 0, "update.sh failed"
            assert "firmware 9.9.9: payload verified" in out, out

            # The page counts what the device read: at least the image,
            # read once for our checksum and once for update.sh's.
            shown = browser.do("text", "#bytes-read")
            harness.log("page shows: %s" % shown)
            assert "MiB" in shown or "GiB" in shown, shown
            number = float(shown.split()[0].replace(",", ""))
            unit = shown.split()[1]
            shown_bytes = number * (1 << 30 if unit == "GiB" else 1 << 20)
            assert shown_bytes >= 2 * size * 0.99, shown

            # Closing the tab: reads on an open file fail at once (EIO,
            # not a hang until the timeout), and the mount stays.
            fd = harness.call(os.open, wf.path("firmware.img"), os.O_RDONLY,
                              timeout=10)
            try:
                browser.do("close")
                wf.wait_detached(timeout=10)
                start = time.monotonic()
                harness.expect_errno(
                    lambda: harness.call(os.pread, fd, 4096, 1 << 20,
                                         timeout=10),
                    (errno.EIO,), "read after the tab closed")
                took = time.monotonic() - start
                assert took < 1.0, "a read took %.2fs to fail" % took
            finally:
                os.close(fd)
            assert harness.mounted(wf.mnt), "the mount is gone"
            assert harness.call(os.listdir, wf.mnt, timeout=10) == []
            assert wf.daemon.alive(), "webfused died"
        finally:
            rc = browser.stop()
        assert rc == 0, "driver exited %s\n%s" % (rc, browser.output())
        assert "page error" not in browser.output(), browser.output()


def shows_errors_in_words():
    """A URL where no device listens: the page says so, it does not hang."""
    with harness.Webfuse("browser-error") as wf:
        wf.start_daemon(extra=["--docroot", PAGE])
        dead = harness.free_port()
        browser = Browser(wf.log_path("browser"))
        try:
            browser.do("open", "http://127.0.0.1:%d/?url=ws://127.0.0.1:%d/"
                       % (wf.port, dead))
            note = os.path.join(wf.tmp, "note.txt")
            with open(note, "w") as f:
                f.write("note\n")
            browser.do("files", note)
            browser.do("click", "Connect")
            browser.do("wait", '#state[data-state="closed"]', 20000)
            text = browser.do("text", "#error")
            harness.log("page error text: %r" % text)
            assert str(dead) in text, text
            assert harness.call(os.listdir, wf.mnt, timeout=10) == []
        finally:
            rc = browser.stop()
        assert rc == 0, "driver exited %s" % rc


def authenticates_with_a_token():
    """A device that requires a token: the page sends the one typed into
    its token field in the protocol (browsers cannot set headers)."""
    with harness.Webfuse("browser-token") as wf:
        tokens = os.path.join(wf.tmp, "tokens")
        tool = os.path.join(os.path.dirname(harness.binary("WEBFUSED")),
                            "..", "webfuse-token", "webfuse-token")
        token = subprocess.run([tool, "add", tokens, "browser"],
                               capture_output=True, check=True, timeout=20,
                               stdin=subprocess.DEVNULL).stdout.decode()
        wf.start_daemon(extra=["--docroot", PAGE, "--token-file", tokens])
        note = os.path.join(wf.tmp, "note.txt")
        with open(note, "w") as f:
            f.write("note\n")
        browser = Browser(wf.log_path("browser"))
        try:
            url = "http://127.0.0.1:%d/" % wf.port
            browser.do("open", url)
            browser.do("files", note)
            browser.do("fill", "#token", "wrong-token")
            browser.do("click", "Connect")
            browser.do("wait", '#state[data-state="closed"]', 20000)
            text = browser.do("text", "#error")
            assert "did not accept the token" in text, text

            browser.do("fill", "#token", token.strip())
            browser.do("click", "Connect")
            browser.do("wait", '#state[data-state="connected"]', 20000)
            with open(wf.path("note.txt")) as f:
                assert f.read() == "note\n"
            assert 'authenticated by token "browser"' in \
                wf.daemon.output()
        finally:
            rc = browser.stop()
        assert rc == 0, "driver exited %s" % rc


if __name__ == "__main__":
    missing = [what for what, ok in (
        ("chromium", os.access(CHROMIUM, os.X_OK)),
        ("node", shutil.which("node")),
        ("playwright-core", os.path.isdir(os.path.join(
            os.path.dirname(DRIVER), "node_modules", "playwright-core"))),
        ("mksquashfs", shutil.which("mksquashfs")),
        ("squashfuse", shutil.which("squashfuse"))) if not ok]
    if missing:
        sys.exit("test_browser: missing %s (run script/setup.sh)" %
                 ", ".join(missing))
    harness.run([
        ("a browser lends a firmware image", lends_an_image),
        ("the page shows errors in words", shows_errors_in_words),
        ("the page authenticates with a token", authenticates_with_a_token),
    ], watchdog=400)
