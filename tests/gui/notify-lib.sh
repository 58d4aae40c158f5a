# Sourced by the notifier tests after agent-lib.sh, with N (futari-notify), S (the stand-in
# notification server) and SOCK set.
#
# notifier UID DIR: futari-notify of UID on its own session bus and runtime folder (DIR/run),
# notifications in DIR/got, until DIR/stop exists.
notifier() {
	mkdir -p "$2/run"
	chmod 0700 "$2/run"
	chown "$1" "$2" "$2/run"
	cat >"$2/inner.sh" <<INNER
"$S" "$2/got" "$2/standin.ready" &
standin=\$!
for i in \$(seq 600); do [ -e "$2/standin.ready" ] && break; sleep 0.1; done
"$N" --socket "$SOCK" 2>"$2/notify.err" &
notifier=\$!
while [ ! -e "$2/stop" ]; do sleep 0.1; done
kill \$notifier
wait \$notifier
echo \$? >"$2/notify.rc"
kill \$standin
INNER
	# GLib and GDBus keep process-lifetime allocations (see tests/gui/notify.sh).
	setpriv --reuid="$1" --regid="$1" --clear-groups env HOME="$2" XDG_RUNTIME_DIR="$2/run" LC_ALL=C.UTF-8 \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		dbus-run-session -- sh "$2/inner.sh" >"$2/bus.log" 2>&1 &
	defer "touch $2/stop"
	wait_text "$2/notify.err" "listening to the agent's events" ||
		fail "futari-notify of $1 did not subscribe: $(cat "$2"/*.err "$2/bus.log" 2>&1)"
}
