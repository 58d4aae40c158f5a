#!/usr/bin/env python3
"""Checks of the e2e harness itself that need no VM (and no root): stick images, the
initramfs, the scenario header parser and session planning. Exit 0 pass, 77 skip, 1 fail."""

import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print(f"FAIL: {msg}", file=sys.stderr)


def expect_value_error(fn, what):
    try:
        fn()
    except ValueError:
        return
    check(False, f"{what} was accepted")


def test_stick(tmp):
    for tool in ("mkfs.vfat", "mcopy", "mtype", "minfo"):
        if not shutil.which(tool):
            print(f"# skipping the stick image check: needs {tool} (dosfstools, mtools)")
            return
    img = os.path.join(tmp, "s.img")
    stick = harness.Stick("s1", "FUT-SELF-1", "SELFTEST", size_mib=16)
    stick.create(img)
    with open(img, "rb") as f:
        mbr = f.read(512)
    check(os.path.getsize(img) == 16 << 20, "stick image is not 16 MiB")
    check(mbr[510:512] == b"\x55\xaa", "stick image has no MBR signature")
    _, _, ptype, _, start, count = struct.unpack_from("<B3sB3sII", mbr, 446)
    check(ptype == 0x0C and start == 2048 and count == (16 << 20) // 512 - 2048,
          f"unexpected partition entry type={ptype:#x} start={start} count={count}")
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    out = subprocess.run(["mtype", "-i", f"{img}@@1M", "::README.TXT"], capture_output=True,
                         env=env, timeout=30)
    check(out.stdout == stick.readme, f"README.TXT holds {out.stdout!r}, not {stick.readme!r}")
    info = subprocess.run(["minfo", "-i", f"{img}@@1M", "::"], capture_output=True, text=True,
                          env=env, timeout=30).stdout
    check('disk label="SELFTEST   "' in info, f"label SELFTEST not in minfo: {info!r}")
    check(f"serial number: {stick.volid}" in info, f"volume id {stick.volid} not in minfo")
    check(stick.uuid == f"{stick.volid[:4]}-{stick.volid[4:]}", "uuid is not the volume id")
    again = harness.Stick("s2", "FUT-SELF-1", "OTHER")
    check(again.volid == stick.volid, "the volume id does not derive from the serial alone")

    flat = harness.Stick("s3", "FUT-SELF-3", "FLAT", size_mib=8, partitioned=False)
    flat.create(os.path.join(tmp, "flat.img"))
    out = subprocess.run(["mtype", "-i", os.path.join(tmp, "flat.img"), "::README.TXT"],
                         capture_output=True, env=env, timeout=30)
    check(out.stdout == flat.readme, "unpartitioned stick has no README.TXT at offset 0")

    for bad in (lambda: harness.Stick("S1", "A", "L"), lambda: harness.Stick("s1", "", "L"),
                lambda: harness.Stick("s1", "a b", "L"), lambda: harness.Stick("s1", "x,y", "L"),
                lambda: harness.Stick("s1", "A", "lower"),
                lambda: harness.Stick("s1", "A", "TWELVECHARSX"),
                lambda: harness.Stick("s1", "A", "L", size_mib=4)):
        expect_value_error(bad, "a bad stick name, serial, label or size")


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def test_scenario_parser(tmp):
    good = write(tmp, "07-good-one.sh",
                 "# what it proves\n# e2e-stick: a serial=S-1 label=L1 size=16 coldplug\n"
                 "# e2e-stick: b serial=S-2 label=L2 nopart\n# e2e-timeout: 30\necho\n"
                 "# e2e-stick: c serial=S-3 label=L3\n")
    sc = harness.Scenario(good)
    check(sc.name == "07-good-one", f"scenario name {sc.name}")
    check([s.name for s in sc.sticks] == ["a", "b"], "directives after the header were read")
    check(sc.sticks[0].coldplug and sc.sticks[0].size_mib == 16, "coldplug/size not parsed")
    check(not sc.sticks[1].partitioned, "nopart not parsed")
    check(sc.timeout == 30 and sc.coldplug and not sc.fresh_vm, "timeout or coldplug wrong")
    config = harness.Config()
    expect_value_error(lambda: sc.check_guest_visible(config),
                       "a scenario under /tmp (hidden from the guest)")
    harness.Scenario(os.path.join(harness.HERE, "scenarios", "01-udev-hotplug.sh")) \
        .check_guest_visible(config)
    # A checkout under /tmp, with a space and a comma, built in a folder inside it: the guest
    # sees both trees through their own shares, so its scenarios are visible.
    config.top_srcdir = os.path.join(tmp, "a b,c", "futari")
    config.top_builddir = os.path.join(config.top_srcdir, "_build-main")
    config.srcdir = os.path.join(config.top_srcdir, "tests", "e2e")
    gp = config.guest_path
    check(gp(config.top_srcdir) == "/futari-e2e/src", f"source tree maps to {gp(config.top_srcdir)}")
    check(gp(config.top_builddir + "/agent/futari") == "/futari-e2e/build/agent/futari",
          "a file in the build tree inside the source tree is reached through the build share")
    check(gp(config.srcdir + "/guest/stage2.sh") == "/futari-e2e/src/tests/e2e/guest/stage2.sh",
          "stage 2 is not under the source share")
    check(gp(config.top_srcdir + "x/y") == config.top_srcdir + "x/y",
          "a sibling folder sharing a prefix was mapped into the tree")
    check(gp("/usr/bin/env") == "/usr/bin/env", "a host path outside the trees changed")
    os.makedirs(os.path.join(config.srcdir, "scenarios"))
    inside = write(os.path.join(config.srcdir, "scenarios"), "08-inside.sh", "echo\n")
    harness.Scenario(inside).check_guest_visible(config)
    check(harness.qemu_opt("/tmp/a b,c") == "/tmp/a b,,c", "a comma is not doubled for QEMU")

    garbage = {
        "unknown directive": "# e2e-sticks: a serial=S label=L\n",
        "missing serial": "# e2e-stick: a label=L\n",
        "missing label": "# e2e-stick: a serial=S\n",
        "unknown option": "# e2e-stick: a serial=S label=L colour=red\n",
        "unknown flag": "# e2e-stick: a serial=S label=L hotplug\n",
        "repeated serial": "# e2e-stick: a serial=S serial=T label=L\n",
        "bad size": "# e2e-stick: a serial=S label=L size=big\n",
        "duplicate stick": "# e2e-stick: a serial=S label=L\n# e2e-stick: a serial=T label=M\n",
        "bad timeout": "# e2e-timeout: soon\n",
        "zero timeout": "# e2e-timeout: 0\n",
        "fresh-vm value": "# e2e-fresh-vm: yes\n",
        "bad serial": "# e2e-stick: a serial=S;rm label=L\n",
    }
    for i, (what, text) in enumerate(garbage.items()):
        path = write(tmp, f"{10 + i:02d}-bad.sh", text)
        expect_value_error(lambda p=path: harness.Scenario(p), f"scenario header with {what}")
    for name in ("1-short.sh", "08-Upper.sh", "09-name.bash"):
        path = write(tmp, name, "")
        expect_value_error(lambda p=path: harness.Scenario(p), f"scenario file name {name}")

    shared = [harness.Scenario(write(tmp, f"2{i}-s.sh", "")) for i in range(3)]
    fresh = harness.Scenario(write(tmp, "30-f.sh", "# e2e-fresh-vm\n"))
    cold = harness.Scenario(write(tmp, "31-c.sh", "# e2e-stick: c serial=C label=C coldplug\n"))
    plan = harness.plan_sessions([shared[0], fresh, shared[1], cold, shared[2]])
    check([[s.name for s in g] for g in plan] == [["31-c", "20-s", "21-s", "22-s"], ["30-f"]],
          f"session plan {[[s.name for s in g] for g in plan]}")


def read_cpio(data):
    """Parse a newc archive: {name: (mode, rdevmajor, rdevminor, bytes)}."""
    entries, off = {}, 0
    while True:
        hdr = data[off:off + 110]
        check(hdr[:6] == b"070701", f"bad cpio magic at {off}")
        if hdr[:6] != b"070701":
            return entries
        f = [int(hdr[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, rmaj, rmin, namesize = f[1], f[6], f[9], f[10], f[11]
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += -off % 4
        body = data[off:off + size]
        off += size
        off += -off % 4
        if name == "TRAILER!!!":
            return entries
        entries[name] = (mode, rmaj, rmin, body)


def test_initramfs(tmp):
    kernel, kver = harness.pick_kernel(None)
    if not kernel or not shutil.which("modprobe") or not os.path.exists("/bin/busybox"):
        print("# skipping the initramfs check: needs an installed kernel with modules, "
              "modprobe and busybox-static")
        return
    check(os.path.basename(kernel) == f"vmlinuz-{kver}", "kernel and version disagree")
    os.environ["E2E_CACHE"] = os.path.join(tmp, "cache")
    config = harness.Config()
    path = harness.build_initramfs(config)
    mtime = os.path.getmtime(path)
    check(harness.build_initramfs(config) == path and os.path.getmtime(path) == mtime,
          "a second build did not reuse the cached initramfs")
    check(kver in os.path.basename(path), "cache file name does not carry the kernel version")
    with open(path, "rb") as f:
        entries = read_cpio(f.read())
    for name in ("init", "bin/busybox", "modules.order"):
        check(name in entries, f"initramfs lacks {name}")
    console = entries.get("dev/console")
    check(console is not None and console[1:3] == (5, 1), "initramfs lacks /dev/console (5,1)")
    with open(os.path.join(harness.HERE, "guest", "init"), "rb") as f:
        check(entries.get("init", (0, 0, 0, b""))[3] == f.read(), "init differs from guest/init")
    order = entries.get("modules.order", (0, 0, 0, b""))[3].decode().split()
    for mod in order:
        check(f"lib/modules/{mod}" in entries, f"initramfs lists {mod} but lacks the file")
    stems = [m[:-3].replace("-", "_") for m in order]
    for want in ("virtio_pci", "9pnet_virtio", "9p", "overlay", "usb_storage", "vfat",
                 "virtio_console", "xhci_pci"):
        check(want in stems, f"initramfs does not load {want}")
    # Dependencies first: every module's modules.dep dependencies load before it.
    deps = {}
    with open(f"/lib/modules/{kver}/modules.dep") as f:
        for line in f:
            mod, _, rest = line.partition(":")
            deps[os.path.basename(mod).split(".ko")[0]] = [
                os.path.basename(d).split(".ko")[0] for d in rest.split()]
    position = {m[:-3]: i for i, m in enumerate(order)}
    for mod, i in position.items():
        for dep in deps.get(mod, []):
            check(position.get(dep, len(order)) < i, f"{mod} loads before its dependency {dep}")


def main():
    with tempfile.TemporaryDirectory(prefix="futari-e2e-selftest-", dir="/tmp") as tmp:
        test_stick(tmp)
        test_scenario_parser(tmp)
        test_initramfs(tmp)
    if failures:
        return 1
    print("harness self-test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
