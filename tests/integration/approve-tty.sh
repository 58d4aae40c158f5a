#!/bin/sh
# futari-approve reads passphrases from the terminal with echo off. Interrupted at the
# prompt (Ctrl-C, or killed with SIGTERM), it must give the terminal its echo back: before
# the fix the user's shell was left typing blind. Runs the real program on a pseudo-terminal
# that is its controlling terminal, sends the interrupt through the line discipline, and
# reads the terminal's flags afterwards. Needs no root.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs /usr/bin/python3"
A="$top_builddir/approver/futari-approve"
[ -x "$A" ] || fail "build futari-approve first"
R=""
[ "$(id -u)" -eq 0 ] && R=--allow-root

"$PY" - "$A" "$TEST_TMP" $R <<'PYEOF' || fail "the terminal was left without echo (see above)"
import fcntl, os, signal, subprocess, sys, termios, time

prog, tmp, extra = sys.argv[1], sys.argv[2], sys.argv[3:]

def run(how):
    master, slave = os.openpty()
    def ctty():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    p = subprocess.Popen([prog, "keygen", "--name", "T", "--out", f"{tmp}/k-{how}"] + extra,
                         stdin=slave, stdout=slave, stderr=slave, preexec_fn=ctty,
                         close_fds=True)
    seen = b""
    deadline = time.time() + 20
    while b"assphrase" not in seen:
        if time.time() > deadline or p.poll() is not None:
            print(f"{how}: no passphrase prompt: {seen!r}")
            return False
        os.set_blocking(master, False)
        try:
            seen += os.read(master, 1024)
        except BlockingIOError:
            time.sleep(0.05)
    time.sleep(0.3)  # echo is turned off right after the prompt is written
    if termios.tcgetattr(slave)[3] & termios.ECHO:
        print(f"{how}: echo was on while the passphrase was being read")
        return False
    if how == "ctrl-c":
        os.write(master, b"\x03")   # the line discipline sends SIGINT
    else:
        p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        print(f"{how}: futari-approve did not stop")
        return False
    lflag = termios.tcgetattr(slave)[3]
    os.close(master)
    os.close(slave)
    if rc >= 0:
        print(f"{how}: exited {rc}, not killed by the signal")
        return False
    if not lflag & termios.ECHO:
        print(f"{how}: echo still off after futari-approve died")
        return False
    out = f"{tmp}/k-{how}"  # keygen's --out is a directory
    if os.path.isdir(out) and os.listdir(out):
        print(f"{how}: key files were written: {os.listdir(out)}")
        return False
    print(f"ok: {how}: echo restored, killed by signal {-rc}")
    return True

sys.exit(0 if run("ctrl-c") and run("sigterm") else 1)
PYEOF
echo "ok: an interrupted passphrase prompt gives the terminal its echo back"
