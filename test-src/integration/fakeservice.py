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


def unpack_answer(msg, attachment):
    """An answer as (result, error, data bytes): its data decoded from
    base64, or its attachment."""
    result = msg.get("result")
    data = attachment
    if isinstance(result, dict) and isinstance(result.get("data"), str):
        data = base64.b64decode(result["data"], validate=True)
    return result, msg.get("error"), data


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
        if self.conn is not None:  # a provider dialing in again
            self.conn.sock.close()
        sock, _ = self.listener.accept()
        self.conn = rfc6455.Connection(sock, client=False,
                                       timeout=self.timeout)
        self.conn.server_handshake(SUBPROTOCOL)

    def recv_message(self):
        """One reassembled message: (is_binary, bytes). Answers pings."""
        return self.conn.recv_message()

    def send_json(self, obj):
        """Sends @obj as a text message. Lone surrogates and NULs in its
        strings go as JSON escapes ("\\udc80", "\\u0000"), as an attacker
        would write them."""
        self.conn.send_message(rfc6455.OP_TEXT, json.dumps(obj).encode())

    def send_raw(self, payload, binary=False):
        """Sends the bytes @payload as one text (or binary) message,
        whatever they hold."""
        self.conn.send_message(rfc6455.OP_BINARY if binary else
                               rfc6455.OP_TEXT, payload)

    def send_attachment(self, obj, attachment, header_length=None):
        """Sends @obj with @attachment in the attachment form (section 4);
        @header_length, if given, is written as the header's length
        instead of the true one."""
        header = json.dumps(obj).encode()
        if header_length is None:
            header_length = len(header)
        self.send_raw(struct.pack(">I", header_length) + header + attachment,
                      binary=True)

    # --- JSON-RPC ----------------------------------------------------------

    def recv_json(self):
        """The next message as (json object, attachment or None)."""
        binary, data = self.recv_message()
        if not binary:
            return json.loads(data.decode()), None
        h = struct.unpack(">I", data[:4])[0]
        return json.loads(data[4:4 + h].decode()), data[4 + h:]

    def handshake(self, features=(), hello=None):
        """Serves hello and add_filesystem: the provider is then attached.
        @hello, if given, is called with the result hello would get and
        returns the members of the answer instead: {"result": ...} or
        {"error": ...}. If the provider hangs up on that answer, Closed is
        raised."""
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
            answer = {"result": result}
            if hello is not None and method == "hello":
                answer = hello(result)
            self.send_json(dict(answer, jsonrpc="2.0", id=msg["id"]))
        assert attached, "provider did not attach"

    def call(self, method, **params):
        """Sends one request and returns (result, error, data bytes)."""
        rid = self.send_request(method, params)
        return self.answer_of(rid, method)

    def send_request(self, method, params, attachment=None):
        """Sends one request without waiting; returns its id. With
        @attachment (bytes), in the attachment form: params["data"] is
        then set to its length."""
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method,
               "params": params}
        if attachment is None:
            self.send_json(msg)
        else:
            params["data"] = len(attachment)
            self.send_attachment(msg, attachment)
        return rid

    def answer_of(self, rid, what="request", null_id=False):
        """The answer to the request @rid as (result, error, data bytes).
        With @null_id an error answer with a null id (what a receiver
        sends for a message it could not read) counts as well."""
        for _ in range(100):
            msg, attachment = self.recv_json()
            if "method" in msg:
                continue
            if msg.get("id") == rid or (null_id and msg.get("id") is None
                                        and "error" in msg):
                break
        else:
            raise AssertionError("no answer to %s" % what)
        return unpack_answer(msg, attachment)

    def calls(self, requests):
        """Sends every (method, params) of @requests at once, then reads
        their answers: a list of (result, error, data) in the same order.
        Keep batches small (both sides' socket buffers must hold them)."""
        rids = [self.send_request(method, params)
                for method, params in requests]
        answers = {}
        for _ in range(100 * len(rids)):
            if len(answers) == len(rids):
                return [answers[rid] for rid in rids]
            msg, attachment = self.recv_json()
            if "method" in msg or msg.get("id") not in rids:
                continue
            answers[msg["id"]] = unpack_answer(msg, attachment)
        if len(answers) == len(rids):
            return [answers[rid] for rid in rids]
        raise AssertionError("%d of %d answers missing" % (
            len(rids) - len(answers), len(rids)))
