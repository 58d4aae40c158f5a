#!/usr/bin/python3
# TEST ONLY: a user's FUSE filesystem that treats root (the agent) differently from its
# owner, as a hostile user's own mount can (issue 16 items 9 and 10). Without caching
# (attr_timeout=0), every fstat, fstatfs, read and close by root reaches the daemon.
#   stall.txt  GETATTR, STATFS, READ and FLUSH asked by uid 0 block until RELEASE exists.
#   grow.txt   GETATTR says 1 byte; READ (direct I/O) serves GROW_BYTES of public text, and
#              reads by uid 0 wait until RELEASE exists (so several copies run together).
# Usage: hostilefs.py MOUNTPOINT RELEASE
import errno
import os
import stat
import sys
import time

import fusepy as fuse

STALL = b"stalled content\n" * 8
GROW_BYTES = 3 * 1024 * 1024
LINE = b"futari hostile public report line, nothing classified here\n"
GROW = (LINE * (GROW_BYTES // len(LINE) + 1))[:GROW_BYTES]

# The longest any stall lasts, from the mount (no test waits this long).
STALL_MAX_S = 600


class Hostile(fuse.Operations):
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

    def wait_if_root(self):
        uid, _, _ = fuse.fuse_get_context()
        if uid != 0:
            return
        while not self.released():
            time.sleep(0.1)

    def getattr(self, path, fh=None):
        base = {"st_uid": 65534, "st_gid": 65534, "st_atime": self.now, "st_mtime": self.now,
                "st_ctime": self.now}
        if path == "/":
            return dict(base, st_mode=stat.S_IFDIR | 0o755, st_nlink=2)
        if path == "/stall.txt":
            self.wait_if_root()
            return dict(base, st_mode=stat.S_IFREG | 0o644, st_nlink=1, st_size=len(STALL))
        if path == "/grow.txt":
            return dict(base, st_mode=stat.S_IFREG | 0o644, st_nlink=1, st_size=1)
        raise fuse.FuseOSError(errno.ENOENT)

    def statfs(self, path):
        self.wait_if_root()
        return {"f_bsize": 4096, "f_blocks": 1024, "f_bfree": 512, "f_bavail": 512,
                "f_namemax": 255}

    def readdir(self, path, fh):
        return [".", "..", "stall.txt", "grow.txt"]

    def open(self, path, flags):
        return 0

    def read(self, path, size, offset, fh):
        self.wait_if_root()
        data = STALL if path == "/stall.txt" else GROW
        return data[offset:offset + size]

    def flush(self, path, fh):
        if path == "/stall.txt":
            self.wait_if_root()
        return 0


if __name__ == "__main__":
    fuse.FUSE(Hostile(sys.argv[2]), sys.argv[1], foreground=True, allow_other=True,
              nothreads=False, direct_io=True, attr_timeout=0, entry_timeout=0)
