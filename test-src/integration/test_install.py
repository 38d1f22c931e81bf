#!/usr/bin/env python3
# Integration: `cmake --install` lays out a tree that builds and runs.
"""Installs the build tree into a temporary prefix, checks every file of
the layout, then uses the installed tree as a user would: pkg-config finds
the library, example/hello-provider.c is built against it twice (shared,
and statically against libwebfuse-provider.a) and both builds, and the
installed webfuse-provider, serve a real mount of the installed webfused.

Arguments (from CTest): --build DIR (the build tree), --cc COMPILER (the
one CMake uses), --sanitize 0|1 (WF_SANITIZE: its libraries need the
sanitizer runtimes at link time) and --version VERSION (the project's).
"""

import argparse
import contextlib
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

HELLO = b"Hello from a webfuse provider!\n"
HELLO_SRC = os.path.join(harness.TOP, "example", "hello-provider.c")
HEADER = os.path.join(harness.TOP, "include", "webfuse", "provider.h")
DOCS = os.path.join(harness.TOP, "doc")
MAN_PAGES = {"man8": ["webfused.8"],
             "man1": ["webfuse-provider.1", "webfuse-token.1"]}
# Settings that give a service a mount namespace of its own (a FUSE mount
# made there is invisible outside) or close its device policy.
UNIT_FORBIDDEN = ("ProtectSystem", "ProtectHome", "PrivateTmp",
                  "PrivateDevices", "PrivateMounts", "ReadOnlyPaths",
                  "ReadWritePaths", "InaccessiblePaths", "ExecPaths",
                  "NoExecPaths", "TemporaryFileSystem", "BindPaths",
                  "BindReadOnlyPaths", "ProtectKernelTunables",
                  "ProtectKernelModules", "ProtectKernelLogs",
                  "ProtectControlGroups", "ProtectClock", "ProtectProc",
                  "ProcSubset", "RootDirectory", "RootImage", "MountAPIVFS",
                  "PrivateNetwork", "DevicePolicy", "DeviceAllow",
                  "NoNewPrivileges", "RestrictNamespaces")

args = None  # command line
state = {}  # what one case leaves to the next: the env, the paths


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    p.add_argument("--cc", required=True)
    p.add_argument("--sanitize", default="0")
    p.add_argument("--version", required=True)
    a = p.parse_args()
    a.sanitize = a.sanitize.upper() in ("1", "ON", "TRUE", "YES")
    return a


def run(argv, env=None, check=True, timeout=120):
    """Runs @argv to its end; returns its stdout. With @check, a non-zero
    exit fails the test, showing stderr."""
    p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=timeout)
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (
            " ".join(argv), p.returncode, out, err))
    return out if check else (p.returncode, out, err)


def env_with(**extra):
    env = dict(os.environ)
    env.update(extra)
    return env


@contextlib.contextmanager
def environment(**extra):
    """os.environ with @extra while the block runs: children started in it
    (harness.Proc) inherit them, nothing else does."""
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def installed():
    """The paths of the installed tree; fails when the install did."""
    if "prefix" not in state:
        raise AssertionError("nothing installed (the install case failed)")
    return state


def must_exist(path, kind="file", executable=False):
    st = os.lstat(path)
    if kind == "file" and not stat.S_ISREG(st.st_mode):
        raise AssertionError("%s is not a regular file" % path)
    if kind == "link" and not stat.S_ISLNK(st.st_mode):
        raise AssertionError("%s is not a symlink" % path)
    if executable and not os.access(path, os.X_OK):
        raise AssertionError("%s is not executable" % path)


def needed(path):
    """The NEEDED entries of the ELF file @path."""
    out = run(["readelf", "-d", path])
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


# --- Cases --------------------------------------------------------------------

def install():
    wf = state["wf"]
    prefix = os.path.join(wf.tmp, "prefix")
    run(["cmake", "--install", args.build, "--prefix", prefix])
    libs = [d for d in os.listdir(prefix) if d.startswith("lib") and
            os.path.exists(os.path.join(prefix, d,
                                        "libwebfuse-provider.so.0.1.0"))]
    assert len(libs) == 1, "libwebfuse-provider.so.0.1.0 in %s" % libs
    state.update(prefix=prefix, libdir=os.path.join(prefix, libs[0]),
                 sbin=os.path.join(prefix, "sbin"),
                 bin=os.path.join(prefix, "bin"),
                 docdir=os.path.join(prefix, "share", "doc", "webfuse"))
    # DESTDIR stages the same tree beneath it.
    dest = os.path.join(wf.tmp, "destdir")
    run(["cmake", "--install", args.build, "--prefix", "/opt/wf"],
        env=env_with(DESTDIR=dest))
    must_exist(os.path.join(dest, "opt", "wf", "sbin", "webfused"))
    shutil.rmtree(dest)


def layout():
    s = installed()
    prefix, libdir = s["prefix"], s["libdir"]
    expected = set()

    def expect(path, **kw):
        must_exist(path, **kw)
        expected.add(path)

    expect(os.path.join(s["sbin"], "webfused"), executable=True)
    for name in ("webfuse-provider", "webfuse-token"):
        expect(os.path.join(s["bin"], name), executable=True)
    lib = os.path.join(libdir, "libwebfuse-provider")
    expect(lib + ".so.0.1.0")
    expect(lib + ".so.0", kind="link")
    expect(lib + ".so", kind="link")
    assert os.readlink(lib + ".so.0") == "libwebfuse-provider.so.0.1.0"
    assert os.readlink(lib + ".so") == "libwebfuse-provider.so.0"
    expect(lib + ".a")
    expect(os.path.join(libdir, "pkgconfig", "webfuse-provider.pc"))
    header = os.path.join(prefix, "include", "webfuse", "provider.h")
    expect(header)
    with open(header) as f, open(HEADER) as g:
        text = f.read()
        assert text == g.read(), "installed provider.h differs"
    # The public header includes system headers only.
    for inc in re.findall(r"^\s*#\s*include\s*(\S+)", text, re.M):
        assert inc.startswith("<") and "webfuse" not in inc, \
            "provider.h includes %s" % inc
    for section, pages in MAN_PAGES.items():
        for page in pages:
            expect(os.path.join(prefix, "share", "man", section, page))
    unit = os.path.join(prefix, "lib", "systemd", "system",
                        "webfused.service")
    expect(unit)
    check_unit(unit)
    docs = sorted(n for n in os.listdir(DOCS) if n.endswith(".md"))
    assert docs, "no doc/*.md in the source"
    for name in docs:
        expect(os.path.join(s["docdir"], name))
    expect(os.path.join(s["docdir"], "examples", "webfused.json"))
    # Nothing else: no test program, no example, no internal library.
    extra = []
    for root, dirs, files in os.walk(prefix):
        for name in files:
            path = os.path.join(root, name)
            if path not in expected and not path.startswith(
                    s["docdir"] + os.sep):
                extra.append(os.path.relpath(path, prefix))
    assert not extra, "installed but not expected: %s" % extra
    harness.log("%d files where they belong" % len(expected))


def check_unit(unit):
    with open(unit) as f:
        text = f.read()
    settings = [line.split("=", 1) for line in text.splitlines()
                if line and line[0] not in "#;[" and "=" in line]
    keys = {k.strip() for k, _ in settings}
    bad = keys & set(UNIT_FORBIDDEN)
    assert not bad, "webfused.service sets %s" % sorted(bad)
    assert not re.search(r"@\w+@", text), \
        "webfused.service: an unconfigured @VARIABLE@"
    start = [v for k, v in settings if k.strip() == "ExecStart"]
    assert len(start) == 1 and re.fullmatch(
        r"/\S*/sbin/webfused --config /\S*etc/webfuse/webfused\.json",
        start[0].strip()), "ExecStart=%s" % start


def exports():
    s = installed()
    lib = os.path.join(s["libdir"], "libwebfuse-provider.so.0.1.0")
    out = run(["nm", "-D", "--defined-only", lib])
    names = {line.split()[-1] for line in out.splitlines() if line.strip()}
    foreign = sorted(n for n in names if not n.startswith("wfp_"))
    assert not foreign, "exported beyond the wfp_ API: %s" % foreign
    with open(HEADER) as f:
        api = set(re.findall(r"WFP_API[^;(]*?\b(wfp_\w+)\s*\(", f.read()))
    assert names == api, "exported %s, provider.h declares %s" % (
        sorted(names), sorted(api))
    harness.log("exports: %s" % " ".join(sorted(names)))
    assert "libwebfuse-provider.so.0" in run(["readelf", "-d", lib]), \
        "no SONAME libwebfuse-provider.so.0"


def pkg_config(*opts):
    s = installed()
    env = env_with(PKG_CONFIG_PATH=os.path.join(s["libdir"], "pkgconfig"))
    return run(["pkg-config"] + list(opts) + ["webfuse-provider"],
               env=env).split()


def pkgconfig():
    s = installed()
    version = pkg_config("--modversion")
    assert version == [args.version], version
    flags = pkg_config("--cflags", "--libs")
    harness.log("pkg-config --cflags --libs: %s" % " ".join(flags))
    incs = [os.path.realpath(f[2:]) for f in flags if f.startswith("-I")]
    libs = [os.path.realpath(f[2:]) for f in flags if f.startswith("-L")]
    assert os.path.realpath(os.path.join(s["prefix"], "include")) in incs, \
        flags
    assert os.path.realpath(s["libdir"]) in libs, flags
    assert "-lwebfuse-provider" in flags, flags


def compile_hello(name, static):
    """Builds example/hello-provider.c against the installed tree, with the
    compiler CMake uses and no sanitizer at compile time. Returns the
    program's path."""
    s = installed()
    out = os.path.join(s["wf"].tmp, name)
    cflags = pkg_config("--cflags")
    if static:
        # Our library from its archive; the system's libraries stay shared.
        libs = []
        for flag in pkg_config("--static", "--libs"):
            if flag == "-lwebfuse-provider":
                libs += ["-Wl,-Bstatic", flag, "-Wl,-Bdynamic"]
            else:
                libs.append(flag)
    else:
        libs = pkg_config("--libs") + ["-Wl,-rpath," + s["libdir"]]
    # The sanitized build's libraries call into the sanitizer runtimes.
    link = ["-fsanitize=address,undefined"] if args.sanitize else []
    run([args.cc, "-Wall", "-Wextra", "-Werror", "-o", out, HELLO_SRC] +
        cflags + libs + link)
    return out


def serve_hello(program):
    """Runs @program against the daemon, reads hello.txt through the mount,
    stops it by its PID. Returns the paths of the libwebfuse-provider it
    mapped."""
    wf = daemon()
    p = harness.Proc("hello-provider", [program,
                                        "ws://127.0.0.1:%d/" % wf.port],
                     wf.log_path(os.path.basename(program)))
    wf.providers.append(p)
    wf.wait_attached("hello.txt", p)
    maps = mapped_provider_libs(p.pid)

    def read_all():
        with open(wf.path("hello.txt"), "rb") as f:
            return f.read()

    data = harness.call(read_all, timeout=10)
    assert data == HELLO, data
    rc, killed = p.stop()
    assert rc == 0 and not killed, "%s exited %s" % (program, rc)
    wf.wait_detached()
    return maps


def mapped_provider_libs(pid):
    with open("/proc/%d/maps" % pid) as f:
        return {line.split()[-1] for line in f
                if "libwebfuse-provider" in line}


def daemon():
    """The installed webfused, started once through the harness."""
    wf = state["wf"]
    if wf.daemon is None:
        with environment(WEBFUSED=os.path.join(installed()["sbin"],
                                               "webfused")):
            wf.start_daemon()
    return wf


def hello_shared():
    s = installed()
    program = compile_hello("hello-shared", static=False)
    assert "libwebfuse-provider.so.0" in needed(program), needed(program)
    maps = serve_hello(program)
    lib = os.path.realpath(os.path.join(s["libdir"],
                                        "libwebfuse-provider.so.0.1.0"))
    assert maps == {lib}, "mapped %s, not the installed %s" % (maps, lib)


def hello_static():
    program = compile_hello("hello-static", static=True)
    libs = needed(program)
    assert not [n for n in libs if "webfuse" in n], \
        "the static build still needs %s" % libs
    harness.log("static build needs: %s" % " ".join(libs))
    maps = serve_hello(program)
    assert not maps, "the static build mapped %s" % maps


def provider_cli():
    s = installed()
    wf = daemon()
    data = os.urandom(100000)
    with open(os.path.join(wf.src, "blob"), "wb") as f:
        f.write(data)
    # Installed without an rpath, like a distribution's programs.
    with environment(LD_LIBRARY_PATH=s["libdir"],
                     WEBFUSE_PROVIDER=os.path.join(s["bin"],
                                                   "webfuse-provider")):
        p = wf.start_provider(probe="blob")
    maps = mapped_provider_libs(p.pid)
    lib = os.path.realpath(os.path.join(s["libdir"],
                                        "libwebfuse-provider.so.0.1.0"))
    assert maps == {lib}, "mapped %s, not the installed %s" % (maps, lib)
    digest = harness.sha256_of(wf.path("blob"), limit=len(data))
    assert digest == hashlib.sha256(data).hexdigest(), "blob differs"
    rc, killed = p.stop()
    assert rc == 0 and not killed, "webfuse-provider exited %s" % rc
    wf.wait_detached()


def versions():
    s = installed()
    env = env_with(LD_LIBRARY_PATH=s["libdir"])
    for name, folder in (("webfused", "sbin"), ("webfuse-provider", "bin"),
                         ("webfuse-token", "bin")):
        out = run([os.path.join(s[folder], name), "--version"],
                  env=env).strip()
        assert out == "%s %s" % (name, args.version), out
        harness.log(out)


def man_pages():
    s = installed()
    man = shutil.which("man")
    groff = shutil.which("groff")
    if not man and not groff:
        print("SKIP man page rendering: neither man nor groff is installed")
        return
    env = env_with(MANWIDTH="80", PAGER="cat", LC_ALL="C.UTF-8")
    for section, pages in MAN_PAGES.items():
        for page in pages:
            path = os.path.join(s["prefix"], "share", "man", section, page)
            if man:
                argv = [man, "--warnings", "-E", "UTF-8", "-l", "-Tutf8",
                        path]
            else:
                argv = [groff, "-man", "-ww", "-z", path]
            rc, out, err = run(argv, env=env, check=False)
            assert rc == 0 and not err.strip(), "%s: rc %d: %s" % (
                page, rc, err)
    harness.log("man pages render without warnings (%s)" %
                ("man" if man else "groff"))


def man_options():
    """Every long option a program's --help names is in its manual page."""
    s = installed()
    env = env_with(LD_LIBRARY_PATH=s["libdir"])
    for name, folder, section in (("webfused", "sbin", "man8"),
                                  ("webfuse-provider", "bin", "man1"),
                                  ("webfuse-token", "bin", "man1")):
        page = os.path.join(s["prefix"], "share", "man", section,
                            "%s.%s" % (name, section[-1]))
        with open(page) as f:
            text = f.read().replace("\\-", "-")
        helptext = run([os.path.join(s[folder], name), "--help"], env=env)
        options = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", helptext))
        missing = sorted(o for o in options if o not in text)
        assert not missing, "%s(%s) lacks %s" % (name, section[-1], missing)


def cleanup():
    wf = state["wf"]
    wf.close()
    assert not wf.problems, "cleanup: " + "; ".join(wf.problems)
    assert not os.path.exists(wf.tmp), "%s is left" % wf.tmp


def main():
    global args
    args = parse_args()
    # One environment for all cases; its folder holds the installed tree.
    with harness.Webfuse("install") as wf:
        state["wf"] = wf
        harness.run([("cmake --install", install),
                     ("the installed files", layout),
                     ("the library's exports", exports),
                     ("pkg-config", pkgconfig),
                     ("hello-provider, shared", hello_shared),
                     ("hello-provider, static", hello_static),
                     ("installed webfuse-provider", provider_cli),
                     ("--version", versions),
                     ("man pages render", man_pages),
                     ("man pages name every option", man_options),
                     ("cleanup", cleanup)], watchdog=270)


main()
