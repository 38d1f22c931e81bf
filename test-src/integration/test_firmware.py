#!/usr/bin/env python3
# Integration: the firmware-update demo (example/firmware) on a real mount:
# update.sh waits for the lent image, checks it against the checksum lent
# beside it and runs install.sh from the SquashFS image mounted in place.
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DEMO = os.path.join(harness.TOP, "example", "firmware")
SIZE_MIB = 24


def make_image(directory, version="3.1.4"):
    subprocess.run([os.path.join(DEMO, "make-image.sh"), directory,
                    str(SIZE_MIB), version], check=True, timeout=120,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def start_update(wf, timeout=60):
    """update.sh against the mount, its temp folder inside the test's."""
    env = dict(os.environ, TMPDIR=wf.tmp)
    return subprocess.Popen(
        [os.path.join(DEMO, "update.sh"), "--timeout", str(timeout), wf.mnt],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, preexec_fn=harness._die_with_parent)


def finish(p, timeout=120):
    """(exit code, output) of update.sh; it must end within @timeout."""
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate(timeout=10)
        raise AssertionError("update.sh still running after %ss" % timeout)
    text = out.decode("utf-8", "replace")
    harness.log("update.sh exited %d:\n%s" % (p.returncode, text))
    return p.returncode, text


def inner_mounts(wf):
    return [m for m, _, _ in harness.mounts()
            if m.startswith(wf.tmp + "/") and m != wf.mnt]


def installs_from_the_mount():
    """update.sh started before any provider waits, then installs."""
    with harness.Webfuse("firmware") as wf:
        make_image(wf.src)
        wf.start_daemon()
        p = start_update(wf)
        time.sleep(1.0)
        assert p.poll() is None, "update.sh did not wait for the image"
        wf.start_provider(extra=["--read-only"])
        rc, out = finish(p)
        assert rc == 0, "update.sh failed (%d)" % rc
        assert "checksum ok" in out, out
        assert "firmware 3.1.4: payload verified" in out, out
        assert "%d bytes ready" % (SIZE_MIB << 20) in out, out
        assert not inner_mounts(wf), "image left mounted"
        assert not [n for n in os.listdir(wf.tmp)
                    if n.startswith("firmware.")], "temp folder left"


def refuses_a_wrong_image():
    """A checksum that does not match stops the update before mounting;
    so does a checksum file that holds no checksum."""
    with harness.Webfuse("firmware-bad") as wf:
        make_image(wf.src)
        with open(os.path.join(wf.src, "firmware.img.sha256"), "w") as f:
            f.write("%s  firmware.img\n" % ("0" * 64))
        wf.start_daemon()
        wf.start_provider(probe="firmware.img.sha256", extra=["--read-only"])
        rc, out = finish(start_update(wf))
        assert rc == 3, "rc %d" % rc
        assert "checksum mismatch" in out and "nothing was installed" in out
        assert "mounted" not in out and not inner_mounts(wf)

        with open(os.path.join(wf.src, "firmware.img.sha256"), "w") as f:
            f.write("not a checksum\n")
        time.sleep(1.2)  # the kernel's attribute cache of the old size
        rc, out = finish(start_update(wf))
        assert rc == 3 and "holds no SHA-256" in out, (rc, out)


def plain_image_is_only_verified():
    """An image that is not SquashFS is checked and left alone."""
    with harness.Webfuse("firmware-plain") as wf:
        harness.write_random(os.path.join(wf.src, "firmware.img"), 5 << 20,
                             seed=7)
        digest = harness.sha256_of(os.path.join(wf.src, "firmware.img"))
        with open(os.path.join(wf.src, "firmware.img.sha256"), "w") as f:
            f.write("%s  firmware.img\n" % digest)
        wf.start_daemon()
        wf.start_provider(probe="firmware.img", extra=["--read-only"])
        rc, out = finish(start_update(wf))
        assert rc == 0 and "not a SquashFS image" in out, (rc, out)


def gives_up_without_a_provider():
    with harness.Webfuse("firmware-none") as wf:
        wf.start_daemon()
        start = time.monotonic()
        rc, out = finish(start_update(wf, timeout=2), timeout=30)
        assert rc == 2 and "no firmware.img was lent within 2s" in out, \
            (rc, out)
        assert time.monotonic() - start < 10


if __name__ == "__main__":
    for tool in ("mksquashfs", "squashfuse", "sha256sum"):
        if not shutil.which(tool):
            sys.exit("test_firmware: %s is missing (run script/setup.sh)"
                     % tool)
    harness.run([
        ("installs from the mount", installs_from_the_mount),
        ("refuses a wrong image", refuses_a_wrong_image),
        ("plain image is only verified", plain_image_is_only_verified),
        ("gives up without a provider", gives_up_without_a_provider),
    ], watchdog=200)
