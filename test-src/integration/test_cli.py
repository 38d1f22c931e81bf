#!/usr/bin/env python3
# Integration: command line refusals and --help of webfused and the provider.
import os
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def run(argv, timeout=15):
    """Runs a program to its end (bounded); returns (rc, stdout, stderr).
    A program still running after @timeout is killed and fails the case."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         preexec_fn=harness._die_with_parent)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate(timeout=10)
        raise AssertionError("%s did not exit within %ss" % (
            " ".join(argv), timeout))
    return p.returncode, out.decode("utf-8", "replace"), \
        err.decode("utf-8", "replace")


def check_refusal(argv, keywords, what):
    """@argv must exit non-zero, print nothing on stdout and give its
    reason in one line on stderr, mentioning one of @keywords; at most a
    second line may point to --help."""
    rc, out, err = run(argv)
    lines = [line for line in err.splitlines() if line.strip()]
    harness.log("%s: rc %d, stderr %r" % (what, rc, err))
    assert rc != 0, "%s: exit code 0" % what
    assert lines, "%s: nothing on stderr" % what
    assert len(lines) == 1 or (len(lines) == 2 and "--help" in lines[1]), \
        "%s: reason is not one line: %r" % (what, err)
    assert any(k.lower() in lines[0].lower() for k in keywords), \
        "%s: reason %r names none of %s" % (what, lines[0], keywords)
    assert out == "", "%s: wrote to stdout: %r" % (what, out)
    # Usage must not be dumped on an error.
    assert len(err) < 300, "%s: %d bytes on stderr" % (what, len(err))


def check_help(argv, options, what):
    rc, out, err = run(argv)
    assert rc == 0, "%s --help: exit code %d" % (what, rc)
    text = out + err
    for opt in options:
        assert opt in text, "%s --help does not mention %s" % (what, opt)


def daemon_cli():
    exe = harness.binary("WEBFUSED")
    tmp = tempfile.mkdtemp(prefix=harness.tmp_prefix() + "cli-")
    try:
        afile = os.path.join(tmp, "file")
        with open(afile, "w") as f:
            f.write("x")
        missing = os.path.join(tmp, "missing")
        port = str(harness.free_port())
        check_refusal([exe], ["mountpoint", "-m"], "no arguments")
        check_refusal([exe, "--port", port], ["mountpoint", "-m"],
                      "missing mountpoint")
        check_refusal([exe, "-m", tmp, "--port", port],
                      ["--token-file", "--no-auth"], "no authentication")
        check_refusal([exe, "-m", tmp, "--port", port, "--no-auth",
                       "--token-file", afile],
                      ["choose one"], "two authentications")
        check_refusal([exe, "-m", afile, "--port", port, "--no-auth"],
                      ["director", afile], "mountpoint is a file")
        check_refusal([exe, "-m", missing, "--port", port, "--no-auth"],
                      ["exist", "no such", missing], "missing directory")
        check_refusal([exe, "-m", tmp, "--port", port, "--bogus-option"],
                      ["--bogus-option"],
                      "unknown option")
        check_refusal([exe, "-m", tmp, "--port", "abc"], ["port", "abc"],
                      "port not a number")
        check_refusal([exe, "-m", tmp, "--port", "70000"], ["port", "70000"],
                      "port out of range")
        check_refusal([exe, "-m", tmp, "--timeout", "-1", "--port", port],
                      ["timeout", "-1"], "negative timeout")
        check_refusal([exe, "-m", tmp, "--attr-timeout", "-1", "--port",
                       port], ["--attr-timeout", "-1"], "negative cache time")
        check_refusal([exe, "-m", tmp, "--entry-timeout", "1h", "--port",
                       port], ["--entry-timeout", "1h"],
                      "cache time not a number")
        check_refusal([exe, "-m", tmp, "--max-write-behind", "2G", "--port",
                       port], ["--max-write-behind", "2G"],
                      "write-behind out of range")
        check_refusal([exe, "-m", tmp, "--busy-poll", "10001", "--port",
                       port], ["--busy-poll", "10001", "0 to 10000"],
                      "busy-poll out of range")
        check_refusal([exe, "-m", tmp, "--busy-poll", "5ms", "--port",
                       port], ["--busy-poll", "5ms"],
                      "busy-poll not a number")
        check_refusal([exe, "-m", tmp, "--port"], ["port", "value",
                                                   "argument"],
                      "option without its value")
        check_refusal([exe, "-m", tmp, "--port", port, "extra"], ["extra"],
                      "stray argument")
        # None of these may have left a mount behind.
        assert not any(p.startswith(tmp) for p, _, _ in harness.mounts()), \
            "a refused start left a mount"
        check_help([exe, "--help"], ["-m", "--port", "--bind", "--timeout",
                                     "--attr-timeout", "--entry-timeout",
                                     "--max-write-behind", "--busy-poll",
                                     "--help"],
                   "webfused")
    finally:
        for p, _, _ in harness.mounts():
            if p.startswith(tmp):
                harness.unmount(p)
        shutil.rmtree(tmp, ignore_errors=True)


def provider_cli():
    exe = harness.binary("WEBFUSE_PROVIDER")
    tmp = tempfile.mkdtemp(prefix=harness.tmp_prefix() + "cli-")
    try:
        missing = os.path.join(tmp, "missing")
        # A port nothing listens on, for a URL that is valid.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = "ws://127.0.0.1:%d/" % port
        check_refusal([exe, "-u", url], ["-p", "dir"], "missing DIR")
        check_refusal([exe, "-p", tmp], ["-u", "url"], "missing URL")
        check_refusal([exe, "-u", url, "-p", missing, "--no-reconnect"],
                      [missing, "no such", "exist"], "DIR does not exist")
        for bad in ("http://127.0.0.1:1/", "not a url", "ws://", "ws://:80/",
                    "ws://127.0.0.1:99999/", "ws://127.0.0.1:abc/"):
            check_refusal([exe, "-u", bad, "-p", tmp, "--no-reconnect"],
                          ["url", bad], "bad URL %r" % bad)
        check_refusal([exe, "-u", url, "-p", tmp, "--bogus"], ["--bogus"],
                      "unknown option")
        # Exactly one of -p and --file, and --file names a regular file.
        lent = os.path.join(tmp, "lent.bin")
        open(lent, "w").close()
        os.symlink("lent.bin", os.path.join(tmp, "link"))
        check_refusal([exe, "-u", url], ["-p", "--file"], "nothing to lend")
        check_refusal([exe, "-u", url, "-p", tmp, "--file", lent],
                      ["-p", "--file"], "both -p and --file")
        for bad in (tmp, os.path.join(tmp, "link"),
                    os.path.join(tmp, "missing")):
            check_refusal([exe, "-u", url, "--file", bad, "--no-reconnect"],
                          [bad], "--file %s" % os.path.basename(bad))
        # Valid arguments, nobody listening, no reconnect: fails, bounded.
        rc, _, err = run([exe, "-u", url, "-p", tmp, "--no-reconnect"], 30)
        assert rc != 0, "--no-reconnect with nobody listening exited 0"
        assert err.strip(), "connection failure not reported on stderr"
        check_help([exe, "--help"], ["-u", "-p", "--file", "--read-only", "--cached-writes",
                                     "--base64", "--no-reconnect", "--help"],
                   "webfuse-provider")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


harness.run([("webfused refusals and help", daemon_cli),
             ("webfuse-provider refusals and help", provider_cli)],
            watchdog=200)
