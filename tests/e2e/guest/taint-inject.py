#!/usr/bin/python3
# TEST ONLY: content moved into another process's memory with process_vm_writev(2), as
# malware that read a classified file would do to make a clean process send it.
#   taint-inject.py FILE flow HOST PORT
#     starts a clean child (before reading anything) that waits for bytes to appear in a
#     buffer of its own and then sends them to HOST:PORT; reads FILE (tainting this process
#     when FILE is Class I/II); writes FILE's first bytes into the child's buffer. Exit status:
#     the child's (0: it sent, 1: its send was refused), or 100 + errno when the write into
#     the child failed.
#   taint-inject.py FILE exempt PROGRAM ARG...
#     starts PROGRAM ARG... as a child (a browser that stays up), reads FILE, then tries
#     process_vm_writev into it. Exit status: 0 when refused with EPERM, 1 when it went,
#     10 + errno for another error.
# Only exit statuses: whatever a tainted process prints would taint the shell that reads it.
import ctypes
import errno
import subprocess
import sys

CHILD = r"""
import ctypes, socket, sys, time
buf = ctypes.create_string_buffer(64)
print(ctypes.addressof(buf), flush=True)
for i in range(1200):
    if buf.raw[0] != 0:
        break
    time.sleep(0.05)
else:
    sys.exit(3)
data = buf.raw.rstrip(b"\0")
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 10)
    s.sendall(b"PUT /up HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
    s.close()
except PermissionError:
    sys.exit(1)
sys.exit(0)
"""


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def write_into(pid, addr, data):
    libc = ctypes.CDLL(None, use_errno=True)
    local = ctypes.create_string_buffer(data, len(data))
    lv = IoVec(ctypes.addressof(local), len(data))
    rv = IoVec(addr, len(data))
    n = libc.process_vm_writev(pid, ctypes.byref(lv), 1, ctypes.byref(rv), 1, 0)
    return 0 if n == len(data) else (ctypes.get_errno() or errno.EIO)


def main():
    path, mode = sys.argv[1], sys.argv[2]
    if mode == "flow":
        child = subprocess.Popen([sys.executable, "-c", CHILD, sys.argv[3], sys.argv[4]],
                                 stdout=subprocess.PIPE)
        addr = int(child.stdout.readline())
        with open(path, "rb") as f:
            secret = f.read()[:60]
        err = write_into(child.pid, addr, secret)
        if err != 0:
            child.kill()
            return 100 + err
        return child.wait()
    child = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with open(path, "rb") as f:
            f.read()
        err = write_into(child.pid, 0x10000, b"x")
    finally:
        child.kill()
        child.wait()
    if err == errno.EPERM:
        return 0
    return 1 if err == 0 else 10 + err


sys.exit(main())
