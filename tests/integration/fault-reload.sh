#!/bin/sh
# A reload (SIGHUP) with a broken configuration keeps the policy in force: whatever is
# wrong with the new agent.conf or media register — syntax, a bad value, an unknown key,
# unsafe permissions, a missing file — the agent says so and goes on with the old one; a
# good file is then taken (so the check can fail) (issue 10, fault tests).
. "$(dirname "$0")/agent-lib.sh"
agent_enter_ns "$@"
. "$(dirname "$0")/lib.sh"
require_cmd setpriv timeout
agent_setup
register_sticks one
cp "$ETC/agent.conf" "$ETC/base.conf"
printf '[usb]\nexport-to-unregistered = false\n' >>"$ETC/agent.conf"
start_agent

# status_has TEXT: the status JSON holds TEXT (spacing ignored)
status_has() {
	FUTARI_TIMEOUT=10 "$FUTARI" status --json | tr -d ' \n' | grep -q "$1"
}
refusals() {
	grep -c "reload refused" "$TEST_TMP/agent.log"
}
status_has '"export_to_unregistered":false' || fail "unexpected starting policy"
status_has '"registered_media":1' || fail "unexpected starting register"

# hup_broken DESCRIPTION: SIGHUP, then wait for the agent to refuse the reload
hup_broken() {
	before=$(refusals)
	kill -HUP "$AGENT_PID"
	i=0
	while [ "$(refusals)" -le "$before" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "$1: reload not refused within 10 s"
		sleep 0.1
	done
	kill -0 "$AGENT_PID" || fail "$1: agent died"
	status_has '"export_to_unregistered":false' || fail "$1: the broken policy took effect"
	status_has '"registered_media":1' || fail "$1: the register changed"
}

# Each broken config would also turn on exports to unregistered media.
broken() {
	{ cat "$ETC/base.conf"; printf '[usb]\nexport-to-unregistered = true\n'; printf "$1"; } \
		>"$ETC/agent.conf"
	chmod 0644 "$ETC/agent.conf"
	hup_broken "$2"
}
broken '[limits]\nrequests-per-minute = 0\n' "a value out of range"
broken '[limits]\nrequests-per-minutes = 10\n' "an unknown key"
broken 'this is not a key\n' "a syntax error"
broken '[usb]\nexport-to-unregistered = false\n' "a duplicate group"
broken '[paths]\n' "a duplicate [paths] group"
broken '\377\376\n' "invalid UTF-8"
# Good content, unsafe permissions: anyone could have written it.
{ cat "$ETC/base.conf"; printf '[usb]\nexport-to-unregistered = true\n'; } >"$ETC/agent.conf"
chmod 0666 "$ETC/agent.conf"
hup_broken "a world-writable config"
chmod 0644 "$ETC/agent.conf"
chown 65534 "$ETC/agent.conf"
hup_broken "a config owned by a user"
chown 0 "$ETC/agent.conf"
# A missing config file.
mv "$ETC/agent.conf" "$ETC/agent.conf.away"
hup_broken "a missing config"
mv "$ETC/agent.conf.away" "$ETC/agent.conf"
# A good config with a broken media register.
cp "$ETC/media.conf" "$ETC/media.good"
printf '[asset:X]\nvid = zzzz\n' >>"$ETC/media.conf"
hup_broken "a broken media register"
cp "$ETC/media.good" "$ETC/media.conf"

# Now everything is good: the new policy is taken.
register_sticks one two
kill -HUP "$AGENT_PID"
i=0
until status_has '"export_to_unregistered":true'; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "a good config was not taken on SIGHUP"
	sleep 0.1
done
status_has '"registered_media":2' || fail "the good register was not taken"
kill -0 "$AGENT_PID" || fail "agent died"
stop_agent
exit 0
