#!/usr/bin/python3
# TEST ONLY: hands FILE to the document portal (org.freedesktop.portal.Documents.Add, as the
# file chooser portal does for a Flatpak or snap application) on the session bus and prints
# the path a sandboxed application would get: MOUNTPOINT/DOC_ID/NAME.
import os
import sys

from gi.repository import Gio, GLib

PORTAL = ("org.freedesktop.portal.Documents", "/org/freedesktop/portal/documents",
          "org.freedesktop.portal.Documents")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: portal-add.py FILE")
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    fds = Gio.UnixFDList.new()
    idx = fds.append(os.open(sys.argv[1], os.O_PATH | os.O_CLOEXEC))
    added, _ = bus.call_with_unix_fd_list_sync(
        *PORTAL, "Add", GLib.Variant("(hbb)", (idx, False, False)),
        GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, 20000, fds, None)
    mount = bus.call_sync(*PORTAL, "GetMountPoint", None, GLib.VariantType("(ay)"),
                          Gio.DBusCallFlags.NONE, 20000, None)
    mount = bytes(mount.unpack()[0]).rstrip(b"\0").decode()
    print(os.path.join(mount, added.unpack()[0], os.path.basename(sys.argv[1])))


main()
