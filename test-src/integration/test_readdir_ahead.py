#!/usr/bin/env python3
# Integration: listings of subdirectories are fetched before they are opened.
"""When the kernel opens a directory, webfused asks the provider for the
listings of its subdirectories too (src/daemon/ahead.h). With a scripted
provider (fakeprovider.py) the tests see which listings are asked, in what
order and how often: a walk asks each directory once, in name order; an
opendir whose listing is on its way waits for it; the bounds hold; cache
time 0 turns it off. With the real provider they check that a listing
fetched ahead never hides a change made through the mount, and that a
change made in the lent directory shows once the cache time is over."""

import errno
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakeprovider  # noqa: E402
import harness  # noqa: E402

# Seconds any single filesystem call through the mount may take at most.
CALL_TIMEOUT = 15
# Seconds a fake provider loop runs at most.
SERVE_SECONDS = 50
# The daemon's bounds (src/daemon/ahead.c).
AHEAD_LISTINGS = 16
# A cache time long enough that nothing fetched ahead expires in a test.
LONG_CACHE = ["--attr-timeout", "30", "--entry-timeout", "30"]


def fs_call(fn, *args):
    """@fn(*args) through the mount, bounded in time."""
    return harness.call(fn, *args, timeout=CALL_TIMEOUT,
                        what="%s%r" % (fn.__name__, args))


def fake_attached(wf, tree):
    """A fake provider attached to @wf's daemon, serving @tree."""
    return fakeprovider.attached(wf.port, tree, seconds=SERVE_SECONDS)


def walk_tree(top, count):
    """/top with @count subdirectories d00.. (each holding one file f of
    NN bytes) plus one file."""
    files = {"/%s/file" % top: b"top"}
    dirs = {"/" + top}
    for i in range(count):
        d = "/%s/d%02d" % (top, i)
        dirs.add(d)
        files[d + "/f"] = b"x" * i
    return fakeprovider.Tree(files, dirs)


def listings_asked(tree, prefix):
    """The paths of the readdir requests under @prefix, in order."""
    with tree.lock:
        return [p for m, p in tree.seen
                if m == "readdir" and p.startswith(prefix)]


def walk_asks_once():
    tree = walk_tree("w", 6)
    subdirs = ["/w/d%02d" % i for i in range(6)]
    with harness.Webfuse("ahead-walk") as wf:
        wf.start_daemon(LONG_CACHE)
        with fake_attached(wf, tree):
            names = fs_call(os.listdir, wf.path("w"))
            assert sorted(names) == ["d%02d" % i for i in range(6)] + \
                ["file"], names
            # Nothing opened them yet: they are asked ahead, in name order.
            harness.wait_for(
                lambda: len(listings_asked(tree, "/w/")) == 6, 10,
                "the six listings asked ahead")
            asked = listings_asked(tree, "/w/")
            assert asked == subdirs, asked
            time.sleep(0.2)
            for i, d in enumerate(subdirs):
                path = wf.path(d[1:])
                assert fs_call(os.listdir, path) == ["f"], d
                size = fs_call(os.lstat, os.path.join(path, "f")).st_size
                assert size == i, "%s/f: %d bytes, expected %d" % (d, size, i)
            # The walk cost no round trip of its own.
            asked = listings_asked(tree, "/w/")
            assert asked == subdirs, "listings asked again: %r" % asked


def opendir_waits():
    tree = walk_tree("s", 2)
    delay = 0.6

    def slow(provider, req):  # answers later, from another thread
        entries = tree.entries("/s/d00")
        t = threading.Timer(delay, provider.answer,
                            (req.id, {"entries": entries}))
        t.daemon = True
        t.start()

    tree.special[("readdir", "/s/d00")] = slow
    with harness.Webfuse("ahead-wait") as wf:
        wf.start_daemon(LONG_CACHE)
        with fake_attached(wf, tree):
            fs_call(os.listdir, wf.path("s"))
            t0 = time.monotonic()
            names = fs_call(os.listdir, wf.path("s/d00"))
            waited = time.monotonic() - t0
            assert names == ["f"], names
            count = tree.count("readdir", "/s/d00")
            assert count == 1, "/s/d00 listed %d times" % count
            harness.log("the opendir waited %.2f s for the listing asked "
                        "ahead" % waited)
            assert waited < delay + 5, "waited %.1f s" % waited


def provider_leaves():
    tree = walk_tree("s", 2)
    tree.special[("readdir", "/s/d00")] = lambda p, r: None  # no answer
    # A call timeout far above the time allowed, to tell a hang apart.
    with harness.Webfuse("ahead-leave", timeout=60) as wf:
        wf.start_daemon(LONG_CACHE)
        with fake_attached(wf, tree) as (provider, serving):
            fs_call(os.listdir, wf.path("s"))
            harness.wait_for(lambda: tree.count("readdir", "/s/d00") == 1,
                             10, "the listing of /s/d00 asked ahead")
            outcome = {}

            def opendir():
                t0 = time.monotonic()
                try:
                    os.listdir(wf.path("s/d00"))
                    outcome["error"] = None
                except OSError as e:
                    outcome["error"] = e.errno
                outcome["seconds"] = time.monotonic() - t0

            waiting = threading.Thread(target=opendir, daemon=True)
            waiting.start()
            time.sleep(0.5)
            assert waiting.is_alive(), "opendir did not wait: %r" % outcome
            serving.stop()
            provider.close()
            waiting.join(10)
            assert not waiting.is_alive(), \
                "opendir still waits after the provider left"
            count = tree.count("readdir", "/s/d00")
            assert count == 1, "/s/d00 asked %d times: the opendir did " \
                "not wait for the listing asked ahead" % count
        assert outcome["error"] == errno.EIO, outcome
        harness.log("opendir failed %s after %.2f s, when the provider "
                    "left" % (errno.errorcode[outcome["error"]],
                              outcome["seconds"]))
        assert wf.daemon.alive(), wf.daemon.output()
        tree.special.clear()
        with fake_attached(wf, tree):
            harness.wait_for(
                lambda: os.path.isdir(wf.path("s")), 10,
                "the mount to serve a new provider")
            assert fs_call(os.listdir, wf.path("s/d00")) == ["f"]


def bounded():
    tree = walk_tree("b", 40)
    with harness.Webfuse("ahead-bounds") as wf:
        wf.start_daemon(LONG_CACHE)
        with fake_attached(wf, tree):
            fs_call(os.listdir, wf.path("b"))
            harness.wait_for(
                lambda: len(listings_asked(tree, "/b/")) >= AHEAD_LISTINGS,
                10, "%d listings asked ahead" % AHEAD_LISTINGS)
            time.sleep(0.5)
            asked = listings_asked(tree, "/b/")
            assert asked == ["/b/d%02d" % i for i in range(AHEAD_LISTINGS)], \
                "asked ahead: %r" % asked
            # Opening one makes room for the next in line.
            assert fs_call(os.listdir, wf.path("b/d00")) == ["f"]
            harness.wait_for(
                lambda: len(listings_asked(tree, "/b/")) ==
                AHEAD_LISTINGS + 1, 10, "one more listing asked")
            time.sleep(0.3)
            asked = listings_asked(tree, "/b/")
            assert asked[-1] == "/b/d%02d" % AHEAD_LISTINGS, asked
            assert len(asked) == AHEAD_LISTINGS + 1, asked


def off_without_cache():
    tree = walk_tree("z", 3)
    with harness.Webfuse("ahead-off") as wf:
        wf.start_daemon(["--attr-timeout", "0", "--entry-timeout", "0"])
        with fake_attached(wf, tree):
            fs_call(os.listdir, wf.path("z"))
            time.sleep(0.5)
            asked = listings_asked(tree, "/z/")
            assert asked == [], "asked ahead without a cache time: %r" % asked
            assert fs_call(os.listdir, wf.path("z/d01")) == ["f"]


# --- with the real provider --------------------------------------------------

def snapshot(path):
    """Name -> (mode, size, nlink) of what @path lists, not following
    links."""
    out = {}
    for name in fs_call(os.listdir, path):
        st = fs_call(os.lstat, os.path.join(path, name))
        out[name] = (st.st_mode, st.st_size, st.st_nlink)
    return out


# Files the changes leave open, closed at the end of the test.
KEPT_OPEN = []

# Each changes directory @path (with file old, 5 bytes, and folder sub).
CHANGES = [
    ("create", lambda p: open(os.path.join(p, "new"), "w").close()),
    ("append", lambda p: open(os.path.join(p, "old"), "a").write("more")),
    ("truncate", lambda p: os.truncate(os.path.join(p, "old"), 1)),
    # Still open while the folder is listed: no flush has come yet.
    ("O_TRUNC", lambda p: KEPT_OPEN.append(
        os.open(os.path.join(p, "old"), os.O_WRONLY | os.O_TRUNC))),
    ("unlink", lambda p: os.unlink(os.path.join(p, "old"))),
    ("rename", lambda p: os.rename(os.path.join(p, "old"),
                                   os.path.join(p, "renamed"))),
    ("mkdir", lambda p: os.mkdir(os.path.join(p, "made"))),
    ("rmdir", lambda p: os.rmdir(os.path.join(p, "sub"))),
    ("chmod", lambda p: os.chmod(os.path.join(p, "old"), 0o600)),
    ("symlink", lambda p: os.symlink("old", os.path.join(p, "link"))),
    ("link", lambda p: os.link(os.path.join(p, "old"),
                               os.path.join(p, "hard"))),
]


def changes_through_mount():
    with harness.Webfuse("ahead-changes") as wf:
        top = os.path.join(wf.src, "top")
        for name, _ in CHANGES:
            d = os.path.join(top, name)
            os.makedirs(os.path.join(d, "sub"))
            with open(os.path.join(d, "old"), "w") as f:
                f.write("hello")
        wf.start_daemon(LONG_CACHE)
        wf.start_provider(probe="top")
        hidden = []
        try:
            check_changes(wf, top, hidden)
        finally:
            while KEPT_OPEN:
                os.close(KEPT_OPEN.pop())
        assert not hidden, "\n".join(hidden)


def check_changes(wf, top, hidden):
    """Each change of CHANGES right after listings were fetched ahead; what
    the mount then lists must be what the lent folder holds, else it is
    added to @hidden."""
    for name, change in CHANGES:
        mounted = wf.path(os.path.join("top", name))
        lent = os.path.join(top, name)
        # Listing top asks for the listings of its folders ahead.
        fs_call(os.listdir, wf.path("top"))
        time.sleep(0.3)
        harness.call(change, mounted, timeout=CALL_TIMEOUT, what=name)
        seen, truth = snapshot(mounted), snapshot(lent)
        if seen != truth:
            hidden.append("after %s: the mount lists %r, the lent "
                          "folder %r" % (name, seen, truth))


def changes_in_lent_folder():
    cache = 0.5
    with harness.Webfuse("ahead-expiry") as wf:
        for i in range(3):
            os.makedirs(os.path.join(wf.src, "top", "d%d" % i))
        wf.start_daemon(["--attr-timeout", str(cache),
                         "--entry-timeout", str(cache)])
        wf.start_provider(probe="top")
        fs_call(os.listdir, wf.path("top"))
        time.sleep(0.1)
        open(os.path.join(wf.src, "top", "d1", "new"), "w").close()
        time.sleep(cache + 0.2)
        names = fs_call(os.listdir, wf.path("top/d1"))
        assert names == ["new"], "a change in the lent folder still hidden " \
            "after the cache time: %r" % names


harness.run([
    ("a walk asks each listing once, ahead, in name order", walk_asks_once),
    ("an opendir waits for the listing on its way", opendir_waits),
    ("an opendir waiting for a listing fails when the provider leaves",
     provider_leaves),
    ("listings asked ahead are bounded", bounded),
    ("cache time 0: nothing is asked ahead", off_without_cache),
    ("no change through the mount is hidden", changes_through_mount),
    ("a change in the lent folder shows after the cache time",
     changes_in_lent_folder),
], watchdog=200)
