#!/usr/bin/env python3
# Test helper: loads the agent's socket as a hostile or careless local user would.
#   sockflood.py flood SOCKET SECONDS   many connections (more than the per-user limit),
#       oversized packets, garbage and requests (with one or two descriptors attached) whose
#       replies are never read, for SECONDS;
#       prints "connections=N refused=N sent=N"
#   sockflood.py burst SOCKET N         N status requests in a row on one connection, each
#       reply read; prints "ok=N limited=N other=N" (limited: the per-user rate refusal)
#   sockflood.py hold SOCKET N          opens N connections, then N more that it closes at
#       once (each sends a request first), and keeps the first N open for 6 s
import array
import json
import os
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    return s


def flood(path, seconds):
    end = time.monotonic() + seconds
    big = b"[" * 200000
    packets = [big, b"garbage", b"", b'{"command":"status"}', os.urandom(3000),
               b'{"command":"export","args":{}}']
    conns, opened, refused, sent = [], 0, 0, 0
    # descriptors attached to packets the agent refuses must be closed by it, not leak
    devnull = os.open("/dev/null", os.O_RDONLY)
    two = array.array("i", [devnull, devnull])
    while time.monotonic() < end:
        # top up to 40 open connections (the agent allows 16 per user)
        while len(conns) < 40:
            try:
                s = connect(path)
            except OSError:
                refused += 1
                break
            s.setblocking(False)
            conns.append(s)
            opened += 1
        for s in list(conns):
            for p in packets:
                try:
                    if p is big:
                        s.send(p)
                    else:
                        fds = two if len(p) % 2 else two[:1]
                        s.sendmsg([p], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
                    sent += 1
                except BlockingIOError:
                    break
                except OSError:
                    # closed by the agent (limit, or replies not read): open another
                    conns.remove(s)
                    s.close()
                    refused += 1
                    break
    for s in conns:
        s.close()
    print("connections=%d refused=%d sent=%d" % (opened, refused, sent))


def burst(path, n):
    s = connect(path)
    s.settimeout(10)
    ok = limited = other = 0
    for _ in range(n):
        s.send(b'{"command":"status"}')
        reply = json.loads(s.recv(1 << 20))
        if reply.get("ok") is True:
            ok += 1
        elif "too many requests" in reply.get("error", ""):
            limited += 1
        else:
            other += 1
    print("ok=%d limited=%d other=%d" % (ok, limited, other))


def hold(path, n):
    held = [connect(path) for _ in range(n)]
    for _ in range(n):
        s = connect(path)
        s.send(b'{"command":"status"}')
        s.close()
    time.sleep(6)
    for s in held:
        s.close()
    print("held=%d" % n)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("flood", "burst", "hold"):
        sys.exit("usage: sockflood.py flood|burst|hold SOCKET SECONDS|N")
    if sys.argv[1] == "flood":
        flood(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "burst":
        burst(sys.argv[2], int(sys.argv[3]))
    else:
        hold(sys.argv[2], int(sys.argv[3]))
