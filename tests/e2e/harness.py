#!/usr/bin/env python3
"""futari end-to-end harness: a QEMU guest with real udev and real USB sticks.

The guest boots Debian's installed linux-image-amd64 under TCG (never KVM: /dev/kvm hangs on
the CI machines), runs the host's own userland from a read-only 9p share of "/" under a tmpfs
overlay, and talks to this program over a virtio-serial control port (see guest/stage2.sh for
the protocol). Sticks are raw vfat images attached to an xHCI controller and hot-plugged
through QMP.

Library use (host side):
    config = Config(); config.check()                  # raises Skip with a reason
    sticks = [Stick("s1", "FUT-1", "OFFICE1"), Stick("s2", "FUT-2", "OLD", coldplug=True)]
    with Vm(config, sticks) as vm:                     # boots, waits for READY
        vm.plug("s1"); status, out, err = vm.run("lsblk", timeout=30); vm.unplug("s1")

Command line:
    harness.py run [--keep] [--verbose] SCENARIO...
                                          boot, run scenarios in the guest, print TAP
    harness.py lint SCENARIO...           check scenario headers and registration (no VM)
    harness.py initramfs                  build (or reuse) the initramfs, print its path
    harness.py stick IMG SERIAL LABEL     make a stick image
    harness.py check-env                  say whether a VM can run here (exit 77 if not)
    harness.py shell [--keep]             boot, run stdin lines in the guest (!plug s1 …)

Only the Python standard library is used.
"""

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

from e2e_common import *  # noqa: F401,F403
from e2e_image import *  # noqa: F401,F403
from e2e_vm import *  # noqa: F401,F403


# ---------------------------------------------------------------------------------------------
# Scenarios


class Scenario:
    """A guest-side script with header directives (comment lines at the top):
        # e2e-stick: NAME serial=S label=L [size=MIB] [nopart] [coldplug]
        # e2e-timeout: SECONDS
        # e2e-fresh-vm        (boot a VM of its own)
    """

    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.name = os.path.basename(path)[:-3] if path.endswith(".sh") else None
        self.sticks = []
        self.timeout = DEFAULT_SCENARIO_TIMEOUT
        self.fresh_vm = False
        if not self.name or not re.match(r"^\d\d-[a-z0-9-]+$", self.name):
            raise ValueError(f"{path}: scenario files are named NN-lower-case-name.sh")
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.startswith("#"):
                    break
                m = re.match(r"^# e2e-([a-z-]+):?\s*(.*?)\s*$", line)
                if m:
                    try:
                        self._directive(m.group(1), m.group(2))
                    except ValueError as e:
                        raise ValueError(f"{path}:{n}: {e}") from None
        names = [s.name for s in self.sticks]
        if len(set(names)) != len(names):
            raise ValueError(f"{path}: two sticks have the same name")
        self.coldplug = any(s.coldplug for s in self.sticks)

    def check_guest_visible(self, config):
        """Raise ValueError when the guest cannot read the file: it sees the shared source and
        build trees wherever they are, and the rest of the host's tree except where it mounts
        its own filesystems."""
        path = config.guest_path(self.path)
        if path != self.path:
            return
        for hidden in GUEST_PRIVATE_DIRS:
            if path == hidden or path.startswith(hidden + "/"):
                raise ValueError(f"{self.path}: the guest has its own {hidden}; put scenarios "
                                 "where the guest can read them (e.g. the source tree)")

    def _directive(self, key, value):
        if key == "stick":
            words = value.split()
            if not words:
                raise ValueError("e2e-stick needs a name")
            opts = {"size": "32"}
            flags = set()
            for w in words[1:]:
                if "=" in w:
                    k, v = w.split("=", 1)
                    if k not in ("serial", "label", "size") or k in opts and k != "size":
                        raise ValueError(f"unknown or repeated stick option {k!r}")
                    opts[k] = v
                elif w in ("coldplug", "nopart"):
                    flags.add(w)
                else:
                    raise ValueError(f"unknown stick flag {w!r}")
            for k in ("serial", "label"):
                if k not in opts:
                    raise ValueError(f"stick {words[0]} needs {k}=")
            if not opts["size"].isdigit():
                raise ValueError(f"stick size {opts['size']!r} is not a number of MiB")
            self.sticks.append(Stick(words[0], opts["serial"], opts["label"],
                                     int(opts["size"]), "nopart" not in flags,
                                     "coldplug" in flags))
        elif key == "timeout":
            if not value.isdigit() or not 1 <= int(value) <= 1800:
                raise ValueError(f"e2e-timeout {value!r}: give 1 to 1800 seconds")
            self.timeout = int(value)
        elif key == "fresh-vm":
            if value:
                raise ValueError("e2e-fresh-vm takes no value")
            self.fresh_vm = True
        else:
            raise ValueError(f"unknown directive e2e-{key}")


def plan_sessions(scenarios):
    """Group scenarios into VM boots. Every scenario that can share a VM runs in one boot:
    first those with cold-plugged sticks (attached at boot, so still untouched when they run;
    each one's sticks are pulled out after it), then the others, each group in registration
    order. A scenario that asks for a fresh VM gets a boot of its own."""
    shared = [sc for sc in scenarios if not sc.fresh_vm]
    shared = [sc for sc in shared if sc.coldplug] + [sc for sc in shared if not sc.coldplug]
    return ([shared] if shared else []) + [[sc] for sc in scenarios if sc.fresh_vm]


def first_fail_line(err):
    for line in err.splitlines():
        if line.startswith("FAIL:"):
            return line[5:].strip()
    return None


class Tap:
    def __init__(self, total):
        print(f"1..{total}", flush=True)
        self.n = 0

    def result(self, ok, name, detail=None, diag=None, skip=None):
        self.n += 1
        if skip is not None:
            print(f"ok {self.n} - {name} # SKIP {skip}", flush=True)
            return
        text = f"{'ok' if ok else 'not ok'} {self.n} - {name}"
        if detail:
            text += f": {detail}"
        print(text, flush=True)
        for line in (diag or "").splitlines():
            print(f"#   {line}", flush=True)


class RunOptions:
    """How a run behaves: keep work dirs, stream scenario output, where artifacts go."""

    def __init__(self, config, keep=False, verbose=False):
        self.keep, self.verbose = keep, verbose
        self.artifacts = os.path.abspath(os.environ.get(
            "E2E_ARTIFACTS_DIR", os.path.join(config.top_builddir, "tests", "artifacts", "e2e")))


def scenario_env(config, sc):
    env = {"E2E_SRCDIR": config.guest_path(config.srcdir),
           "E2E_TOP_SRCDIR": config.guest_path(config.top_srcdir),
           "E2E_TOP_BUILDDIR": config.guest_path(config.top_builddir),
           "E2E_SCRATCH": f"/tmp/e2e-{sc.name}",
           "E2E_ARTIFACTS": f"/run/e2e/artifacts/{sc.name}",
           "E2E_SCENARIO": sc.name, "E2E_STICKS": " ".join(s.name for s in sc.sticks)}
    for s in sc.sticks:
        env.update(s.env())
    # E2E_GUEST_ENV="NAME=value …": settings for a scenario (bench/vm-export.sh's sizes).
    for item in os.environ.get("E2E_GUEST_ENV", "").split():
        if not re.fullmatch(r"[A-Z][A-Z0-9_]*=[-A-Za-z0-9_.]*", item) or item.startswith("E2E_"):
            raise HarnessError(f"E2E_GUEST_ENV: {item!r} is not NAME=value (letters, digits, -_.)")
        name, value = item.split("=", 1)
        env[name] = value
    return env


def scenario_script(config, sc, vm):
    plugged = "".join(f"export E2E_STICK_{n.upper()}_PLUGGED=1\n" for n in vm.plugged)
    lib = config.guest_path(os.path.join(config.srcdir, "guest", "lib.sh"))
    # -e with an ERR trap: a command that fails unexpectedly fails the scenario and says where.
    return (f"{plugged}mkdir -p \"$E2E_SCRATCH\" \"$E2E_ARTIFACTS\"\n"
            f". {shlex.quote(lib)}\n"
            "set -eu -o pipefail\n"
            "trap 'echo \"FAIL: $E2E_SCENARIO line $LINENO: $BASH_COMMAND exited $?\" >&2' ERR\n"
            f". {shlex.quote(config.guest_path(sc.path))}\n")


def collect_artifacts(vm, sc, opts, failed):
    """Copy what the scenario left in $E2E_ARTIFACTS to the host (and the console and its
    output when it failed); return the directory, or None when there was nothing."""
    dest = os.path.join(opts.artifacts, sc.name)
    shutil.rmtree(dest, ignore_errors=True)
    src = os.path.join(vm.results, "artifacts", sc.name)
    if os.path.isdir(src) and os.listdir(src):
        shutil.copytree(src, dest)
    if failed:
        os.makedirs(dest, exist_ok=True)
        with contextlib.suppress(OSError):
            shutil.copy(vm.console, os.path.join(dest, "console.log"))
        for ext in ("out", "err"):
            with contextlib.suppress(OSError):
                shutil.copy(os.path.join(vm.results, f"c{vm.seq:03d}.{ext}"),
                            os.path.join(dest, f"scenario.{ext}"))
    return dest if os.path.isdir(dest) else None


def report(tap, sc, status, out, err, took, artifacts):
    diag = f"({took:.1f}s)\n{out}{err}"
    if artifacts:
        diag += f"artifacts: {artifacts}\n"
    if status == 0:
        tap.result(True, sc.name, f"{took:.1f}s")
    elif status == SKIP:
        reason = next((line[5:].strip() for line in err.splitlines()
                       if line.startswith("SKIP:")), "scenario skipped without a reason")
        tap.result(True, sc.name, skip=reason)
    elif status in (124, 137):
        tap.result(False, sc.name, f"timed out after {sc.timeout}s", diag)
    else:
        tap.result(False, sc.name,
                   first_fail_line(err) or f"exited {status} without a FAIL: line", diag)


def run_session(config, scenarios, tap, opts):
    """Boot one VM with every stick of these scenarios, run them in order, report each. When
    the VM is lost, the remaining scenarios get a new one."""
    names = [s.name for sc in scenarios for s in sc.sticks]
    if len(set(names)) != len(names):
        # Scenarios sharing a VM must not reuse stick names: give each its own VM instead.
        for sc in scenarios:
            run_session(config, [sc], tap, opts)
        return
    try:
        vm = Vm(config, [s for sc in scenarios for s in sc.sticks], keep=opts.keep)
        vm.__enter__()
    except (HarnessError, OSError, subprocess.SubprocessError) as e:
        for sc in scenarios:
            tap.result(False, sc.name, "the VM did not boot", str(e))
        return
    log(f"VM booted in {vm.boot_seconds:.1f}s (kernel {vm.kernel_release}, "
        f"workdir {vm.workdir})")
    reset = ". " + shlex.quote(config.guest_path(os.path.join(config.srcdir, "guest", "reset.sh")))
    stream = sys.stderr.buffer if opts.verbose else None
    try:
        for i, sc in enumerate(scenarios):
            started = time.monotonic()
            try:
                status, out, err = vm.run(scenario_script(config, sc, vm), sc.timeout,
                                          scenario_env(config, sc), stream=stream)
            except HarnessError as e:
                tap.result(False, sc.name, "the harness lost the VM", str(e))
                collect_artifacts(vm, sc, opts, True)
                lost = True
            else:
                lost = False
                took = time.monotonic() - started
                report(tap, sc, status, out, err, took,
                       collect_artifacts(vm, sc, opts, status not in (0, SKIP)))
            rest = scenarios[i + 1:]
            if not lost and rest:
                # Whatever the scenario left plugged is pulled out, and the guest state it may
                # have changed is reset, before the next one.
                try:
                    for s in sc.sticks:
                        if s.name in vm.plugged:
                            vm.unplug(s.name)
                    status, _, err = vm.run(reset, 60)
                    if status != 0:
                        raise HarnessError(f"guest/reset.sh exited {status}: {err.strip()}")
                except HarnessError as e:
                    log(f"cleaning up after {sc.name} failed, next scenarios get a new VM: {e}")
                    lost = True
            if lost:
                vm.kill()  # it is not listening any more: no polite power-off
                vm.close()
                if rest:
                    run_session(config, rest, tap, opts)
                return
    finally:
        vm.close()


def load_scenarios(config, paths):
    scenarios = []
    for p in paths:
        scenarios.append(Scenario(p))
        scenarios[-1].check_guest_visible(config)
    return scenarios


def cmd_run(args):
    flags = {a for a in args if a.startswith("--")}
    paths = [a for a in args if not a.startswith("--")]
    if flags - {"--keep", "--verbose"}:
        print(f"harness: unknown option {sorted(flags - {'--keep', '--verbose'})[0]}",
              file=sys.stderr)
        return 2
    if os.environ.get("FUTARI_E2E_SKIP"):
        print(f"1..0 # SKIP {os.environ['FUTARI_E2E_SKIP']}")
        return 0
    config = Config()
    try:
        scenarios = load_scenarios(config, paths)
    except (ValueError, OSError) as e:
        print("1..1\nnot ok 1 - scenario headers: " + str(e).replace("\n", " "))
        return 1
    try:
        config.check()
    except Skip as e:
        print(f"1..0 # SKIP {e}")
        return 0
    opts = RunOptions(config, keep="--keep" in flags or os.environ.get("E2E_KEEP") == "1",
                      verbose="--verbose" in flags)
    tap = Tap(len(scenarios))
    started = time.monotonic()
    sessions = plan_sessions(scenarios)
    log(f"{len(scenarios)} scenarios in {len(sessions)} VM boots, kernel {config.kver}")
    for group in sessions:
        run_session(config, group, tap, opts)
    log(f"e2e total {time.monotonic() - started:.1f}s")
    return 0


def cmd_lint(args):
    """Check scenarios without a VM: headers parse, scripts are valid bash, and every
    scenarios/*.sh file is registered (passed here), so none is silently left out."""
    registered = {os.path.abspath(p) for p in args}
    present = {os.path.abspath(p) for p in glob.glob(os.path.join(HERE, "scenarios", "*.sh"))}
    problems = []
    for p in sorted(present - registered):
        problems.append(f"{p} is not registered in tests/e2e/Makefile.am SCENARIOS")
    for p in sorted(registered):
        try:
            Scenario(p)
        except (ValueError, OSError) as e:
            problems.append(str(e))
    scripts = sorted(registered) + [os.path.join(HERE, "guest", n)
                                     for n in ("stage2.sh", "lib.sh", "reset.sh")]
    for p in scripts:
        res = subprocess.run(["bash", "-n", p], capture_output=True, text=True)
        if res.returncode != 0:
            problems.append(f"bash -n {p}: {res.stderr.strip()}")
    if shutil.which("busybox"):
        res = subprocess.run(["busybox", "sh", "-n", os.path.join(HERE, "guest", "init")],
                             capture_output=True, text=True)
        if res.returncode != 0:
            problems.append(f"busybox sh -n guest/init: {res.stderr.strip()}")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


def cmd_shell(args):
    """Boot a VM with sticks s1 and s2 (unplugged) and run each line of stdin in the guest;
    `!plug NAME` and `!unplug NAME` act on the host side. For exploring, not for tests."""
    config = Config()
    config.check()
    sticks = [Stick("s1", "FUT-SHELL-1", "SHELL1"), Stick("s2", "FUT-SHELL-2", "SHELL2")]
    with Vm(config, sticks, keep="--keep" in args) as vm:
        print(f"booted in {vm.boot_seconds:.1f}s; work dir {vm.workdir}; "
              "lines run in the guest, !plug s1 / !unplug s1 act on the host", file=sys.stderr)
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            try:
                if line.startswith("!"):
                    words = line[1:].split()
                    why = vm.default_request(words[0], words[1:]) if words else "empty"
                    print(f"host: {why or 'ok'}", file=sys.stderr)
                    continue
                status, out, err = vm.run(line, timeout=300)
            except HarnessError as e:
                print(f"host: {e}", file=sys.stderr)
                continue
            sys.stdout.write(out)
            sys.stderr.write(err)
            print(f"[exit {status}]", file=sys.stderr)
    return 0


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "run":
        return cmd_run(args)
    if cmd == "lint":
        return cmd_lint(args)
    if cmd == "shell":
        return cmd_shell(args)
    if cmd == "check-env":
        try:
            Config().check()
        except Skip as e:
            print(f"SKIP: {e}", file=sys.stderr)
            return SKIP
        return 0
    if cmd == "initramfs":
        config = Config()
        config.check()
        print(build_initramfs(config))
        return 0
    if cmd == "stick" and len(args) == 3:
        Stick("stick", args[1], args[2]).create(args[0])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


def _exit_on_signal(signum, frame):
    # Unwind through the finally blocks, which kill QEMU and remove temp dirs.
    STATE["stopping"] = True
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    try:
        sys.exit(main(sys.argv[1:]))
    except (HarnessError, ValueError) as e:
        print(f"harness: {e}", file=sys.stderr)
        sys.exit(1)
