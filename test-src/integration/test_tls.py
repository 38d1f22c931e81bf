#!/usr/bin/env python3
# Integration: wss:// between webfuse-provider and webfused --cert/--key:
# the provider verifies the device's certificate (against --ca FILE or the
# system's store) and refuses one it cannot trust, in words; the docroot is
# served over https. The whole read/write path over TLS is integration_ops_tls
# and integration_bigfile_tls (test_ops.py, test_bigfile.py with WF_IT_TLS).
import http.client
import os
import ssl
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def verifies():
    with harness.Webfuse("tls") as wf:
        wf.tls = True
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        page = os.path.join(wf.tmp, "www")
        os.mkdir(page)
        with open(os.path.join(page, "index.html"), "w") as f:
            f.write("<p>over https</p>")
        wf.start_daemon(extra=["--docroot", page])
        url = "wss://127.0.0.1:%d/" % wf.port

        # No CA given and the lab certificate is in no system store.
        rc, err = wf.provider_exit(url=url)
        assert rc == 1, rc
        assert "certificate is not trusted (self-signed certificate)" in err \
            and "--ca FILE" in err, err

        # Plain ws:// to the TLS port gets nowhere.
        rc, err = wf.provider_exit()
        assert rc == 1 and "cannot connect" in err, err

        # A --ca that cannot be read is a usage error.
        rc, err = wf.provider_exit(["--ca", os.path.join(wf.tmp, "no")], url)
        assert rc == 2 and "cannot read --ca" in err, err

        # The system's store is used by default (OpenSSL honours
        # SSL_CERT_FILE as the store's file).
        env = dict(os.environ, SSL_CERT_FILE=wf.cert)
        store = subprocess.Popen(
            [harness.binary("WEBFUSE_PROVIDER"), "-u", url, "-p", wf.src],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=harness._die_with_parent)
        try:
            wf.wait_attached("probe.txt")
        finally:
            store.terminate()
            store.wait(10)
        wf.wait_detached()

        # With --ca the provider attaches and files go both ways.
        wf.start_provider(probe="probe.txt")
        with open(wf.path("made.txt"), "w") as f:
            f.write("written over wss\n")
        with open(os.path.join(wf.src, "made.txt")) as f:
            assert f.read() == "written over wss\n"

        # The page comes over https, checked against the same CA.
        ctx = ssl.create_default_context(cafile=wf.cert)
        conn = http.client.HTTPSConnection("127.0.0.1", wf.port,
                                           context=ctx, timeout=10)
        try:
            conn.request("GET", "/")
            r = conn.getresponse()
            assert r.status == 200 and r.read() == b"<p>over https</p>"
        finally:
            conn.close()


def refuses_wrong_name():
    """A certificate for another name is refused, even from a trusted CA."""
    with harness.Webfuse("tls-name") as wf:
        wf.tls = True
        wf.make_cert(names=("device.example",))
        wf.start_daemon()
        rc, err = wf.provider_exit(["--ca", wf.cert],
                                   "wss://127.0.0.1:%d/" % wf.port)
        assert rc == 1, rc
        assert "certificate is not trusted (IP address mismatch)" in err, err
        assert harness.call(os.listdir, wf.mnt, timeout=10) == []


def refuses_bad_key():
    """--cert without --key, and an unreadable key, stop the start."""
    with harness.Webfuse("tls-args") as wf:
        wf.make_cert()
        exe = harness.binary("WEBFUSED")
        base = [exe, "-m", wf.mnt, "--port", str(harness.free_port()),
                "--bind", "127.0.0.1", "--no-auth"]
        for extra, rc, text in (
                (["--cert", wf.cert], 2, "--cert and --key (server.cert and "
                 "server.key) go together"),
                (["--cert", wf.cert, "--key", wf.cert + ".missing"], 1,
                 "cannot read --key")):
            p = subprocess.run(base + extra, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=20,
                               preexec_fn=harness._die_with_parent)
            err = p.stderr.decode()
            assert p.returncode == rc and text in err, (p.returncode, err)
            assert not harness.mounted(wf.mnt)


if __name__ == "__main__":
    harness.run([
        ("the provider verifies the device", verifies),
        ("a certificate for another name is refused", refuses_wrong_name),
        ("cert and key are checked at start", refuses_bad_key),
    ], watchdog=150)
