#!/usr/bin/env python3
"""futari end-to-end harness: what its parts share (constants, errors, the log line).

See harness.py for the harness itself and README.md for how it is used."""

import contextlib
import ctypes
import glob
import hashlib
import io
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77

# Modules the initramfs loads before switch_root, each with its dependencies as modules.dep
# orders them (via `modprobe --show-depends`): the 9p root and overlay, the control port,
# and the USB mass-storage stack so cold-plugged sticks are there when udev starts.
INITRAMFS_MODULES = [
    "virtio_pci", "9pnet_virtio", "9p", "overlay", "virtio_console",
    "xhci_pci", "usb_storage", "sd_mod", "vfat", "nls_cp437", "nls_iso8859-1",
]

BOOT_TIMEOUT = int(os.environ.get("E2E_BOOT_TIMEOUT", "180"))
QMP_TIMEOUT = 20
SHUTDOWN_TIMEOUT = 30
DEFAULT_SCENARIO_TIMEOUT = 120
CTL_PORT = "org.futari.e2e.ctl"
# STATE["stopping"] is set by a termination signal: kill QEMU at once, no polite shutdown.
STATE = {"stopping": False}
# Directories the guest mounts afresh (guest/stage2.sh), hiding the host's files there.
GUEST_PRIVATE_DIRS = ("/tmp", "/var/tmp", "/run", "/dev", "/proc", "/sys")
# Where the guest sees the source and build trees: each is a read-only 9p share of its own
# (tags "src" and "build", mounted by guest/init), so a checkout works from any folder (under
# /tmp, in root's 0700 home, with spaces in its path) while the guest sees plain paths.
GUEST_TREES = {"build": "/futari-e2e/build", "src": "/futari-e2e/src"}


class Skip(Exception):
    """This machine cannot run the VM; the message says why."""


class HarnessError(Exception):
    """The harness or the VM failed (not the scenario under test)."""


def log(msg):
    print(f"# {msg}", flush=True)


