#!/usr/bin/env python3
# Integration: webfused --docroot serves static files over HTTP on the
# WebSocket's port, with content types, no listings, nothing outside DIR.
import http.client
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SECRET = b"outside-the-docroot-7f3a"


def make_docroot(wf):
    """A docroot beside a secret the server must never hand out."""
    root = os.path.join(wf.tmp, "www")
    os.makedirs(os.path.join(root, "sub"))
    os.makedirs(os.path.join(root, "noindex"))
    files = {
        "index.html": b"<!doctype html><title>t</title>",
        "sub/index.html": b"<p>sub</p>",
        "app.js": b"export const a = 1;\n",
        "mod.mjs": b"export const m = 2;\n",
        "style.css": b"body{}\n",
        "data.json": b"{}\n",
        "noindex/readme.txt": b"text\n",
        ".hidden": SECRET,
    }
    for rel, data in files.items():
        with open(os.path.join(root, rel), "wb") as f:
            f.write(data)
    harness.write_random(os.path.join(root, "image.bin"), 3 << 20, seed=4)
    with open(os.path.join(wf.tmp, "secret.txt"), "wb") as f:
        f.write(SECRET)
    os.symlink("../secret.txt", os.path.join(root, "escape.txt"))
    os.symlink(os.path.join(wf.tmp, "secret.txt"),
               os.path.join(root, "absolute.txt"))
    os.symlink("app.js", os.path.join(root, "inside.js"))
    os.symlink("..", os.path.join(root, "up"))
    os.mkfifo(os.path.join(root, "fifo"))
    return root


def get(port, path, method="GET", conn=None):
    """(status, headers dict with lower-case names, body) of one request."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        if own:
            conn.close()


def raw(port, request):
    """Sends @request bytes as they are; returns all the server answered."""
    with socket.create_connection(("127.0.0.1", port), 10) as s:
        s.sendall(request)
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


def serves_files():
    with harness.Webfuse("docroot") as wf:
        root = make_docroot(wf)
        wf.start_daemon(extra=["--docroot", root])
        port = wf.port
        expect = [
            ("/", "text/html", "index.html"),
            ("/index.html", "text/html", "index.html"),
            ("/sub/", "text/html", "sub/index.html"),
            ("/app.js", "text/javascript", "app.js"),
            ("/mod.mjs", "text/javascript", "mod.mjs"),
            ("/style.css", "text/css", "style.css"),
            ("/data.json", "application/json", "data.json"),
            ("/noindex/readme.txt", "text/plain", "noindex/readme.txt"),
            ("/image.bin", "application/octet-stream", "image.bin"),
            ("/inside.js", "text/javascript", "app.js"),
            ("/app.js?v=3", "text/javascript", "app.js"),
        ]
        for path, ctype, rel in expect:
            status, headers, body = get(port, path)
            with open(os.path.join(root, rel), "rb") as f:
                want = f.read()
            assert status == 200, "%s: status %d" % (path, status)
            assert headers["content-type"].split(";")[0] == ctype, \
                "%s: content type %s" % (path, headers["content-type"])
            assert body == want, "%s: %d bytes differ from %s" % (
                path, len(body), rel)
            assert int(headers["content-length"]) == len(want)
            assert headers.get("x-content-type-options") == "nosniff"

        # HEAD: the headers of GET, no body.
        status, headers, body = get(port, "/image.bin", "HEAD")
        assert status == 200 and body == b"", (status, len(body))
        assert int(headers["content-length"]) == 3 << 20

        # Several requests on one kept-alive connection.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            for _ in range(3):
                status, _, body = get(port, "/app.js", conn=conn)
                assert status == 200 and body == b"export const a = 1;\n"
        finally:
            conn.close()

        # Only GET and HEAD.
        for method in ("POST", "PUT", "DELETE"):
            status, _, _ = get(port, "/app.js", method)
            assert status == 405, "%s: status %d" % (method, status)
        with open(os.path.join(root, "app.js"), "rb") as f:
            assert f.read() == b"export const a = 1;\n"

        # No listing, no hidden file, nothing but regular files.
        for path in ("/noindex/", "/noindex", "/sub", "/.hidden", "/fifo",
                     "/missing.html", "/up/", "/up/secret.txt"):
            status, _, body = get(port, path)
            assert status == 404, "%s: status %d" % (path, status)
            assert SECRET not in body and b"readme.txt" not in body, path

        # Nothing outside the docroot, however the path is spelled.
        hostile = [
            "/escape.txt", "/absolute.txt", "/../secret.txt",
            "/sub/../../secret.txt", "/%2e%2e/secret.txt",
            "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
            "/sub/%2e%2e/%2e%2e/secret.txt", "//" + wf.tmp + "/secret.txt",
            wf.tmp + "/secret.txt", "/app.js%00.txt",
            "/" + "a/" * 3000, "/" + "b" * 300,
        ]
        for path in hostile:
            reply = raw(port, ("GET %s HTTP/1.1\r\nHost: x\r\n"
                               "Connection: close\r\n\r\n" % path).encode())
            assert SECRET not in reply, "%s: the secret leaked" % path
            head = reply.split(b"\r\n", 1)[0]
            assert head.startswith(b"HTTP/1.1 4") or reply == b"", \
                "%s: answered %r" % (path, head)

        # The WebSocket still works on the same port.
        with open(os.path.join(wf.src, "probe.txt"), "w") as f:
            f.write("probe\n")
        wf.start_provider(probe="probe.txt")
        with open(wf.path("probe.txt")) as f:
            assert f.read() == "probe\n"
        status, _, _ = get(port, "/app.js")
        assert status == 200
        assert wf.daemon.alive()


def no_docroot():
    """Without --docroot every HTTP request is 404."""
    with harness.Webfuse("nodocroot") as wf:
        wf.start_daemon()
        for path in ("/", "/index.html"):
            status, _, _ = get(wf.port, path)
            assert status == 404, "%s: status %d" % (path, status)


def bad_docroot():
    """A docroot that is not a readable directory stops the start."""
    with harness.Webfuse("baddocroot") as wf:
        exe = harness.binary("WEBFUSED")
        missing = os.path.join(wf.tmp, "missing")
        afile = os.path.join(wf.tmp, "afile")
        open(afile, "w").close()
        for root in (missing, afile):
            p = subprocess.run(
                [exe, "-m", wf.mnt, "--port", str(harness.free_port()),
                 "--bind", "127.0.0.1", "--docroot", root, "--no-auth"],
                stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
                preexec_fn=harness._die_with_parent)
            err = p.stderr.decode()
            assert p.returncode == 1, "%s: rc %d" % (root, p.returncode)
            assert "docroot %s:" % root in err, err
            assert not harness.mounted(wf.mnt), "mount left behind"


if __name__ == "__main__":
    harness.run([
        ("serves files", serves_files),
        ("no docroot", no_docroot),
        ("bad docroot", bad_docroot),
    ], watchdog=100)
