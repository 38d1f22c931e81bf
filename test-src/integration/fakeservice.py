# A scripted webfuse service on loopback, to send a real provider requests.
"""The real webfuse-provider dials in to this minimal WebSocket server
(stdlib only, framing from rfc6455.py), which plays the service side of
doc/protocol.md: it answers hello and add_filesystem, then sends whatever
filesystem requests a test asks for, including ones the kernel would never
make."""

import base64
import json
import socket
import struct
import time

import rfc6455

SUBPROTOCOL = "webfuse.v1"
MAX_MESSAGE = rfc6455.MAX_MESSAGE
Closed = rfc6455.Closed


class FakeService:
    def __init__(self, timeout=10):
        self.timeout = timeout
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(timeout)
        self.port = self.listener.getsockname()[1]
        self.conn = None  # the rfc6455.Connection, once accepted
        self.next_id = 1
        self.features = []

    def close(self):
        if self.conn is not None:
            self.conn.sock.close()
        self.listener.close()

    # --- WebSocket ---------------------------------------------------------

    def accept(self):
        """Accepts the provider's connection and completes the upgrade."""
        sock, _ = self.listener.accept()
        self.conn = rfc6455.Connection(sock, client=False,
                                       timeout=self.timeout)
        self.conn.server_handshake(SUBPROTOCOL)

    def recv_message(self):
        """One reassembled message: (is_binary, bytes). Answers pings."""
        return self.conn.recv_message()

    def send_json(self, obj):
        self.conn.send_message(rfc6455.OP_TEXT, json.dumps(obj).encode())

    # --- JSON-RPC ----------------------------------------------------------

    def recv_json(self):
        """The next message as (json object, attachment or None)."""
        binary, data = self.recv_message()
        if not binary:
            return json.loads(data.decode()), None
        h = struct.unpack(">I", data[:4])[0]
        return json.loads(data[4:4 + h].decode()), data[4 + h:]

    def handshake(self, features=()):
        """Serves hello and add_filesystem: the provider is then attached."""
        deadline = time.monotonic() + self.timeout
        attached = False
        while not attached and time.monotonic() < deadline:
            msg, _ = self.recv_json()
            method = msg.get("method")
            if method == "hello":
                offered = msg["params"].get("features", [])
                self.features = [f for f in features if f in offered]
                result = {"protocol": 1, "features": self.features,
                          "agent": "fakeservice", "authenticate": False,
                          "limits": {"max_message": MAX_MESSAGE,
                                     "max_read": 1 << 20,
                                     "max_write": 1 << 20,
                                     "max_pending": 256,
                                     "max_entries": 100000,
                                     "max_path": 4095, "max_name": 255}}
            elif method == "add_filesystem":
                result = {"name": ""}
                attached = True
            else:
                raise AssertionError("unexpected message %r" % msg)
            self.send_json({"jsonrpc": "2.0", "id": msg["id"],
                            "result": result})
        assert attached, "provider did not attach"

    def call(self, method, **params):
        """Sends one request and returns (result, error, data bytes)."""
        rid = self.next_id
        self.next_id += 1
        self.send_json({"jsonrpc": "2.0", "id": rid, "method": method,
                        "params": params})
        for _ in range(100):
            msg, attachment = self.recv_json()
            if msg.get("id") == rid and "method" not in msg:
                break
        else:
            raise AssertionError("no answer to %s" % method)
        result = msg.get("result")
        data = attachment
        if result is not None and isinstance(result.get("data"), str):
            data = base64.b64decode(result["data"], validate=True)
        return result, msg.get("error"), data
