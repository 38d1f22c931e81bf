# POSIX calls that Python's os module lacks, through ctypes: renameat2,
# utimensat with UTIME_OMIT, fallocate modes, mincore.
import ctypes
import mmap
import os

_libc = ctypes.CDLL(None, use_errno=True)

AT_FDCWD = -100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2
FALLOC_FL_KEEP_SIZE = 1
FALLOC_FL_PUNCH_HOLE = 2
FALLOC_FL_ZERO_RANGE = 0x10


def _check(rc):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def renameat2(old, new, flags):
    """rename(2) with RENAME_* @flags."""
    _libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                ctypes.c_char_p, ctypes.c_uint]
    _check(_libc.renameat2(AT_FDCWD, os.fsencode(old), AT_FDCWD,
                           os.fsencode(new), flags))


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def utimensat(path, atime, mtime, follow=True):
    """utimensat(2); each time is (sec, nsec), UTIME_NOW or UTIME_OMIT."""
    def ts(t):
        if t in (UTIME_NOW, UTIME_OMIT):
            return _Timespec(0, t)
        return _Timespec(*t)
    times = (_Timespec * 2)(ts(atime), ts(mtime))
    _libc.utimensat.argtypes = [ctypes.c_int, ctypes.c_char_p,
                                ctypes.c_void_p, ctypes.c_int]
    _check(_libc.utimensat(AT_FDCWD, os.fsencode(path), times,
                           0 if follow else 0x100))


def fallocate(fd, mode, offset, length):
    """fallocate(2) with FALLOC_FL_* @mode."""
    _libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_long,
                                ctypes.c_long]
    _check(_libc.fallocate(fd, mode, offset, length))


def cached_pages(path):
    """How many pages of the file at @path the page cache holds
    (mincore(2) on a mapping of it)."""
    size = os.stat(path).st_size
    pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
    vec = (ctypes.c_ubyte * pages)()
    _libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t,
                              ctypes.POINTER(ctypes.c_ubyte)]
    with open(path, "rb") as f, \
            mmap.mmap(f.fileno(), size, access=mmap.ACCESS_COPY) as m:
        buf = (ctypes.c_char * size).from_buffer(m)
        rc = _libc.mincore(ctypes.addressof(buf), size, vec)
        del buf  # the mapping cannot close while exported
    _check(rc)
    return sum(v & 1 for v in vec)
