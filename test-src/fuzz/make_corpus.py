#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (test-src/fuzz/corpus/).

Each seed is one input in the format its target's comment describes: the
protocol examples of doc/protocol.md, the message fixtures of
test-src/core/fixtures/message, and a valid request and answer for every
method in text and binary-attachment form, plus invalid ones. The output
is committed; run this again after changing it:

    test-src/fuzz/make_corpus.py [--clean]

--clean first removes every file of the corpus folders (inputs added by
hand or kept from a fuzzing run too)."""

import base64
import hashlib
import hmac
import json
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(TOP, "test-src", "core", "fixtures", "message")
CORPUS = os.path.join(HERE, "corpus")

SEP = b"\n@@\n"  # FUZZ_SEP of harness.h

# The fake provider's credentials (fuzz_provider_session.c).
SECRET = b"fuzz-device-secret"
CHALLENGE = "0123456789abcdef" * 4
GOOD_TOKEN = "good-token"

# The kernel requests of daemon_harness.h, in the order of enum dh_op.
DH_OPS = ("lookup forget getattr setattr readlink access statfs mkdir mknod "
          "symlink link unlink rmdir rename open create read write flush "
          "fsync fallocate release opendir readdir readdirplus releasedir "
          "fsyncdir getxattr listxattr setxattr removexattr").split()
DH_FAIL_REPLY, DH_STALE, DH_WITH_FI = 0x20, 0x40, 0x80

# Behaviours of the provider's fake operations (provider_harness.h).
PF = {"plain": 0, "fail": 0x01, "short": 0x02, "bogus": 0x04,
      "sparse": 0x08, "names": 0x10, "huge": 0x20}


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def b64(data):
    return base64.b64encode(data).decode()


def request(rid, method, params):
    return {"jsonrpc": "2.0", "id": rid, "method": method, "params": params}


def result(rid, res):
    return {"jsonrpc": "2.0", "id": rid, "result": res}


def error(rid, name, code=-32000):
    err = {"code": code, "message": name}
    if name:
        err["data"] = {"errno": name}
    return {"jsonrpc": "2.0", "id": rid, "error": err}


def attach(obj, holder, data):
    """@obj in the attachment form with @data as the data of @holder."""
    obj = json.loads(json.dumps(obj))
    obj[holder]["data"] = len(data)
    header = dumps(obj)
    return struct.pack(">I", len(header)) + header + data


def text(obj, holder=None, data=None):
    """@obj as a text message, @data (if any) base64 in @holder."""
    if data is not None:
        obj = json.loads(json.dumps(obj))
        obj[holder]["data"] = b64(data)
    return dumps(obj)


# --- what travels, per method (doc/protocol.md, 6) ---------------------------

REG = {"type": "reg", "mode": 420, "ino": 12, "nlink": 1, "uid": 1000,
       "gid": 1000, "size": 6, "blocks": 1, "atime": 1700000000,
       "mtime": 1700000000, "mtime_ns": 5, "ctime": -5}
DIR = {"type": "dir", "mode": 493}
LNK = {"type": "lnk", "mode": 511, "size": 4}
CHR = {"type": "chr", "mode": 384, "rdev": 259}
CONTENT = b"hello\n"

PARAMS = {
    "getattr": [{"path": "/hello.txt"}, {"path": "/hello.txt", "handle": 7}],
    "readdir": [{"path": "/"}],
    "open": [{"path": "/hello.txt", "access": "read"},
             {"path": "/hello.txt", "access": "read-write",
              "flags": ["append", "truncate", "sync", "dsync", "direct",
                        "noatime", "unknown"]}],
    "read": [{"path": "/hello.txt", "handle": 7, "offset": 0, "size": 4096},
             {"path": "/hello.txt", "handle": 7, "offset": 16380,
              "size": 100}],
    "release": [{"path": "/hello.txt", "handle": 7}],
    "readlink": [{"path": "/link"}],
    "statfs": [{"path": "/"}],
    "access": [{"path": "/hello.txt", "mode": "rwx"},
               {"path": "/hello.txt", "mode": ""}],
    "create": [{"path": "/new.txt", "mode": 420, "access": "write",
                "flags": ["exclusive"]}],
    "write": [{"path": "/hello.txt", "handle": 7, "offset": 0}],
    "flush": [{"path": "/hello.txt", "handle": 7}],
    "fsync": [{"path": "/hello.txt", "handle": 7, "datasync": True},
              {"path": "/", "datasync": False}],
    "fallocate": [{"path": "/hello.txt", "handle": 7, "offset": 0,
                   "length": 4096, "flags": ["keep_size", "punch_hole"]}],
    "setattr": [{"path": "/hello.txt", "mode": 384, "uid": 1000,
                 "gid": 1000, "size": 10, "atime": "now",
                 "mtime": 1700000000, "mtime_ns": 5},
                {"path": "/hello.txt", "handle": 7, "size": 0}],
    "mkdir": [{"path": "/dir", "mode": 493}],
    "mknod": [{"path": "/fifo", "type": "fifo", "mode": 420},
              {"path": "/tty", "type": "chr", "mode": 384, "rdev": 259}],
    "symlink": [{"path": "/link", "target": "../target/x"}],
    "link": [{"path": "/hello.txt", "newpath": "/hard"}],
    "unlink": [{"path": "/hello.txt"}],
    "rmdir": [{"path": "/dir"}],
    "rename": [{"path": "/a", "newpath": "/b", "flags": ["noreplace"]},
               {"path": "/a", "newpath": "/sub/b", "flags": ["exchange"]}],
    "getxattr": [{"path": "/hello.txt", "name": "user.x"}],
    "listxattr": [{"path": "/hello.txt"}],
    "setxattr": [{"path": "/hello.txt", "name": "user.x",
                  "flags": ["create"]}],
    "removexattr": [{"path": "/hello.txt", "name": "user.x"}],
}
# Methods whose params carry data.
DATA_PARAMS = {"write": CONTENT, "setxattr": b"value"}

INVALID_PARAMS = [
    ("getattr", {"path": "../x"}), ("getattr", {"path": "/a//b"}),
    ("getattr", {"path": "/a/"}), ("getattr", {"path": "/a/./b"}),
    ("getattr", {"path": "/a\u0000b"}), ("getattr", {}),
    ("read", {"path": "/f", "handle": -1, "offset": 0, "size": 1}),
    ("read", {"path": "/f", "handle": 1, "offset": 0, "size": 2000000}),
    ("read", {"path": "/f", "handle": 1, "offset": 9007199254740992,
              "size": 1}),
    ("open", {"path": "/f", "access": "execute"}),
    ("open", {"path": "/f", "access": "read", "flags": "append"}),
    ("access", {"path": "/f", "mode": "q"}),
    ("mknod", {"path": "/d", "type": "dir", "mode": 493}),
    ("rename", {"path": "/a", "newpath": "/b", "flags": ["whiteout"]}),
    ("setattr", {"path": "/f", "atime": "later"}),
    ("setattr", {"path": "/f", "mtime": 1, "mtime_ns": 1000000000}),
    ("symlink", {"path": "/l", "target": ""}),
    ("getxattr", {"path": "/f", "name": ""}),
    ("setxattr", {"path": "/f", "name": "user.x", "data": "a===",
                  "flags": []}),
    ("write", {"path": "/f", "handle": 1, "offset": 0, "data": "aGVsbG8"}),
    ("chmod", {"path": "/f"}),
]

RESULTS = {
    "attr": REG,
    "root": DIR,
    "readdir": {"entries": [{"name": "hello.txt", "attr": REG},
                            {"name": "sub", "attr": DIR},
                            {"name": "link", "attr": LNK},
                            {"name": "caf\u00e9", "attr": CHR}]},
    "open": {"handle": 7},
    "create": {"handle": 7, "attr": REG},
    "write": {"size": 6},
    "readlink": {"target": "../target/x"},
    "statfs": {"bsize": 4096, "frsize": 4096, "blocks": 1000, "bfree": 500,
               "bavail": 400, "files": 100, "ffree": 50, "namemax": 255},
    "listxattr": {"names": ["user.a", "user.b", "trusted.overlay.opaque"]},
    "empty": {},
}

INVALID_RESULTS = {
    "attr": [{"type": "door", "mode": 420}, {"type": "reg", "mode": 4096},
             {"type": "reg", "mode": 420, "size": -1},
             {"type": "reg", "mode": 420, "uid": 4294967295},
             {"type": "reg", "mode": 420, "mtime_ns": 1000000000},
             {"type": "reg", "mode": 420, "size": 1.5}, {"mode": 420}],
    "readdir": [{"entries": [{"name": ".", "attr": DIR}]},
                {"entries": [{"name": "a", "attr": REG},
                             {"name": "a", "attr": REG}]},
                {"entries": [{"name": "a/b", "attr": REG}]},
                {"entries": [{"name": "x" * 256, "attr": REG}]},
                {"entries": {}}, {}],
    "open": [{"handle": -1}, {"handle": 9007199254740992}, {}],
    "write": [{"size": 7}, {"size": -1}],
    "readlink": [{"target": ""}, {"target": "a\u0000b"},
                 {"target": "x" * 4096}],
    "statfs": [{"bsize": -1}, {"namemax": 100000}],
    "listxattr": [{"names": ["", "user.a"]}, {"names": "user.a"},
                  {"names": [1]}],
}

ERRORS = [error(0, "ENOENT"), error(0, "EACCES"), error(0, "EWHATEVER"),
          error(0, None), error(0, "ENOSYS", -32601),
          error(0, "EIO", -32602)]


def messages():
    """Every request and answer, valid and not, text and binary: name to
    (bytes, binary)."""
    out = {}
    rid = 1
    for method, variants in PARAMS.items():
        for i, params in enumerate(variants):
            msg = request(rid, method, params)
            data = DATA_PARAMS.get(method)
            out["req-%s-%d" % (method, i)] = (
                text(msg, "params", data), False)
            if data is not None:
                out["req-%s-%d-bin" % (method, i)] = (
                    attach(msg, "params", data), True)
            rid += 1
    for i, (method, params) in enumerate(INVALID_PARAMS):
        out["req-bad-%d-%s" % (i, method)] = (
            dumps(request(rid, method, params)), False)
    for name, res in RESULTS.items():
        out["res-" + name] = (dumps(result(2, res)), False)
    for data_name, data in (("read", CONTENT), ("read-empty", b""),
                            ("getxattr", b"value\x00\xff")):
        msg = result(2, {})
        out["res-" + data_name] = (text(msg, "result", data), False)
        out["res-%s-bin" % data_name] = (attach(msg, "result", data), True)
    for name, variants in INVALID_RESULTS.items():
        for i, res in enumerate(variants):
            out["res-bad-%s-%d" % (name, i)] = (dumps(result(2, res)), False)
    for i, err in enumerate(ERRORS):
        err = dict(err, id=2)
        out["res-error-%d" % i] = (dumps(err), False)
    out["res-null-id"] = (dumps(error(0, None, -32700) | {"id": None}),
                          False)
    out["notification"] = (dumps({"jsonrpc": "2.0", "method": "getattr",
                                  "params": {"path": "/"}}), False)
    return out


# --- message fixtures of test-src/core/fixtures ------------------------------

def fixture(case):
    """The bytes and form of one case of test-src/core/fixtures/message."""
    d = os.path.join(FIXTURES, case)

    def read(name):
        with open(os.path.join(d, name), "rb") as f:
            return f.read()

    if os.path.exists(os.path.join(d, "input")):
        return read("input"), False, d
    if os.path.exists(os.path.join(d, "binary.hex")):
        return bytes.fromhex(read("binary.hex").decode()), True, d
    header = read("header")
    length = len(header)
    if os.path.exists(os.path.join(d, "header_length")):
        length = int(read("header_length"))
    att = b""
    if os.path.exists(os.path.join(d, "attachment.hex")):
        att = bytes.fromhex(read("attachment.hex").decode())
    return struct.pack(">I", length) + header + att, True, d


def fixture_max(d):
    """The flags bits for the "max" of a fixture's expect file."""
    limits = [1 << 20, 0, 1, 6, 64, 65536, 16 << 20]  # fuzz_message.c
    with open(os.path.join(d, "expect")) as f:
        for line in f:
            key, _, value = line.strip().partition(" ")
            if key == "max" and int(value) in limits:
                return limits.index(int(value)) << 1
    return 0


# --- one function per target -------------------------------------------------

def corpus_message():
    seeds = {}
    for case in sorted(os.listdir(FIXTURES)):
        if not os.path.isdir(os.path.join(FIXTURES, case)):
            continue
        data, binary, d = fixture(case)
        seeds["fixture-" + case] = bytes([int(binary) | fixture_max(d)]) + data
    for name, (data, binary) in messages().items():
        seeds[name] = bytes([int(binary)]) + data
    # The example of doc/protocol.md, 9, and a limit of 1 byte.
    seeds["spec-read-max1"] = bytes([1 | 2 << 1]) + attach(
        result(2, {}), "result", CONTENT)
    return seeds


def corpus_objects():
    pick = {"attr": 0, "statfs": 1, "setattr": 2, "open": 3, "access": 4,
            "rename": 5, "fallocate": 6, "xattr": 7, "error": 8,
            "listing": 9, "fields": 10}
    seeds = {}

    def add(kind, name, obj, extra=0):
        seeds["%s-%s" % (kind, name)] = bytes([pick[kind] + extra]) + \
            dumps(obj)

    for i, attr in enumerate([REG, DIR, LNK, CHR, {"type": "blk", "mode": 0,
                              "rdev": 4294967295, "nlink": 4294967295,
                              "ino": 9007199254740991,
                              "size": 9007199254740991,
                              "atime": -9007199254740991,
                              "atime_ns": 999999999}]):
        add("attr", str(i), attr)
    for i, attr in enumerate(INVALID_RESULTS["attr"]):
        add("attr", "bad-%d" % i, attr)
    add("statfs", "full", RESULTS["statfs"])
    add("statfs", "empty", {})
    add("statfs", "bad", {"files": "many"})
    for i, params in enumerate(PARAMS["setattr"] + [
            {"atime": -1, "atime_ns": 999999999, "mtime": "now"},
            {"mode": 4096}, {"uid": 4294967295}, {"atime": "now\u0000x"}]):
        add("setattr", str(i), params)
    for i, params in enumerate(PARAMS["open"] + PARAMS["create"] + [
            {"access": "read", "flags": [1]}, {"access": "readwrite"}]):
        add("open", str(i), params)
    for i, mode in enumerate(["", "r", "rwx", "xwr", "q", "r\u0000w"]):
        add("access", str(i), {"mode": mode})
    for kind, names in (("rename", ["noreplace", "exchange"]),
                        ("fallocate", ["keep_size", "punch_hole",
                                       "zero_range"]),
                        ("xattr", ["create", "replace"])):
        add(kind, "all", {"flags": names})
        add(kind, "none", {})
        add(kind, "unknown", {"flags": names + ["other"]})
        add(kind, "nul", {"flags": [names[0] + "\u0000x"]})
    for i, err in enumerate(ERRORS):
        add("error", str(i), err["error"])
    add("error", "nul", {"code": -32000, "data": {"errno": "ENOENT\u0000"}})
    add("listing", "ok", RESULTS["readdir"], 11 * 4)
    add("listing", "over-max", RESULTS["readdir"], 11 * 2)
    for i, res in enumerate(INVALID_RESULTS["readdir"]):
        add("listing", "bad-%d" % i, res, 11 * 8)
    for i, v in enumerate([0, 9007199254740991, 9007199254740992, -1, 1.0,
                           "/a/b", "/a/../b", True, ["binary"], None]):
        add("fields", str(i), {"v": v})
    return seeds


def corpus_path():
    samples = [b"/", b"/a", b"/a/b.txt", b"/caf\xc3\xa9", b"", b"a", b"/a/",
               b"//", b"/a//b", b"/.", b"/..", b"/a/./b", b"/a/../b",
               b"/...", b"/.hidden", b"/a\x00b", b"/" + b"n" * 255,
               b"/" + b"n" * 256, (b"/" + b"d" * 254) * 16,
               b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
               b"\xf0\x9f\x98\x80", b"\xe2\x82", b"user.x", b"."]
    return {"%02d" % i: s for i, s in enumerate(samples)}


def ws_frame(b0, payload):
    """A frame as a service sends it: unmasked, @b0 = FIN, RSV, opcode."""
    n = len(payload)
    if n < 126:
        head = bytes([b0, n])
    elif n <= 0xFFFF:
        head = bytes([b0, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([b0, 127]) + n.to_bytes(8, "big")
    return head + payload


def corpus_wsreader():
    text = b'{"jsonrpc":"2.0","id":1,"method":"getattr","params":{"path":"/"}}'
    streams = [
        ws_frame(0x81, text),
        ws_frame(0x82, b"\0\0\0\2{}" + bytes(300)),
        ws_frame(0x82, bytes(70000)),
        ws_frame(0x01, text[:9]) + ws_frame(0x89, b"ping") +
        ws_frame(0x00, text[9:20]) + ws_frame(0x80, text[20:]),
        ws_frame(0x8A, b"") + ws_frame(0x88, b"\x0f\xa1replaced"),
        ws_frame(0x81, b"") * 3,
        bytes([0x82, 0x81, 1, 2, 3, 4, 0]),
        bytes([0x82, 127]) + (1 << 40).to_bytes(8, "big"),
    ]
    seeds = {}
    for i, stream in enumerate(streams):
        for step in (0, 6):
            seeds["%02d-%d" % (i, step)] = bytes([step]) + stream
    return seeds


def corpus_docroot():
    samples = [b"/", b"/index.html", b"/app/", b"/app/main.mjs",
               b"/lib/codec.wasm", b"/.git/config", b"/a/../etc/passwd",
               b"//etc/passwd", b"/a/.hidden/x", b"/x\x00y",
               b"/" + b"d" * 4094, b"/" + b"e" * 4095, b"noslash"]
    return {"%02d" % i: s for i, s in enumerate(samples)}


def corpus_provider_request():
    seeds = {}
    for name, (data, binary) in messages().items():
        if not name.startswith("req-"):
            continue
        # Binary agreed and used, or text without the feature.
        seeds[name] = bytes([0, 5 if binary else 0]) + data
    for behaviour in ("fail", "short", "bogus", "sparse", "names", "huge"):
        for method in ("getattr", "readdir", "open", "read", "readlink",
                       "create", "write", "getxattr", "listxattr"):
            data, binary = messages()["req-%s-0" % method]
            seeds["%s-%s" % (behaviour, method)] = bytes(
                [PF[behaviour], 1]) + data
    # Small limits (terms bit 1): listings, reads and messages above them.
    for method in ("readdir", "read", "getxattr", "listxattr"):
        data, _ = messages()["req-%s-0" % method]
        seeds["small-" + method] = bytes([PF["names"], 3]) + data
    return seeds


def hello_result(rid=1, **extra):
    res = {"protocol": 1, "features": ["binary"], "agent": "webfused/0.1",
           "authenticate": False,
           "limits": {"max_message": 16777216, "max_read": 1048576,
                      "max_write": 1048576, "max_pending": 256,
                      "max_entries": 100000, "max_path": 4095,
                      "max_name": 255}}
    res.update(extra)
    return result(rid, res)


def proof():
    return hmac.new(SECRET, b"webfuse-device-proof:" + CHALLENGE.encode(),
                    hashlib.sha256).hexdigest()


def chunks(*parts):
    return SEP.join(parts)


def msg(obj, binary_data=None, holder="result"):
    if binary_data is not None:
        return b"\x01" + attach(obj, holder, binary_data)
    return b"\x00" + dumps(obj)


def corpus_provider_session():
    # Settings: SET_BINARY 1, SET_NAME 2, SET_TOKEN 4, SET_SECRET 8.
    attached = [msg(hello_result()), msg(result(2, {"name": "fuzz"}))]
    reqs = []
    for method in PARAMS:
        params = PARAMS[method][0]
        data = DATA_PARAMS.get(method)
        obj = request(10 + len(reqs), method, params)
        reqs.append(msg(obj, data, "params") if data else msg(obj))
    reqs.append(b"\x00" + text(request(99, "write", PARAMS["write"][0]),
                               "params", CONTENT))
    seeds = {
        "attach-then-every-method": bytes([1, 0]) + chunks(*attached, *reqs),
        "attach-text-only": bytes([2, 0]) + chunks(*attached, *reqs[:6]),
        "authenticate": bytes([5, 0]) + chunks(
            msg(hello_result(authenticate=True)),
            msg(result(3, {})), msg(result(2, {"name": ""})), reqs[3]),
        "authenticate-refused": bytes([4, 0]) + chunks(
            msg(hello_result(authenticate=True)),
            msg(error(3, "EACCES"))),
        "proof": bytes([9, 0]) + chunks(
            msg(hello_result(proof=proof())),
            msg(result(2, {"name": ""})), reqs[0]),
        "proof-wrong": bytes([8, 0]) + chunks(
            msg(hello_result(proof="0" * 64))),
        "hello-refused": bytes([0, 0]) + chunks(
            msg(error(1, "EPROTONOSUPPORT"))),
        "hello-bad-limits": bytes([0, 0]) + chunks(
            msg(hello_result(limits={"max_read": 0}))),
        "small-limits": bytes([1, PF["names"]]) + chunks(
            msg(hello_result(limits={"max_message": 300, "max_read": 10,
                                     "max_write": 10, "max_entries": 2})),
            msg(result(2, {})), *reqs),
        "request-before-attach": bytes([0, 0]) + chunks(reqs[0], reqs[3]),
        "garbage": bytes([0, 0]) + chunks(b"\x00{", b"\x00[]",
                                          b"\x01\x00\x00"),
    }
    for behaviour in ("fail", "short", "bogus", "sparse", "huge"):
        seeds["behaviour-" + behaviour] = bytes([1, PF[behaviour]]) + \
            chunks(*attached, *reqs)
    return seeds


def op(name, *knobs, flags=0):
    k = list(knobs) + [0] * (4 - len(knobs))
    return bytes([DH_OPS.index(name) | flags] + k)


def answer(obj, data=None):
    """An answer chunk of fuzz_daemon_answer: mode byte and message."""
    if data is None:
        return b"\x00" + dumps(obj)
    return b"\x04" + attach(obj, "result", data)


def daemon_cases():
    """Kernel request (op bytes) and the answers to its calls (chunks of
    fuzz_daemon_answer), for every method."""
    return {
        # Node knob 1 picks "file" (the nodes are root, file, dir).
        "lookup": (op("lookup", 0, 0), [answer(result(1, REG))]),
        "getattr-root": (op("getattr", 0), [answer(result(1, DIR))]),
        "getattr-root-not-dir": (op("getattr", 0), [answer(result(1, REG))]),
        "getattr-fh": (op("getattr", 1, 0, flags=DH_WITH_FI),
                       [answer(result(1, REG))]),
        "setattr": (op("setattr", 1, 0x3f, 7, 9), [answer(result(1, REG))]),
        "readlink": (op("readlink", 1),
                     [answer(result(1, RESULTS["readlink"]))]),
        "access": (op("access", 1, 7), [answer(result(1, {}))]),
        "statfs": (op("statfs", 0), [answer(result(1, RESULTS["statfs"]))]),
        "mkdir": (op("mkdir", 0, 2, 1, 0xed), [answer(result(1, DIR))]),
        "mknod": (op("mknod", 0, 2, 3, 1), [answer(result(1, CHR))]),
        "symlink": (op("symlink", 0, 2, 1), [answer(result(1, LNK))]),
        "link": (op("link", 1, 2, 0), [answer(result(1, REG))]),
        "unlink": (op("unlink", 0, 0), [answer(result(1, {}))]),
        "rmdir": (op("rmdir", 0, 1), [answer(result(1, {}))]),
        "rename": (op("rename", 0, 0, 0, 0x0a),
                   [answer(result(1, {}))]),
        "open": (op("open", 1, 2), [answer(result(1, {"handle": 7}))]),
        "open-failed-reply": (op("open", 1, 2, flags=DH_FAIL_REPLY),
                              [answer(result(1, {"handle": 7})),
                               answer(result(2, {}))]),
        "create": (op("create", 0, 2, 1, 0xa4),
                   [answer(result(1, RESULTS["create"]))]),
        "create-failed-reply": (op("create", 0, 2, 1, 0xa4,
                                   flags=DH_FAIL_REPLY),
                                [answer(result(1, RESULTS["create"])),
                                 answer(result(2, {}))]),
        "read-text": (op("read", 0, 16, 0),
                      [b"\x00" + text(result(1, {}), "result", CONTENT)]),
        "read-binary": (op("read", 0, 16, 0),
                        [answer(result(1, {}), CONTENT)]),
        "read-too-much": (op("read", 0, 0, 0),
                          [answer(result(1, {}), CONTENT)]),
        "read-stale-reopen": (op("read", 0, 16, 0, flags=DH_STALE),
                              [answer(result(1, {"handle": 9})),
                               answer(result(2, {}), CONTENT)]),
        "read-timeout": (op("read", 0, 16), [b"\x01"]),
        "write": (op("write", 0, 1, 0), [answer(result(1, {"size": 307}))]),
        "write-stale-reopen": (op("write", 0, 1, 0, flags=DH_STALE),
                               [answer(result(1, {"handle": 9})),
                                answer(result(2, {"size": 307}))]),
        "flush": (op("flush", 0), [answer(result(1, {}))]),
        "fsync": (op("fsync", 0, 1), [answer(result(1, {}))]),
        "fallocate": (op("fallocate", 0, 2, 0, 1), [answer(result(1, {}))]),
        "release": (op("release", 0), [answer(result(1, {}))]),
        # Knobs: node, readdir size, offset, readdirplus size.
        "opendir": (op("opendir", 0, 63, 0, 63),
                    [answer(result(1, RESULTS["readdir"]))]),
        "opendir-small-buffers": (op("opendir", 2, 3, 2, 5),
                                  [answer(result(1, RESULTS["readdir"]))]),
        "fsyncdir": (op("fsyncdir", 0, 1), [answer(result(1, {}))]),
        "getxattr": (op("getxattr", 1, 0, 4),
                     [answer(result(1, {}), b"value")]),
        "getxattr-size": (op("getxattr", 1, 0, 0),
                          [b"\x00" + text(result(1, {}), "result",
                                          b"value")]),
        "getxattr-range": (op("getxattr", 1, 0, 1),
                           [answer(result(1, {}), b"v" * 100)]),
        "listxattr": (op("listxattr", 1, 0, 4),
                      [answer(result(1, RESULTS["listxattr"]))]),
        "setxattr": (op("setxattr", 1, 0, 1, 1), [answer(result(1, {}))]),
        "removexattr": (op("removexattr", 1, 0), [answer(result(1, {}))]),
        "forget": (op("forget", 1, 0), []),
    }


def corpus_daemon_answer():
    seeds = {}
    for name, (ops, answers) in daemon_cases().items():
        seeds[name] = ops + chunks(*answers)
    for i, err in enumerate(ERRORS):
        seeds["error-%d" % i] = op("getattr", 1) + answer(
            dict(err, id=1))
    # Answers the daemon must refuse, for the method each fits.
    refused = {"attr": "lookup", "readdir": "opendir", "open": "open",
               "write": "write", "readlink": "readlink", "statfs": "statfs",
               "listxattr": "listxattr"}
    for kind, method in refused.items():
        for i, res in enumerate(INVALID_RESULTS[kind]):
            knobs = (0, 0) if method == "write" else (1, 0, 4)
            seeds["refused-%s-%d" % (kind, i)] = op(method, *knobs) + \
                answer(result(1, res))
    seeds["refused-read-base64"] = op("read", 0, 16) + b"\x00" + \
        dumps(result(1, {"data": "aGVsbG8"}))
    seeds["interrupted"] = op("getattr", 1) + b"\x03" + SEP + \
        answer(result(1, REG))
    return seeds


def step(mode, payload):
    return bytes([mode]) + payload


def corpus_daemon_session():
    # Settings: AUTH_REQUIRED 1, AUTH_ASYNC 2, header 4 * n, AUTH_SECRET 16.
    hello = step(0, dumps(request(1, "hello", {
        "protocol": 1, "features": ["binary"], "agent": "fuzz"})))
    hello_text = step(0, dumps(request(1, "hello", {"protocol": 1})))
    add = step(0, dumps(request(2, "add_filesystem", {})))
    auth = step(0, dumps(request(3, "authenticate", {
        "type": "token", "token": GOOD_TOKEN})))

    def kernel(name, *knobs, flags=0):
        return step(2, op(name, *knobs, flags=flags))

    def ans(rid, res, data=None, pieces=1):
        mode = (pieces - 1) << 2
        if data is None:
            return step(mode, dumps(result(rid, res)))
        return step(mode | 1, attach(result(rid, res), "result", data))

    seeds = {
        "attach-getattr": b"\x00" + chunks(
            hello, add, kernel("getattr", 1), ans(1, REG)),
        "attach-read-binary": b"\x00" + chunks(
            hello, add, kernel("open", 1, 2), ans(1, {"handle": 7}),
            kernel("read", 0, 16), ans(2, {}, CONTENT)),
        "attach-read-fragments": b"\x00" + chunks(
            hello, add, kernel("read", 0, 16),
            ans(1, {}, CONTENT, pieces=4)),
        "one-frame-in-pieces": b"\x00" + chunks(
            hello, step(0x2c, dumps(request(2, "add_filesystem", {})))),
        "write-text": b"\x00" + chunks(
            hello_text, add, kernel("write", 0, 1), ans(1, {"size": 307})),
        "opendir-readdirplus": b"\x00" + chunks(
            hello, add, kernel("opendir", 0), ans(1, RESULTS["readdir"]),
            kernel("readdirplus", 0, 63), kernel("releasedir", 0)),
        "pending-over-max": b"\x00" + chunks(
            hello, add, *[kernel("getattr", i) for i in range(6)],
            *[ans(i, REG) for i in range(6, 0, -1)]),
        "timeout": b"\x00" + chunks(
            hello, add, kernel("read", 0, 16), step(3, b"\x00"),
            kernel("read", 0, 16), ans(1, {}, CONTENT)),
        "interrupt": b"\x00" + chunks(
            hello, add, kernel("getattr", 1), step(3, b"\x00"),
            step(3, b"\x00"), ans(1, REG)),
        "reconnect": b"\x00" + chunks(
            hello, add, kernel("open", 1, 2), ans(1, {"handle": 7}),
            step(0, b"not json"), hello, add, kernel("read", 0, 16),
            ans(1, {"handle": 8}), ans(2, {}, CONTENT)),
        "no-provider": b"\x00" + chunks(
            kernel("getattr", 0), kernel("opendir", 0),
            kernel("readdir", 0, 63), kernel("statfs", 0),
            kernel("lookup", 0, 0), kernel("getxattr", 0, 0, 0)),
        "authenticate": b"\x01" + chunks(hello, auth, add,
                                         kernel("getattr", 1), ans(1, REG)),
        "authenticate-async": b"\x03" + chunks(hello, auth, step(3, b"\x01"),
                                               add),
        "authenticate-async-close": b"\x03" + chunks(hello, auth),
        "authenticate-header": b"\x05" + chunks(hello, add),
        "authenticate-header-async": b"\x07" + chunks(hello, step(3, b"\x01"),
                                                      add),
        "authenticate-wrong": b"\x09" + chunks(hello, auth, add),
        "add-before-auth": b"\x01" + chunks(hello, add),
        "challenge": b"\x11" + chunks(step(0, dumps(request(1, "hello", {
            "protocol": 1, "challenge": CHALLENGE}))), auth, add),
        "challenge-invalid": b"\x10" + chunks(step(0, dumps(request(
            1, "hello", {"protocol": 1, "challenge": "XYZ"})))),
        "hello-twice": b"\x00" + chunks(hello, hello, add, add),
        "hello-bad-version": b"\x00" + chunks(step(0, dumps(request(
            1, "hello", {"protocol": 2})))),
        "unknown-method": b"\x00" + chunks(step(0, dumps(request(
            1, "frobnicate", {})))),
        "binary-not-agreed": b"\x00" + chunks(hello_text, add,
                                              kernel("read", 0, 16),
                                              ans(1, {}, CONTENT)),
        "unknown-answer": b"\x00" + chunks(hello, add, ans(77, REG),
                                           step(0, dumps(error(0, None,
                                                               -32700) |
                                                         {"id": None}))),
    }
    # Every method of fuzz_daemon_answer once more, on an attached session:
    # its calls get ids from 1.
    for name, (ops, answers) in daemon_cases().items():
        steps = [hello, add, step(2, ops)]
        if name.startswith("opendir"):
            steps += [kernel("readdirplus", 0, 63), kernel("releasedir", 0)]
        steps[3:3] = [bytes([1 if a[0] & 4 else a[0]]) + a[1:]
                      for a in answers]
        seeds["method-" + name] = b"\x00" + chunks(*steps)
    return seeds


TARGETS = {
    "fuzz_message": corpus_message,
    "fuzz_objects": corpus_objects,
    "fuzz_path": corpus_path,
    "fuzz_wsreader": corpus_wsreader,
    "fuzz_docroot": corpus_docroot,
    "fuzz_provider_request": corpus_provider_request,
    "fuzz_provider_session": corpus_provider_session,
    "fuzz_daemon_answer": corpus_daemon_answer,
    "fuzz_daemon_session": corpus_daemon_session,
}


def main():
    clean = "--clean" in sys.argv[1:]
    total = 0
    for target, make in TARGETS.items():
        d = os.path.join(CORPUS, target)
        if clean and os.path.isdir(d):
            shutil.rmtree(d)
        os.makedirs(d, exist_ok=True)
        for name, data in make().items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
            total += 1
    print("make_corpus.py: %d seeds in %s" % (total,
                                               os.path.relpath(CORPUS, TOP)))


if __name__ == "__main__":
    main()
