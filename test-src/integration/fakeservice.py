# A scripted webfuse service on loopback, to send a real provider requests.
"""The real webfuse-provider dials in to this minimal WebSocket server (RFC
6455, stdlib only), which plays the service side of doc/protocol.md: it
answers hello and add_filesystem, then sends whatever filesystem requests a
test asks for, including ones the kernel would never make."""

import base64
import hashlib
import json
import socket
import struct
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SUBPROTOCOL = "webfuse.v1"
MAX_MESSAGE = 16 << 20


class Closed(Exception):
    """The provider closed the connection."""


class FakeService:
    def __init__(self, timeout=10):
        self.timeout = timeout
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.listener.settimeout(timeout)
        self.port = self.listener.getsockname()[1]
        self.conn = None
        self.next_id = 1
        self.features = []

    def close(self):
        for s in (self.conn, self.listener):
            if s is not None:
                s.close()

    # --- WebSocket ---------------------------------------------------------

    def accept(self):
        """Accepts the provider's connection and completes the upgrade."""
        self.conn, _ = self.listener.accept()
        self.conn.settimeout(self.timeout)
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = self.conn.recv(4096)
            if not chunk or len(request) > 65536:
                raise Closed("bad upgrade request")
            request += chunk
        headers = {}
        for line in request.decode("latin-1").split("\r\n")[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        protocols = [p.strip() for p in
                     headers.get("sec-websocket-protocol", "").split(",")]
        assert SUBPROTOCOL in protocols, \
            "provider does not offer %s: %r" % (SUBPROTOCOL, protocols)
        accept = base64.b64encode(hashlib.sha1(
            (headers["sec-websocket-key"] + GUID).encode()).digest())
        self.conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n"
            b"Sec-WebSocket-Protocol: " + SUBPROTOCOL.encode() +
            b"\r\n\r\n")

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise Closed("connection closed")
            data += chunk
        return data

    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([n])
        elif n < 65536:
            header += bytes([126]) + struct.pack(">H", n)
        else:
            header += bytes([127]) + struct.pack(">Q", n)
        self.conn.sendall(header + payload)

    def recv_message(self):
        """One reassembled message: (is_binary, bytes). Answers pings."""
        parts = []
        kind = None
        for _ in range(100000):
            b0, b1 = self._recv_exact(2)
            opcode = b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            assert n <= MAX_MESSAGE, "frame of %d bytes" % n
            mask = self._recv_exact(4) if b1 & 0x80 else None
            assert mask is not None, "client frame not masked"
            payload = bytearray(self._recv_exact(n))
            for i in range(n):
                payload[i] ^= mask[i % 4]
            if opcode == 0x8:
                raise Closed("close frame")
            if opcode == 0x9:
                self._send_frame(0xA, bytes(payload))
                continue
            if opcode == 0xA:
                continue
            if opcode in (0x1, 0x2):
                kind = opcode
            parts.append(bytes(payload))
            if b0 & 0x80:
                return kind == 0x2, b"".join(parts)
        raise AssertionError("endless fragments")

    def send_json(self, obj):
        self._send_frame(0x1, json.dumps(obj).encode())

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
