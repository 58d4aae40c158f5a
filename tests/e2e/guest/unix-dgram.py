#!/usr/bin/python3
"""Unix datagrams sent to an address (sendto, no connect) for e2e scenario 28 (issue 14,
round 17): the kernel finds the receiver itself, so a tainted sender must mark it there.

  recv ADDR READY     bind a datagram socket at ADDR (a path, or @NAME: abstract), READY once
                      bound, receive one datagram and send it to the listener at
                      192.0.2.1:8080: prints "sent" and exits 0, or "refused: ..." and exits 1
                      (EPERM); 2 on a setup error
  send ADDR FILE      read FILE and send it to ADDR in one datagram (sendto)
  send-text ADDR TEXT the same with TEXT
"""
import os
import socket
import sys


def address(a):
    return "\0" + a[1:] if a.startswith("@") else a


def main(argv):
    mode, addr = argv[1], address(argv[2])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if mode == "recv":
        s.bind(addr)
        open(argv[3], "w").close()
        s.settimeout(40)
        data = s.recv(65536)
        try:
            c = socket.create_connection(("192.0.2.1", 8080), 10)
            c.sendall(b"PUT /up HTTP/1.0\r\nContent-Length: %d\r\n\r\n" % len(data) + data)
            c.close()
        except PermissionError as e:
            print("refused:", e, flush=True)
            return 1
        print("sent", flush=True)
        return 0
    if mode == "send":
        with open(argv[3], "rb") as f:
            data = f.read()
    elif mode == "send-text":
        data = argv[3].encode()
    else:
        print("unknown mode", mode, file=sys.stderr)
        return 2
    s.sendto(data, addr)
    print("sent a datagram of", len(data), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
