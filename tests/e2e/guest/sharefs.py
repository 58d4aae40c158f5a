#!/usr/bin/python3
# TEST ONLY: a FUSE filesystem that passes every operation through to a folder, as a stand-in
# for a network share or a user's sshfs/rclone mount: what is written to it leaves the
# writer's hands through this daemon, never through a socket of the writer's own.
# Usage: sharefs.py BACKING MOUNTPOINT (runs in the foreground; root mounts it allow_other)
# With SHAREFS_READ_VIA_CAT=1 in the environment it reads each file through a `cat` child and
# a pipe, as a server that leaves the reading to a helper would (the helper is no FUSE server).
import errno
import os
import subprocess
import sys

import fusepy as fuse


class Share(fuse.Operations):
    def __init__(self, root):
        self.root = root

    def real(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def getattr(self, path, fh=None):
        try:
            st = os.lstat(self.real(path))
        except OSError as e:
            raise fuse.FuseOSError(e.errno)
        return {k: getattr(st, k) for k in ("st_mode", "st_nlink", "st_uid", "st_gid",
                                             "st_size", "st_atime", "st_mtime", "st_ctime")}

    def readdir(self, path, fh):
        return [".", ".."] + os.listdir(self.real(path))

    def create(self, path, mode, fi=None):
        uid, gid, _ = fuse.fuse_get_context()
        fd = os.open(self.real(path), os.O_RDWR | os.O_CREAT | os.O_TRUNC, mode)
        os.fchown(fd, uid, gid)
        return fd

    def open(self, path, flags):
        return os.open(self.real(path), flags & ~(os.O_CREAT | os.O_EXCL))

    def read(self, path, size, offset, fh):
        if os.environ.get("SHAREFS_READ_VIA_CAT"):
            data = subprocess.run(["cat", self.real(path)], stdout=subprocess.PIPE,
                                  check=True).stdout
            return data[offset:offset + size]
        return os.pread(fh, size, offset)

    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        os.truncate(self.real(path), length)

    def release(self, path, fh):
        os.close(fh)

    def flush(self, path, fh):
        return 0

    def fsync(self, path, datasync, fh):
        os.fsync(fh)

    def unlink(self, path):
        os.unlink(self.real(path))

    def chmod(self, path, mode):
        os.chmod(self.real(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self.real(path), uid, gid)

    def utimens(self, path, times=None):
        os.utime(self.real(path), times)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: sharefs.py BACKING MOUNTPOINT")
    fuse.FUSE(Share(sys.argv[1]), sys.argv[2], foreground=True, allow_other=True,
              nothreads=True, fsname="sharefs")
