#!/usr/bin/env python3
# Test helper: loads the agent's socket as a hostile or careless local user would.
#   sockflood.py flood SOCKET SECONDS   many connections (more than the per-user limit),
#       oversized packets, garbage and requests (with one or two descriptors attached) whose
#       replies are never read, for SECONDS;
#       prints "connections=N refused=N sent=N"
#   sockflood.py burst SOCKET N         N status requests in a row on one connection, each
#       reply read; prints "ok=N limited=N other=N" (limited: the per-user rate refusal, code "rate-limited")
#   sockflood.py mutate SOCKET N        N requests built at random from the command table's
#       names and argument names with values of every JSON type (hostile strings, deep and
#       wide values, descriptors of files, directories and /dev/null attached); every one
#       must get a well-formed reply; prints "ok=N refused=N" (FLOOD_SEED picks the run)
#   sockflood.py hold SOCKET N          opens N connections, then N more that it closes at
#       once (each sends a request first), and keeps the first N open for 6 s
#   sockflood.py exports SOCKET TO FILE N   N export requests of FILE to the stick TO in a
#       row on one connection, each with its descriptor and its reply read; prints
#       "ok=N limited=N refused=N" (limited: the file bucket's refusal, "too many files")
#   sockflood.py together SOCKET TO FILE...   one export request to the stick TO per FILE,
#       each on its own connection, all sent before any reply is read (so the agent works
#       on them at once); prints one line per reply: "requested ID", "written PATH" or
#       "refused: ERROR"
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
        # top up to 80 open connections (the agent allows 40 per user)
        while len(conns) < 80:
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
        elif reply.get("code") == "rate-limited" and "too many requests" in reply.get("error", ""):
            limited += 1
        else:
            other += 1
    print("ok=%d limited=%d other=%d" % (ok, limited, other))


COMMANDS = ["status", "devices", "export", "redeem", "requests", "classify", "rescan",
            "upload-request", "", "STATUS", "status\u0000", "x" * 300]
ARGS = ["name", "to", "dir", "reason", "approvals", "path", "app", "evil", ""]
STRINGS = ["", "a", "..", "../../etc/passwd", "/", "CITY-USB-0421", "a/b", "\n", "\u202e",
           "\ud7ff\ue000", "x" * 5000, "名簿.csv", "-----BEGIN FUTARI APPROVAL-----\n",
           "%s%n", "\\", "\"", "\u0000"]


def value(rng, depth=0):
    k = rng.randrange(9 if depth < 3 else 5)
    if k == 0:
        return rng.choice(STRINGS)
    if k == 1:
        return rng.choice([0, -1, 1, 2**31, 2**63 - 1, -2**63, 1e308, 0.5])
    if k == 2:
        return rng.choice([True, False])
    if k == 3:
        return None
    if k == 4:
        return "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(40)))
    if k in (5, 6):
        return [value(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {rng.choice(ARGS): value(rng, depth + 1) for _ in range(rng.randrange(5))}


def mutate(path, n):
    import random
    seed = int(os.environ.get("FLOOD_SEED", "1"))
    rng = random.Random(seed)
    fds = [os.open("/dev/null", os.O_RDONLY), os.open("/", os.O_RDONLY | os.O_DIRECTORY),
           os.open("/etc/passwd", os.O_RDONLY)]
    s = connect(path)
    s.settimeout(30)
    ok = refused = 0
    for i in range(n):
        msg = {}
        if rng.random() < 0.95:
            msg["command"] = rng.choice(COMMANDS) if rng.random() < 0.9 else value(rng)
        if rng.random() < 0.8:
            msg["args"] = value(rng) if rng.random() < 0.2 else \
                {rng.choice(ARGS): value(rng) for _ in range(rng.randrange(5))}
        if rng.random() < 0.05:
            msg[rng.choice(ARGS)] = value(rng)
        data = json.dumps(msg, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
        anc = []
        if rng.random() < 0.3:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [rng.choice(fds)]))]
        s.sendmsg([data], anc)
        while True:
            raw = s.recv(1 << 22)
            if not raw:
                sys.exit("seed %d request %d: the agent closed the connection after %r"
                         % (seed, i, data[:200]))
            reply = json.loads(raw)
            if "progress" not in reply:
                break
        if reply.get("ok") is True:
            ok += 1
        elif reply.get("ok") is False and isinstance(reply.get("error"), str) \
                and "\n" not in reply["error"]:
            refused += 1
        else:
            sys.exit("seed %d request %d: malformed reply %r to %r" % (seed, i, raw, data[:200]))
    print("ok=%d refused=%d" % (ok, refused))


def hold(path, n):
    held = [connect(path) for _ in range(n)]
    for _ in range(n):
        s = connect(path)
        try:
            s.send(b'{"command":"status"}')
        except (BrokenPipeError, ConnectionResetError):
            pass  # over the bound: the agent may have closed it already
        s.close()
    time.sleep(6)
    for s in held:
        s.close()
    print("held=%d" % n)


def exports(path, to, f, n):
    s = connect(path)
    s.settimeout(30)
    ok = limited = refused = 0
    for i in range(n):
        fd = os.open(f, os.O_RDONLY)
        msg = {"command": "export",
               "args": {"name": "flood-%d.txt" % i, "to": to, "reason": "flood"}}
        s.sendmsg([json.dumps(msg).encode()],
                  [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
        os.close(fd)
        while True:
            reply = json.loads(s.recv(1 << 22))
            if "progress" not in reply:
                break
        if reply.get("ok") is True:
            ok += 1
        elif reply.get("code") == "rate-limited" and "too many files" in reply.get("error", ""):
            limited += 1
        else:
            refused += 1
    print("ok=%d limited=%d refused=%d" % (ok, limited, refused))


def together(path, to, files):
    conns = []
    for f in files:
        fd = os.open(f, os.O_RDONLY)
        s = connect(path)
        s.settimeout(60)
        msg = {"command": "export",
               "args": {"name": os.path.basename(f), "to": to, "reason": "together"}}
        s.sendmsg([json.dumps(msg).encode()],
                  [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
        os.close(fd)
        conns.append(s)
    for s in conns:
        while True:
            reply = json.loads(s.recv(1 << 22))
            if "progress" not in reply:
                break
        s.close()
        if reply.get("ok") is not True:
            print("refused: %s" % reply.get("error"))
        elif reply["result"].get("request_id"):
            print("requested %s" % reply["result"]["request_id"])
        else:
            print("written %s" % reply["result"].get("written"))


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "exports":
        exports(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
        sys.exit(0)
    if len(sys.argv) >= 5 and sys.argv[1] == "together":
        together(sys.argv[2], sys.argv[3], sys.argv[4:])
        sys.exit(0)
    if len(sys.argv) != 4 or sys.argv[1] not in ("flood", "burst", "hold", "mutate"):
        sys.exit("usage: sockflood.py flood|burst|hold|mutate SOCKET SECONDS|N\n"
                 "       sockflood.py together SOCKET TO FILE...")
    if sys.argv[1] == "flood":
        flood(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "burst":
        burst(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "mutate":
        mutate(sys.argv[2], int(sys.argv[3]))
    else:
        hold(sys.argv[2], int(sys.argv[3]))
