#!/usr/bin/env python3
# Integration: ordinary tools (tar, git, rsync, cp -a, make) in the mount
# give what they give in a local directory.
import hashlib
import os
import random
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ODD_NAMES = ["with space", "new\nline", "tab\there", "\u00fcml\u00e4ut \u2603",
             "n" * 255, "\u00e9" * 127, ".dot", "-dash", "quote\"'"]


def run(argv, cwd=None, timeout=300):
    """Runs a tool; fails with its output if it fails."""
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError("%s exited %d:\n%s" % (
            " ".join(argv), p.returncode,
            p.stdout.decode(errors="replace")[-4000:]))
    return p.stdout.decode(errors="replace")


def make_tree(root, files, seed):
    """A deterministic tree: @files files in nested directories, symlinks,
    hard links and odd names, with varied modes and times."""
    rng = random.Random(seed)
    dirs = [root]
    for i in range(files // 20):
        parent = rng.choice(dirs)
        d = os.path.join(parent, "dir%04d" % i)
        os.mkdir(d)
        dirs.append(d)
    for name in ODD_NAMES:
        d = os.path.join(rng.choice(dirs), name)
        with open(d, "wb") as f:
            f.write(name.encode())
    made = []
    for i in range(files):
        path = os.path.join(rng.choice(dirs), "f%05d.txt" % i)
        with open(path, "wb") as f:
            f.write(rng.randbytes(rng.choice([0, 1, 100, 4096, 5000, 70000])))
        os.chmod(path, rng.choice([0o644, 0o600, 0o755, 0o444]))
        made.append(path)
    for i in range(files // 50):
        target = rng.choice(made)
        os.link(target, os.path.join(rng.choice(dirs), "hard%03d" % i))
        os.symlink(os.path.relpath(target, root),
                   os.path.join(root, "sym%03d" % i))
    os.symlink("dangling/target", os.path.join(root, "dangling"))
    for i, path in enumerate(made):
        os.utime(path, ns=(1600000000000000000 + i, 1600000000000000000 + i))


def snapshot(root):
    """What must match between two copies of a tree: per path its type,
    mode, size, mtime, content and link target, and which paths are hard
    links of each other."""
    entries = {}
    inodes = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            kind = stat.S_IFMT(st.st_mode)
            entry = [kind, stat.S_IMODE(st.st_mode)]
            if stat.S_ISLNK(st.st_mode):
                entry.append(os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    entry.append(hashlib.sha256(f.read()).hexdigest())
                entry += [st.st_size, st.st_mtime_ns, st.st_nlink]
                inodes.setdefault(st.st_ino, []).append(rel)
            entries[rel] = tuple(entry)
    groups = sorted(sorted(g) for g in inodes.values() if len(g) > 1)
    return entries, groups


def assert_same_tree(a, b, what):
    ea, ga = snapshot(a)
    eb, gb = snapshot(b)
    if set(ea) != set(eb):
        raise AssertionError("%s: paths differ: only in first %s, only in "
                             "second %s" % (what, sorted(set(ea) - set(eb))[:5],
                                            sorted(set(eb) - set(ea))[:5]))
    bad = [p for p in ea if ea[p] != eb[p]]
    if bad:
        raise AssertionError("%s: %d entries differ, e.g. %r: %r != %r" % (
            what, len(bad), bad[0], ea[bad[0]], eb[bad[0]]))
    if ga != gb:
        raise AssertionError("%s: hard links differ" % what)
    harness.log("%s: %d entries match" % (what, len(ea)))


def tools(wf):
    local = os.path.join(wf.tmp, "local")
    os.mkdir(local)

    def untar():
        tree = os.path.join(wf.tmp, "tree")
        os.mkdir(tree)
        make_tree(tree, 3000, 1)
        tarball = os.path.join(wf.tmp, "tree.tar")
        run(["tar", "-cf", tarball, "-C", tree, "."])
        os.mkdir(wf.path("untar"))
        os.mkdir(os.path.join(local, "untar"))
        run(["tar", "-xpf", tarball, "-C", wf.path("untar")])
        run(["tar", "-xpf", tarball, "-C", os.path.join(local, "untar")])
        run(["diff", "-r", "--no-dereference", wf.path("untar"),
             os.path.join(local, "untar")])
        assert_same_tree(wf.path("untar"), os.path.join(local, "untar"),
                         "untar")
        assert_same_tree(os.path.join(wf.src, "untar"),
                         os.path.join(local, "untar"), "untar, lent side")
        shutil.rmtree(tree)
    harness.call(untar, timeout=600, what="untar")

    def cp_a():
        run(["cp", "-a", os.path.join(local, "untar"), wf.path("cp")])
        assert_same_tree(wf.path("cp"), os.path.join(local, "untar"),
                         "cp -a in")
        run(["cp", "-a", wf.path("cp"), os.path.join(local, "cp-out")])
        assert_same_tree(os.path.join(local, "cp-out"),
                         os.path.join(local, "untar"), "cp -a out")
    harness.call(cp_a, timeout=600, what="cp -a")

    def rsync():
        src = os.path.join(local, "untar") + "/"
        run(["rsync", "-aH", src, wf.path("rsync")])
        assert_same_tree(wf.path("rsync"), src, "rsync -aH in")
        # A second run finds nothing to do and changes nothing.
        out = run(["rsync", "-aHi", src, wf.path("rsync")])
        assert out.strip() == "", "rsync found changes: %r" % out[:500]
        run(["rsync", "-aH", wf.path("rsync") + "/",
             os.path.join(local, "rsync-out")])
        assert_same_tree(os.path.join(local, "rsync-out"), src,
                         "rsync -aH out")
    harness.call(rsync, timeout=600, what="rsync")

    def git():
        repo = wf.path("repo")
        env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t",
                   GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t",
                   HOME=wf.tmp)
        os.mkdir(repo)

        def g(*args):
            p = subprocess.run(["git", "-C", repo] + list(args), env=env,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=120)
            if p.returncode != 0:
                raise AssertionError("git %s: %s" % (
                    " ".join(args), p.stdout.decode(errors="replace")))
            return p.stdout.decode()
        g("init", "-q")
        for i in range(50):
            with open(os.path.join(repo, "file%d.txt" % i), "w") as f:
                f.write("line %d\n" % i * (i + 1))
        g("add", ".")
        g("commit", "-qm", "first")
        with open(os.path.join(repo, "file1.txt"), "a") as f:
            f.write("more\n")
        os.rename(os.path.join(repo, "file2.txt"),
                  os.path.join(repo, "renamed.txt"))
        g("add", "-A")
        g("commit", "-qm", "second")
        g("gc", "-q")
        g("fsck", "--full", "--strict")
        assert g("status", "--porcelain") == ""
        assert len(g("log", "--oneline").splitlines()) == 2
        run(["git", "clone", "-q", repo, os.path.join(local, "clone")])
        run(["git", "-C", os.path.join(local, "clone"), "fsck", "--full"])
    harness.call(git, timeout=300, what="git")

    def make():
        proj = wf.path("proj")
        os.mkdir(proj)
        with open(os.path.join(proj, "hello.c"), "w") as f:
            f.write('#include <stdio.h>\nint main(void)\n'
                    '{ puts("built in the mount"); return 0; }\n')
        with open(os.path.join(proj, "Makefile"), "w") as f:
            f.write("hello: hello.c\n\tcc -o $@ $<\n")
        assert "cc" in run(["make", "-C", proj])
        assert run([os.path.join(proj, "hello")]) == "built in the mount\n"
        # Up to date: nothing to do; touched: built again.
        assert "up to date" in run(["make", "-C", proj])
        os.utime(os.path.join(proj, "hello.c"))
        assert "cc" in run(["make", "-C", proj])
    harness.call(make, timeout=120, what="make")


def main():
    def case():
        with harness.Webfuse("tools", timeout=30) as wf:
            wf.start_daemon()
            open(os.path.join(wf.src, "probe"), "w").close()
            wf.start_provider(probe="probe")
            tools(wf)
    harness.run([("tar, cp -a, rsync, git, make", case)], watchdog=1500)


main()
