# RFC 6455 framing and handshakes shared by the tests' fake peers.
"""A minimal WebSocket endpoint (stdlib only) for fakeservice.py (server
side) and fakeprovider.py (client side). Unlike a real library it lets a
test choose how a message is cut into frames and where control frames go,
so that a peer's reassembly can be put to the test."""

import base64
import hashlib
import os
import select
import socket
import struct
import threading
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE = 16 << 20
# Bytes of an HTTP upgrade request or response head at most.
MAX_HEAD = 65536
# Frames of one message at most (fragments and interleaved control frames).
MAX_FRAMES = 100000

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA


class Closed(Exception):
    """The peer closed the connection (close frame or end of stream)."""


def accept_key(key):
    """The Sec-WebSocket-Accept value for the client's @key."""
    return base64.b64encode(hashlib.sha1(
        (key + GUID).encode("ascii")).digest()).decode("ascii")


def apply_mask(data, key):
    """@data XORed with the 4-byte @key (masking and unmasking alike)."""
    n = len(data)
    if n == 0:
        return b""
    k = (bytes(key) * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^
            int.from_bytes(k, "big")).to_bytes(n, "big")


def encode_frame(opcode, payload, fin=True, mask=False):
    """One frame. @mask: False (server to client), True (a random key, as
    a client must) or a 4-byte key."""
    payload = bytes(payload)
    n = len(payload)
    b0 = (0x80 if fin else 0) | opcode
    mbit = 0x80 if mask else 0
    if n < 126:
        header = bytes([b0, mbit | n])
    elif n < 65536:
        header = bytes([b0, mbit | 126]) + struct.pack(">H", n)
    else:
        header = bytes([b0, mbit | 127]) + struct.pack(">Q", n)
    if mask:
        key = os.urandom(4) if mask is True else bytes(mask)
        return header + key + apply_mask(payload, key)
    return header + payload


def split(payload, cuts):
    """@payload cut at the byte offsets @cuts (sorted, duplicates and
    offsets outside it dropped) into the list of its pieces."""
    points = sorted(set(c for c in cuts if 0 < c < len(payload)))
    bounds = [0] + points + [len(payload)]
    return [payload[a:b] for a, b in zip(bounds, bounds[1:])]


def _headers(head):
    """The header fields of an HTTP head, names lower-cased."""
    fields = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            fields[k.strip().lower()] = v.strip()
    return fields


class Connection:
    """One WebSocket connection over a connected socket. @client: this end
    is the client (masks what it sends, expects unmasked frames)."""

    def __init__(self, sock, client, timeout=10, max_message=MAX_MESSAGE):
        self.sock = sock
        self.client = client
        self.timeout = timeout
        self.max_message = max_message
        self.pongs = []  # payloads of the pongs received, in order
        self.pings = 0   # pings received (and answered)
        self._buf = bytearray()
        self._send_lock = threading.Lock()
        sock.settimeout(timeout)

    # --- bytes in and out --------------------------------------------------

    def _fill(self):
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError as e:
            raise Closed("connection reset by the peer: %s" % e)
        if not chunk:
            raise Closed("connection closed by the peer")
        self._buf += chunk

    def _read_exact(self, n):
        for _ in range(n + 1):  # each fill adds at least one byte
            if len(self._buf) >= n:
                break
            self._fill()
        out = bytes(self._buf[:n])
        del self._buf[:n]
        return out

    def _read_head(self):
        """An HTTP head, up to and including its empty line."""
        for _ in range(MAX_HEAD):
            end = self._buf.find(b"\r\n\r\n")
            if end >= 0:
                return self._read_exact(end + 4)
            if len(self._buf) > MAX_HEAD:
                break
            self._fill()
        raise Closed("no complete HTTP head within %d bytes" % MAX_HEAD)

    def send_raw(self, data):
        """Sends bytes as they are (frames built by the caller)."""
        with self._send_lock:
            self.sock.sendall(data)

    def readable(self, timeout):
        """Whether bytes arrive within @timeout seconds."""
        if self._buf:
            return True
        r, _, _ = select.select([self.sock], [], [], timeout)
        return bool(r)

    def close(self):
        """Sends a close frame (if it can) and closes the socket."""
        try:
            self.send_frame(OP_CLOSE, struct.pack(">H", 1000))
        except OSError:
            pass
        self.sock.close()

    # --- handshakes --------------------------------------------------------

    def server_handshake(self, subprotocol):
        """Reads the client's upgrade request, checks that it offers
        @subprotocol and accepts it. Returns the request's header fields."""
        fields = _headers(self._read_head())
        offered = [p.strip() for p in
                   fields.get("sec-websocket-protocol", "").split(",")]
        assert subprotocol in offered, \
            "client does not offer %s: %r" % (subprotocol, offered)
        self.send_raw(
            b"HTTP/1.1 101 Switching Protocols\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " +
            accept_key(fields["sec-websocket-key"]).encode("ascii") +
            b"\r\nSec-WebSocket-Protocol: " + subprotocol.encode("ascii") +
            b"\r\n\r\n")
        return fields

    def client_handshake(self, host, path, subprotocol):
        """Sends the upgrade request offering @subprotocol and checks the
        server's answer selects it. Returns the answer's header fields."""
        key = base64.b64encode(os.urandom(16)).decode("ascii")
        self.send_raw(
            ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
             "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: %s\r\n"
             "\r\n" % (path, host, key, subprotocol)).encode("ascii"))
        head = self._read_head()
        status = head.split(b"\r\n", 1)[0]
        assert status.split()[1:2] == [b"101"], \
            "upgrade refused: %r" % head.decode("latin-1")
        fields = _headers(head)
        assert fields.get("sec-websocket-accept") == accept_key(key), \
            "wrong Sec-WebSocket-Accept: %r" % fields
        assert fields.get("sec-websocket-protocol") == subprotocol, \
            "server selected subprotocol %r" % \
            fields.get("sec-websocket-protocol")
        return fields

    # --- frames and messages -----------------------------------------------

    def send_frame(self, opcode, payload, fin=True):
        self.send_raw(encode_frame(opcode, payload, fin, mask=self.client))

    def send_message(self, opcode, payload, cuts=(), pings=()):
        """Sends one message of @opcode (OP_TEXT or OP_BINARY), cut at the
        byte offsets @cuts into a first frame and continuation frames. A
        ping (payload b"ping<i>") goes after fragment i for each i in
        @pings, between the fragments of the message."""
        pieces = split(bytes(payload), cuts)
        frames = []
        for i, piece in enumerate(pieces):
            frames.append(encode_frame(opcode if i == 0 else OP_CONT, piece,
                                       fin=i == len(pieces) - 1,
                                       mask=self.client))
            if i in pings:
                frames.append(encode_frame(OP_PING, b"ping%d" % i,
                                           mask=self.client))
        self.send_raw(b"".join(frames))

    def recv_frame(self):
        """The next frame as (fin, opcode, payload)."""
        b0, b1 = self._read_exact(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self._read_exact(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._read_exact(8))[0]
        assert b0 & 0x70 == 0, "frame with RSV bits 0x%02x" % b0
        assert n <= self.max_message, "frame of %d bytes" % n
        masked = bool(b1 & 0x80)
        assert masked != self.client, \
            "frame from the %s is %smasked" % (
                "server" if self.client else "client",
                "" if masked else "not ")
        key = self._read_exact(4) if masked else None
        payload = self._read_exact(n)
        if key:
            payload = apply_mask(payload, key)
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def recv_message(self, timeout=None):
        """One reassembled message as (is_binary, bytes), or None when
        nothing arrives within @timeout seconds (None: wait as long as the
        socket's timeout). Answers pings, records pongs; raises Closed on a
        close frame or the end of the stream."""
        end = None if timeout is None else time.monotonic() + timeout
        if end is not None and not self.readable(timeout):
            return None
        parts = []
        size = 0
        kind = None
        for _ in range(MAX_FRAMES):
            fin, opcode, payload = self.recv_frame()
            if opcode == OP_CLOSE:
                raise Closed("close frame %r" % payload[:2])
            if opcode in (OP_PING, OP_PONG):
                if opcode == OP_PING:
                    self.pings += 1
                    self.send_frame(OP_PONG, payload)
                else:
                    self.pongs.append(payload)
                # Between messages, a control frame ends the wait too.
                if kind is None and end is not None and \
                        not self.readable(max(0.0, end - time.monotonic())):
                    return None
                continue
            if kind is None:
                assert opcode in (OP_TEXT, OP_BINARY), \
                    "message starts with opcode %d" % opcode
                kind = opcode
            else:
                assert opcode == OP_CONT, \
                    "opcode %d inside a fragmented message" % opcode
            size += len(payload)
            assert size <= self.max_message, "message above max_message"
            parts.append(payload)
            if fin:
                return kind == OP_BINARY, b"".join(parts)
        raise AssertionError("message of more than %d frames" % MAX_FRAMES)


def connect(port, path="/", subprotocol=None, timeout=10):
    """A client Connection to 127.0.0.1:@port, upgraded to @subprotocol."""
    sock = socket.create_connection(("127.0.0.1", port), timeout)
    conn = Connection(sock, client=True, timeout=timeout)
    try:
        conn.client_handshake("127.0.0.1:%d" % port, path, subprotocol)
    except BaseException:
        sock.close()
        raise
    return conn
