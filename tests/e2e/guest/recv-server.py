#!/usr/bin/python3
# TEST ONLY, in the guest: the "network" peer of the taint scenarios. Listens on ADDR:PORT
# (the dummy interface's TEST-NET-1 address), appends what each connection sent to OUT
# followed by a line "--", and answers HTTP 200. Usage: recv-server.py OUT ADDR PORT
import socket
import sys
import threading

out, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(32)


def serve(c):
    c.settimeout(2.0)
    data = b""
    try:
        while len(data) < 1 << 20:
            b = c.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    with open(out, "ab") as f:
        f.write(data + b"\n--\n")
    try:
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    except OSError:
        pass
    c.close()


while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
