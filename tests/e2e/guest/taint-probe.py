#!/usr/bin/python3
# TEST ONLY: reads FILE (with the BPF taint on, a Class I/II file taints this process), then
# tries one way out: vsock connects to CID 2 (the host); bluetooth connects RFCOMM to a made-up
# address; usb NODE asks a USB device node (usbfs) for its capabilities, as libusb does first.
# Says how it went by its exit status only (0: it went, else the errno, 110 for a timeout):
# whatever a tainted process prints would taint the shell that reads it.
# Usage: taint-probe.py FILE vsock|bluetooth|usb [NODE]
import errno
import fcntl
import os
import socket
import sys

USBDEVFS_GET_CAPABILITIES = 0x8004551A  # _IOR('U', 26, __u32)

with open(sys.argv[1], "rb") as f:
    f.read()
try:
    if sys.argv[2] == "vsock":
        s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect((2, 5000))
    elif sys.argv[2] == "bluetooth":
        s = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_STREAM, socket.BTPROTO_RFCOMM)
        s.settimeout(5)
        s.connect(("00:11:22:33:44:55", 1))
    elif sys.argv[2] == "usb":
        fd = os.open(sys.argv[3], os.O_RDWR)
        fcntl.ioctl(fd, USBDEVFS_GET_CAPABILITIES, b"\0" * 4)
    else:
        sys.exit(255)
except socket.timeout:
    sys.exit(errno.ETIMEDOUT)
except OSError as e:
    sys.exit(e.errno if e.errno and e.errno < 256 else 255)
sys.exit(0)
