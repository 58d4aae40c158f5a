#!/usr/bin/python3
# TEST ONLY: a FUSE filesystem with one file, stall.txt, whose reads block until the file
# RELEASE (given on the command line) exists: what a user's own FUSE mount can do to a
# program that reads a file it was handed. With STALLFS_FLUSH=1 in its environment, every
# close of the file (FLUSH) blocks the same way: what a copy of a user's descriptor costs the
# agent when it closes it. Usage: stallfs.py MOUNTPOINT RELEASE
import errno
import os
import stat
import sys
import threading
import time

import fusepy as fuse

DATA = b"stalled content\n" * 8

# The longest any stall lasts, from the mount (no test waits this long).
STALL_MAX_S = 600


class Stall(fuse.Operations):
    def __init__(self, release):
        self.release = release
        self.now = time.time()
        self.started = time.monotonic()

    def released(self):
        # The release file, or its folder gone (the test has ended and removed it), or
        # STALL_MAX_S: a stall never outlives its test, so nothing it holds is left behind.
        return (os.path.exists(self.release)
                or not os.path.isdir(os.path.dirname(self.release))
                or time.monotonic() - self.started > STALL_MAX_S)

    def getattr(self, path, fh=None):
        base = {"st_uid": 65534, "st_gid": 65534, "st_atime": self.now, "st_mtime": self.now,
                "st_ctime": self.now}
        if path == "/":
            return dict(base, st_mode=stat.S_IFDIR | 0o755, st_nlink=2)
        if path == "/stall.txt":
            return dict(base, st_mode=stat.S_IFREG | 0o644, st_nlink=1, st_size=len(DATA))
        raise fuse.FuseOSError(errno.ENOENT)

    def readdir(self, path, fh):
        return [".", "..", "stall.txt"]

    def open(self, path, flags):
        return 0

    def flush(self, path, fh):
        while os.environ.get("STALLFS_FLUSH") == "1" and not self.released():
            time.sleep(0.2)
        return 0

    def read(self, path, size, offset, fh):
        while not self.released():
            time.sleep(0.2)
        return DATA[offset:offset + size]


if __name__ == "__main__":
    fuse.FUSE(Stall(sys.argv[2]), sys.argv[1], foreground=True, allow_other=True,
              nothreads=False, direct_io=True)
