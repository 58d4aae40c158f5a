#!/usr/bin/python3
# TEST ONLY: reads FILE (with the BPF taint on, a Class I/II file taints this process), then
# connects a socket of FAMILY (vsock: CID 2, the host; bluetooth: RFCOMM to a made-up
# address). Says how it went by its exit status only (0: connected, else the connect's errno,
# 110 for a timeout): whatever a tainted process prints would taint the shell that reads it.
# Usage: family-connect.py FILE vsock|bluetooth
import errno
import socket
import sys

with open(sys.argv[1], "rb") as f:
    f.read()
try:
    if sys.argv[2] == "vsock":
        s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect((2, 5000))
    else:
        s = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM, socket.BTPROTO_RFCOMM)
        s.settimeout(5)
        s.connect(("00:11:22:33:44:55", 1))
except socket.timeout:
    sys.exit(errno.ETIMEDOUT)
except OSError as e:
    sys.exit(e.errno if e.errno and e.errno < 256 else 255)
sys.exit(0)
