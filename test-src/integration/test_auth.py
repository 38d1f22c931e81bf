#!/usr/bin/env python3
# Integration: who may attach. Tokens from a file of salted hashes (in the
# Authorization header or in the protocol), an external authenticator,
# rate-limited failures, and the device's proof to a provider that asks.
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeprovider  # noqa: E402
import harness  # noqa: E402
import rfc6455  # noqa: E402

TOKEN_TOOL = os.path.join(os.path.dirname(os.environ["WEBFUSED"]), "..",
                          "webfuse-token", "webfuse-token")
REFUSAL = "authentication failed"


def token_tool(*args):
    p = subprocess.run([TOKEN_TOOL] + list(args), capture_output=True,
                       timeout=20, stdin=subprocess.DEVNULL)
    assert p.returncode == 0, (args, p.stderr)
    return p.stdout.decode().strip()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def setup(wf):
    """A token file with one token; returns (token file, a file holding
    the token, a file holding a wrong token)."""
    with open(os.path.join(wf.src, "probe.txt"), "w") as f:
        f.write("probe\n")
    tokens = os.path.join(wf.tmp, "tokens")
    token = token_tool("add", tokens, "laptop")
    assert len(token) == 43 and token not in open(tokens).read()
    good = write(os.path.join(wf.tmp, "good.token"), token + "\n")
    bad = write(os.path.join(wf.tmp, "bad.token"), "x" * 43 + "\n")
    return tokens, good, bad


def tokens_in_header():
    with harness.Webfuse("auth-header") as wf:
        tokens, good, bad = setup(wf)
        wf.start_daemon(extra=["--token-file", tokens])

        rc, err = wf.provider_exit([])
        assert rc == 1 and "requires a token (--token-file)" in err, err
        rc, err = wf.provider_exit(["--token-file", bad])
        assert rc == 1 and "refused this provider's token" in err, err
        log = wf.daemon.output()
        assert REFUSAL in log and "bad" not in log.split(REFUSAL)[1][:40]
        assert harness.call(os.listdir, wf.mnt, timeout=10) == []

        wf.start_provider(probe="probe.txt", extra=["--token-file", good])
        assert 'authenticated by token "laptop"' in wf.daemon.output()
        with open(wf.path("probe.txt")) as f:
            assert f.read() == "probe\n"
        # The file holds hashes only: the token is nowhere in it.
        assert open(good).read().strip() not in open(tokens).read()


def tokens_in_protocol():
    """As a browser does it: hello, authenticate, add_filesystem; nothing
    is asked of a provider before it has proven itself."""
    with harness.Webfuse("auth-protocol") as wf:
        tokens, good, _ = setup(wf)
        token = open(good).read().strip()
        wf.start_daemon(extra=["--token-file", tokens])

        p = fakeprovider.FakeProvider(wf.port)
        try:
            assert p.hello()["authenticate"] is True
            msg = p.add_filesystem()
            assert msg["error"]["data"]["errno"] == "EACCES", msg
            # The mount stays empty; the provider hears no request.
            assert harness.call(os.listdir, wf.mnt, timeout=10) == []
            assert p.recv(1.0) is None, "a request before authentication"
            msg = p.call("authenticate", {"type": "token", "token": token})
            assert msg.get("result") == {}, msg
            assert "result" in p.add_filesystem()
        finally:
            p.close()

        # A wrong token: EACCES, then the connection is closed.
        p = fakeprovider.FakeProvider(wf.port)
        try:
            p.hello()
            msg = p.call("authenticate", {"type": "token", "token": "no"})
            assert msg["error"]["data"]["errno"] == "EACCES", msg
            try:
                p.recv(5)
                raise AssertionError("the connection stayed open")
            except rfc6455.Closed:
                pass
        finally:
            p.close()


def failures_are_rate_limited():
    with harness.Webfuse("auth-limit") as wf:
        tokens, good, bad = setup(wf)
        wf.start_daemon(extra=["--token-file", tokens])
        for _ in range(5):
            assert wf.provider_exit(["--token-file", bad])[0] == 1
        # Five failures: even the right token waits for the window.
        for _ in range(3):
            rc, err = wf.provider_exit(["--token-file", good])
            assert rc == 1 and "refused this provider's token" in err, err
        log = wf.daemon.output()
        assert log.count(REFUSAL) == 5, log
        assert log.count("refusing its attempts for up to 60 s") == 1, log
        assert wf.daemon.alive()


AUTHENTICATOR = """#!/bin/sh
# Accepts the token open-sesame-0123456789; notes what it was given.
input=$(cat)
printf '%%s %%s\\n' "$WEBFUSE_PEER" "$input" >> %(notes)s
case $input in
*'"token":"open-sesame-0123456789"'*) exit 0 ;;
*'"token":"slow-slow-slow-slow"'*) sleep 30; exit 0 ;;
esac
exit 1
"""


def external_authenticator():
    with harness.Webfuse("auth-program") as wf:
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        notes = os.path.join(wf.tmp, "notes")
        program = write(os.path.join(wf.tmp, "check.sh"),
                        AUTHENTICATOR % {"notes": notes})
        os.chmod(program, 0o700)
        wf.start_daemon(extra=["--authenticator", program])
        right = write(os.path.join(wf.tmp, "right"),
                      "open-sesame-0123456789\n")
        wrong = write(os.path.join(wf.tmp, "wrong"),
                      "closed-sesame-012345\n")
        slow = write(os.path.join(wf.tmp, "slow"), "slow-slow-slow-slow\n")

        rc, err = wf.provider_exit(["--token-file", wrong])
        assert rc == 1 and "refused this provider's token" in err, err
        start = time.monotonic()
        rc, err = wf.provider_exit(["--token-file", slow], timeout=40)
        took = time.monotonic() - start
        assert rc == 1 and 4 < took < 10, (rc, took)
        assert "the authenticator took more than 5 s" in \
            wf.daemon.output()
        wf.start_provider(probe="probe.txt", extra=["--token-file", right])
        assert "accepted by the authenticator" in wf.daemon.output()
        with open(notes) as f:
            lines = f.read().splitlines()
        assert len(lines) == 3, lines
        for line in lines:
            peer, text = line.split(" ", 1)
            assert "127.0.0.1" in peer and '"peer":' in text, line
            assert '"type":"token"' in text, line


def header_catcher(seen, ready):
    """A TCP server that records one HTTP upgrade request and hangs up."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(20)
    ready.append(srv.getsockname()[1])

    def run():
        try:
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(10)
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                seen.append(data.decode("latin-1"))
        finally:
            srv.close()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def device_proves_itself():
    with harness.Webfuse("auth-device") as wf:
        tokens, good, _ = setup(wf)
        secret = os.path.join(wf.tmp, "device.secret")
        token_tool("secret", secret)
        other = os.path.join(wf.tmp, "other.secret")
        token_tool("secret", other)
        wf.start_daemon(extra=["--token-file", tokens, "--device-secret",
                               secret])

        rc, err = wf.provider_exit(["--token-file", good, "--device-secret",
                                    other])
        assert rc == 1 and "did not prove it holds the device secret" in \
            err, err
        assert REFUSAL not in wf.daemon.output(), "the token went out"
        wf.start_provider(probe="probe.txt", extra=[
            "--token-file", good, "--device-secret", secret])

        # Toward a device that has not proven itself yet, the token does
        # not go out in the upgrade's header.
        seen, ready = [], []
        t = header_catcher(seen, ready)
        p = subprocess.run(
            [harness.binary("WEBFUSE_PROVIDER"), "-u",
             "ws://127.0.0.1:%d/" % ready[0], "-p", wf.src,
             "--no-reconnect", "--token-file", good, "--device-secret",
             secret], stdin=subprocess.DEVNULL, capture_output=True,
            timeout=20, preexec_fn=harness._die_with_parent)
        t.join(20)
        assert seen and "webfuse.v1" in seen[0], seen
        assert "authorization" not in seen[0].lower(), seen[0]
        assert open(good).read().strip() not in seen[0]
        assert p.returncode == 1

    with harness.Webfuse("auth-nodevice") as wf:
        tokens, good, _ = setup(wf)
        secret = os.path.join(wf.tmp, "device.secret")
        token_tool("secret", secret)
        wf.start_daemon(extra=["--token-file", tokens])
        rc, err = wf.provider_exit(["--token-file", good, "--device-secret",
                                    secret])
        assert rc == 1 and "did not prove" in err, err


def token_tool_cli():
    with harness.Webfuse("auth-tool") as wf:
        tokens = os.path.join(wf.tmp, "tokens")
        token_tool("add", tokens, "a")
        token_tool("add", tokens, "b.c-d_e")
        assert os.stat(tokens).st_mode & 0o777 == 0o600
        assert token_tool("list", tokens).split() == ["a", "b.c-d_e"]
        for args, rc in ((["add", tokens, "a"], 1),
                         (["add", tokens, "bad name"], 2),
                         (["remove", tokens, "zzz"], 1),
                         (["list", os.path.join(wf.tmp, "none")], 1),
                         (["bogus"], 2)):
            p = subprocess.run([TOKEN_TOOL] + args, capture_output=True,
                               timeout=20, stdin=subprocess.DEVNULL)
            assert p.returncode == rc and p.stderr, (args, p.returncode)
        token_tool("remove", tokens, "a")
        assert token_tool("list", tokens).split() == ["b.c-d_e"]
        # A damaged file is refused by the daemon at start, line named.
        with open(tokens, "a") as f:
            f.write("broken line\n")
        p = subprocess.run(
            [harness.binary("WEBFUSED"), "-m", wf.mnt, "--port",
             str(harness.free_port()), "--bind", "127.0.0.1",
             "--token-file", tokens], capture_output=True, timeout=20,
            stdin=subprocess.DEVNULL, preexec_fn=harness._die_with_parent)
        assert p.returncode == 1 and b"line 2" in p.stderr, p.stderr
        assert not harness.mounted(wf.mnt)


if __name__ == "__main__":
    harness.run([
        ("tokens in the Authorization header", tokens_in_header),
        ("tokens in the protocol", tokens_in_protocol),
        ("failures are rate-limited", failures_are_rate_limited),
        ("an external authenticator", external_authenticator),
        ("the device proves itself", device_proves_itself),
        ("webfuse-token", token_tool_cli),
    ], watchdog=200)
