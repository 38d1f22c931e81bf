# A scripted webfuse provider on loopback, to feed the real daemon any answer.
"""Dials in to the real webfused like a provider does (RFC 6455 client,
subprotocol webfuse.v1, stdlib only), greets it and attaches, then receives
the filesystem requests the kernel makes through the mount. A test decides
how each one is answered: normally, cut into fragments, wrongly, twice or
not at all. Tree serves a small read-only tree and lets a test override the
answer to one method on one path."""

import base64
import collections
import contextlib
import json
import struct
import threading
import time

import rfc6455

SUBPROTOCOL = "webfuse.v1"
FS_ERROR = -32000
# Requests one serve() loop handles at most.
MAX_REQUESTS = 100000

Closed = rfc6455.Closed

# A filesystem request from the daemon.
Request = collections.namedtuple("Request",
                                 "id method params attachment")


def utf8_cuts(payload):
    """Fragment boundaries for @payload: a 1-byte first fragment, a cut
    inside the first multi-byte UTF-8 sequence (if any), the middle and a
    1-byte last fragment."""
    cuts = {1, 2, len(payload) // 2, len(payload) - 1}
    for i, b in enumerate(payload):
        if b >= 0xC0:  # the lead byte of a multi-byte sequence
            cuts.add(i + 1)
            break
    return sorted(cuts)


class FakeProvider:
    """One provider connection to the daemon on 127.0.0.1:@port.

    @fragment, if set, is called as fragment(payload, binary) for every
    message this provider sends and returns (cuts, pings) for
    rfc6455.Connection.send_message: how to cut it into frames and where to
    put pings between them."""

    def __init__(self, port, timeout=10, fragment=None):
        self.ws = rfc6455.connect(port, "/", SUBPROTOCOL, timeout)
        self.timeout = timeout
        self.fragment = fragment
        self.next_id = 1
        self.features = []
        self.limits = {}
        self.fragmented = 0  # messages sent in more than one frame
        self.serving = False  # serve() runs: it alone receives
        self.send_lock = threading.Lock()  # any thread may answer

    def close(self):
        self.ws.close()

    # --- sending -----------------------------------------------------------

    def _send(self, opcode, payload):
        cuts, pings = (), ()
        if self.fragment:
            cuts, pings = self.fragment(payload, opcode == rfc6455.OP_BINARY)
        with self.send_lock:
            if len(rfc6455.split(payload, cuts)) > 1:
                self.fragmented += 1
            self.ws.send_message(opcode, payload, cuts, pings)

    def send_raw(self, payload, binary=False):
        """Sends the bytes @payload as one text (or binary) message,
        whatever they hold: JSON or not, UTF-8 or not."""
        self._send(rfc6455.OP_BINARY if binary else rfc6455.OP_TEXT,
                   payload)

    def send_json(self, obj):
        """Sends @obj as a text message."""
        self._send(rfc6455.OP_TEXT,
                   json.dumps(obj, ensure_ascii=False).encode("utf-8"))

    def send_attachment(self, obj, attachment):
        """Sends @obj with @attachment as a binary message (section 4)."""
        header = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self._send(rfc6455.OP_BINARY,
                   struct.pack(">I", len(header)) + header + attachment)

    def answer(self, rid, result):
        self.send_json({"jsonrpc": "2.0", "id": rid, "result": result})

    def answer_error(self, rid, errno_name, code=FS_ERROR):
        """An error answer naming @errno_name (None: no data member)."""
        error = {"code": code, "message": "fake provider error"}
        if errno_name is not None:
            error["data"] = {"errno": errno_name}
        self.send_json({"jsonrpc": "2.0", "id": rid, "error": error})

    def answer_data(self, rid, data, attachment=False, extra=None):
        """Answers a read with @data: base64 in a text message, or in the
        attachment form. @extra: more members for the result."""
        result = dict(extra or {})
        if attachment:
            result["data"] = len(data)
            self.send_attachment({"jsonrpc": "2.0", "id": rid,
                                  "result": result}, data)
        else:
            result["data"] = base64.b64encode(data).decode("ascii")
            self.answer(rid, result)

    # --- receiving ---------------------------------------------------------

    def recv(self, timeout=None):
        """The next message as (json object, attachment or None), or None
        if nothing arrives within @timeout seconds."""
        got = self.ws.recv_message(timeout)
        if got is None:
            return None
        binary, data = got
        if not binary:
            return json.loads(data.decode("utf-8")), None
        h = struct.unpack(">I", data[:4])[0]
        return json.loads(data[4:4 + h].decode("utf-8")), data[4 + h:]

    def recv_request(self, timeout):
        """The daemon's next request, or None within @timeout seconds."""
        got = self.recv(timeout)
        if got is None:
            return None
        msg, attachment = got
        assert "method" in msg, "daemon sent a non-request: %r" % msg
        return Request(msg.get("id"), msg["method"], msg.get("params", {}),
                       attachment)

    # --- session methods ---------------------------------------------------

    def call(self, method, params):
        """Sends a session request; returns the daemon's response object
        (with "result" or "error")."""
        assert not self.serving, "call() while serve() receives"
        rid = self.next_id
        self.next_id += 1
        self.send_json({"jsonrpc": "2.0", "id": rid, "method": method,
                        "params": params})
        deadline = time.monotonic() + self.timeout
        for _ in range(1000):
            got = self.recv(max(0.0, deadline - time.monotonic()))
            assert got is not None, "no answer to %s within %ss" % (
                method, self.timeout)
            msg, _ = got
            assert "method" not in msg, \
                "request %r before the session is attached" % msg
            if msg.get("id") == rid:
                return msg
        raise AssertionError("no answer to %s" % method)

    def hello(self, features=()):
        """Greets the daemon; returns the result of hello."""
        msg = self.call("hello", {"protocol": 1, "features": list(features),
                                  "agent": "fakeprovider"})
        assert "result" in msg, "hello failed: %r" % msg
        self.features = msg["result"]["features"]
        self.limits = msg["result"]["limits"]
        return msg["result"]

    def add_filesystem(self, name=None):
        """Asks to serve the filesystem; returns the response object."""
        return self.call("add_filesystem", {} if name is None else
                         {"name": name})

    def attach(self, features=()):
        """hello, then add_filesystem, which must succeed."""
        self.hello(features)
        msg = self.add_filesystem()
        assert "result" in msg, "add_filesystem failed: %r" % msg
        return msg["result"]

    def serve(self, handler, stop, seconds):
        """Hands each request to handler(self, request) until @stop is set,
        the daemon closes the connection (returns "closed", also when an
        answer finds it closed) or @seconds
        pass (returns "deadline")."""
        deadline = time.monotonic() + seconds
        self.serving = True
        try:
            for _ in range(MAX_REQUESTS):
                if stop.is_set():
                    return "stopped"
                if time.monotonic() > deadline:
                    return "deadline"
                try:
                    req = self.recv_request(0.05)
                except Closed:
                    return "closed"
                if req is None:
                    continue
                try:
                    handler(self, req)
                except (BrokenPipeError, ConnectionResetError):
                    # The daemon closed the connection with calls still
                    # unanswered (such as listings it asked ahead).
                    return "closed"
            return "too many requests"
        finally:
            self.serving = False


class Serving:
    """Runs provider.serve(handler) in a thread, for at most @seconds."""

    def __init__(self, provider, handler, seconds=60):
        self.provider = provider
        self.stop_event = threading.Event()
        self.outcome = None
        self.error = None
        self.thread = threading.Thread(
            target=self._run, args=(handler, seconds), daemon=True)
        self.thread.start()

    def _run(self, handler, seconds):
        try:
            self.outcome = self.provider.serve(handler, self.stop_event,
                                               seconds)
        except BaseException as e:  # re-raised by check()
            self.error = e

    def ended(self):
        return not self.thread.is_alive()

    def check(self):
        """Raises what went wrong in the thread, if anything."""
        if self.error is not None:
            raise AssertionError("fake provider failed: %r" % self.error)

    def stop(self, timeout=10):
        """Ends the loop; returns its outcome."""
        self.stop_event.set()
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "fake provider loop hangs"
        self.check()
        return self.outcome


class Tree:
    """A read-only tree served through a FakeProvider: files (path ->
    bytes) and directories (paths). A file whose path ends in ".bin" is
    read in the attachment form when binary was agreed. special[(method,
    path)] = fn(provider, request) answers that request instead."""

    def __init__(self, files=None, dirs=()):
        self.files = dict(files or {})
        self.dirs = set(dirs) | {"/"}
        self.special = {}
        self.seen = []  # (method, path) of every request, in order
        self.reads = []  # (path, offset, size) of every read
        self.lock = threading.Lock()
        self.handles = 0

    def count(self, method, path):
        """How many @method requests on @path came."""
        with self.lock:
            return self.seen.count((method, path))

    def attr(self, path):
        if path in self.dirs:
            return {"type": "dir", "mode": 0o755, "nlink": 2}
        if path in self.files:
            return {"type": "reg", "mode": 0o644,
                    "size": len(self.files[path]), "mtime": 1700000000}
        return None

    def entries(self, path):
        prefix = path.rstrip("/") + "/"
        names = [p[len(prefix):] for p in list(self.dirs) + list(self.files)
                 if p != "/" and p.startswith(prefix) and
                 "/" not in p[len(prefix):]]
        return [{"name": n, "attr": self.attr(prefix + n)}
                for n in sorted(names)]

    def __call__(self, provider, req):
        path = req.params.get("path")
        with self.lock:
            self.seen.append((req.method, path))
            if req.method == "read":
                self.reads.append((path, req.params.get("offset"),
                                   req.params.get("size")))
            fn = self.special.get((req.method, path))
        if fn is not None:
            fn(provider, req)
            return
        attr = self.attr(path)
        if req.method == "release":
            provider.answer(req.id, {})
        elif attr is None:
            provider.answer_error(req.id, "ENOENT")
        elif req.method == "getattr":
            provider.answer(req.id, attr)
        elif req.method == "readdir":
            if path not in self.dirs:
                provider.answer_error(req.id, "ENOTDIR")
            else:
                provider.answer(req.id, {"entries": self.entries(path)})
        elif req.method == "open":
            if path not in self.files:
                provider.answer_error(req.id, "EISDIR")
            else:
                self.handles += 1
                provider.answer(req.id, {"handle": self.handles})
        elif req.method == "read" and path in self.files:
            off, size = req.params["offset"], req.params["size"]
            provider.answer_data(
                req.id, self.files[path][off:off + size],
                attachment=path.endswith(".bin") and
                "binary" in provider.features)
        elif req.method == "access":
            provider.answer(req.id, {})
        elif req.method == "statfs":
            provider.answer(req.id, {"bsize": 4096, "namemax": 255})
        else:
            provider.answer_error(req.id, "ENOSYS", code=-32601)


@contextlib.contextmanager
def attached(port, handler, features=(), fragment=None, seconds=60):
    """A FakeProvider (with @fragment) attached to the daemon on @port with
    @features, handing requests to @handler in a thread for at most
    @seconds; yields (provider, serving). Stopped and closed on exit; what
    went wrong in the thread is raised."""
    provider = FakeProvider(port, fragment=fragment)
    serving = None
    try:
        provider.attach(features)
        serving = Serving(provider, handler, seconds)
        yield provider, serving
        serving.check()
    finally:
        try:
            if serving is not None:
                serving.stop()
        finally:
            provider.close()
